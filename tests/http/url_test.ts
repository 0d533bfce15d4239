import assert from "node:assert/strict";
import { displayUrl, joinUrl, normaliseBaseUrl, segment } from "../../src/http/url.ts";
import { parseRetryAfter } from "../../src/http/retry_after.ts";
import { rfc3339Seconds } from "../../src/http/timestamps.ts";

Deno.test("base URLs resolve paths below them with or without a trailing slash", () => {
  for (const base of ["https://cp.example/api", "https://cp.example/api/"]) {
    const url = joinUrl(normaliseBaseUrl(base), "/v1/internal/gateways/register");
    assert.equal(url.href, "https://cp.example/api/v1/internal/gateways/register");
  }
  assert.equal(
    joinUrl(normaliseBaseUrl("http://kong:8001"), "services?offset=abc%3D&size=1000").href,
    "http://kong:8001/services?offset=abc%3D&size=1000",
  );
});

Deno.test("segments and query values are escaped", () => {
  const url = joinUrl(normaliseBaseUrl("http://cp"), `${segment("a/b c")}/x`, {
    gateway_name: "edge 01&x=1",
    skip: undefined,
  });
  assert.equal(url.href, "http://cp/a%2Fb%20c/x?gateway_name=edge+01%26x%3D1");
});

Deno.test("displayUrl drops credentials and query", () => {
  assert.equal(displayUrl("https://u:p@host/path?token=1#f"), "https://host/path");
});

Deno.test("Retry-After accepts seconds and HTTP dates", () => {
  const now = Date.parse("2026-11-26T12:00:00Z");
  assert.equal(parseRetryAfter("7", now), 7_000);
  assert.equal(parseRetryAfter("Thu, 26 Nov 2026 12:00:30 GMT", now), 30_000);
  assert.equal(parseRetryAfter("Thu, 26 Nov 2026 11:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter("soon", now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});

Deno.test("timestamps are RFC 3339 with whole seconds", () => {
  assert.equal(rfc3339Seconds(new Date("2026-07-31T06:52:18.123Z")), "2026-07-31T06:52:18Z");
});
