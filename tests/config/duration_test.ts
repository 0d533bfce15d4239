import assert from "node:assert/strict";
import { formatDuration, parseDuration } from "../../src/config/duration.ts";

Deno.test("parseDuration reads the guide's syntax", () => {
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("1m30s"), 90_000);
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("1.5h"), 5_400_000);
  assert.equal(parseDuration("2h45m"), 9_900_000);
  assert.equal(parseDuration(" 10s "), 10_000);
  assert.equal(parseDuration("0"), 0);
  assert.equal(parseDuration("-5s"), -5_000);
});

Deno.test("parseDuration refuses bare numbers, unknown units and garbage", () => {
  for (const text of ["30", "", "s", "10x", "1d", "1m 30s", "thirty seconds", "1e3s", "--1s"]) {
    assert.equal(parseDuration(text), undefined, text);
  }
});

Deno.test("formatDuration writes durations back in the same syntax", () => {
  assert.equal(formatDuration(30_000), "30s");
  assert.equal(formatDuration(90_000), "1m30s");
  assert.equal(formatDuration(500), "500ms");
  assert.equal(formatDuration(3_600_000), "1h");
  assert.equal(formatDuration(1_500), "1.5s");
});
