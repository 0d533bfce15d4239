/**
 * The exit code of a sync or a plan: failures first (whatever the HTTP status says), then pending
 * changes for dry runs.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseSyncResult, pendingChanges, syncExitCode } from "../../src/cli/sync_result.ts";
import {
  PLAN_INVALID_ITEM,
  PLAN_NO_CHANGES,
  PLAN_WITH_CHANGES,
  SYNC_APPLIED,
  SYNC_HELD,
  SYNC_PARTIAL,
  SYNC_SECTION_FAILED,
} from "./sync_samples.ts";

Deno.test("exit codes of syncs and plans", () => {
  const cases: [string, Parameters<typeof syncExitCode>[0], number, number][] = [
    ["plan with changes", PLAN_WITH_CHANGES, 200, 3],
    ["plan without changes", PLAN_NO_CHANGES, 200, 0],
    ["plan with an item that cannot be applied", PLAN_INVALID_ITEM, 200, 1],
    [
      "plan whose section failed",
      { ...PLAN_NO_CHANGES, routes: SYNC_SECTION_FAILED.routes },
      502,
      1,
    ],
    ["sync applied", SYNC_APPLIED, 200, 0],
    ["sync with held deletes", SYNC_HELD, 200, 0],
    ["sync with a failed item", SYNC_PARTIAL, 207, 1],
    ["sync with a failed section", SYNC_SECTION_FAILED, 502, 1],
    ["a 207 is a failure even if no item says so", SYNC_APPLIED, 207, 1],
  ];
  for (const [what, result, status, code] of cases) {
    assert.equal(syncExitCode(result, status), code, what);
  }
  assert.equal(pendingChanges(PLAN_WITH_CHANGES), 3);
});

Deno.test("answers outside the contract are refused with the reason", () => {
  const old = parseSyncResult({ status: "ok", policies_applied: 1 });
  assert.equal(old.ok, false);
  assert.match(old.ok ? "" : old.reason, /dry_run/);
  const badAction = parseSyncResult({
    ...PLAN_NO_CHANGES,
    policies: {
      ...PLAN_NO_CHANGES.policies,
      items: [{ ...PLAN_NO_CHANGES.policies.items[0], action: "upsert" }],
    },
  });
  assert.equal(badAction.ok, false);
  assert.deepEqual(parseSyncResult(structuredClone(PLAN_WITH_CHANGES)), {
    ok: true,
    result: PLAN_WITH_CHANGES,
  });
});
