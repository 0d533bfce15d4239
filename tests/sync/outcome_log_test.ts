import assert from "node:assert/strict";
import { logOutcome } from "../../src/sync/outcome_log.ts";
import type { KindOutcome } from "../../src/sync/sync_report.ts";
import { captureLogs } from "./sync_support.ts";

const AT = new Date("2026-11-26T12:00:00Z");
const base = { kind: "route" as const, dryRun: false, at: AT.toISOString(), durationMs: 3 };

Deno.test("a quiet cycle logs at debug, a changing one at info, failures one by one", async () => {
  const quiet: KindOutcome = {
    ...base,
    status: "ok",
    plan: {
      kind: "route",
      items: [{ kind: "route", id: "a", name: "a", action: "unchanged", changes: [] }],
    },
    results: [{
      kind: "route",
      id: "a",
      name: "a",
      action: "unchanged",
      status: "unchanged",
      startedAt: AT,
      completedAt: AT,
    }],
  };
  const busy: KindOutcome = {
    ...base,
    status: "held",
    plan: {
      kind: "route",
      items: [
        { kind: "route", id: "b", name: "b", action: "create", changes: [] },
        { kind: "route", id: "c", name: "c", action: "delete", changes: [] },
      ],
      held: { reason: "…", deletes: 1, owned: 1 },
    },
    results: [
      {
        kind: "route",
        id: "b",
        name: "orders",
        action: "create",
        status: "failed",
        error: "409 conflict",
        startedAt: AT,
        completedAt: AT,
      },
      {
        kind: "route",
        id: "c",
        name: "c",
        action: "delete",
        status: "held",
        startedAt: AT,
        completedAt: AT,
      },
    ],
  };
  const failed: KindOutcome = {
    ...base,
    status: "failed",
    error: "routes: cannot reach the Control Plane",
  };
  const lines = await captureLogs(() => {
    logOutcome("route-sync", quiet);
    logOutcome("route-sync", busy);
    logOutcome("route-sync", failed);
    return Promise.resolve();
  });
  assert.deepEqual(lines.map((l) => [l.level, l.message]), [
    ["debug", "route sync: 0 created, 0 updated, 0 deleted, 1 unchanged, 0 failed (3 ms)"],
    [
      "info",
      "route sync: 0 created, 0 updated, 1 to delete of which 1 held, 0 unchanged, 1 failed (3 ms)",
    ],
    ["warn", "route orders (b) failed: 409 conflict"],
    ["warn", "route sync failed: routes: cannot reach the Control Plane"],
  ]);
});
