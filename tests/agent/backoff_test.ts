import assert from "node:assert/strict";
import {
  backoffDelay,
  MAX_RETRY_AFTER_MS,
  retryDelay,
  UNAUTHORIZED_RETRY_MS,
} from "../../src/agent/backoff.ts";
import { ControlPlaneError } from "../../src/control_plane/errors.ts";

const exact = { initialMs: 2_000, maxMs: 60_000, jitter: 0 };

Deno.test("backoff doubles from the initial delay up to the cap", () => {
  assert.deepEqual(
    [0, -1, 1, 2, 3, 4, 5, 6, 7, 100].map((n) => backoffDelay(n, exact)),
    [0, 0, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000],
  );
});

Deno.test("jitter stays within its fraction", () => {
  const low = backoffDelay(3, { ...exact, jitter: 0.2, random: () => 0 });
  const high = backoffDelay(3, { ...exact, jitter: 0.2, random: () => 1 });
  assert.equal(low, 6_400);
  assert.equal(high, 9_600);
});

Deno.test("retryDelay honours Retry-After and slows down after a 401", () => {
  const busy = new ControlPlaneError({
    endpoint: "heartbeat",
    kind: "http",
    status: 429,
    detail: "slow down",
    retryAfterMs: 45_000,
  });
  assert.equal(retryDelay(busy, 1, exact), 45_000);
  const refused = new ControlPlaneError({
    endpoint: "register",
    kind: "http",
    status: 401,
    detail: "Invalid gateway key",
  });
  assert.equal(retryDelay(refused, 1, exact), UNAUTHORIZED_RETRY_MS);
  assert.equal(retryDelay(new Error("other"), 2, exact), 4_000);
});

Deno.test("a Retry-After of days is capped: the agent keeps trying", () => {
  const maintenance = new ControlPlaneError({
    endpoint: "heartbeat",
    kind: "http",
    status: 503,
    detail: "maintenance",
    retryAfterMs: 30 * 24 * 3_600_000,
  });
  assert.equal(retryDelay(maintenance, 1, exact), MAX_RETRY_AFTER_MS);
});
