/**
 * Applying plans on webMethods: bounded concurrency, per-item results whatever happens, removals
 * that go on after a failure, and concurrent policy edits of one API that keep each other's edits.
 *
 * @module
 */

import assert from "node:assert/strict";
import { OperationBook, removeEvery } from "../../../src/gateways/webmethods/webmethods_plan.ts";
import type { PlanItem } from "../../../src/sync/plan.ts";
import { gateway, policy, route, sync } from "./webmethods_harness.ts";

function item(id: string, action: PlanItem["action"] = "create", error?: string): PlanItem {
  return {
    kind: "route",
    id,
    name: id,
    action,
    target: `api ${id}`,
    changes: [],
    generation: 4,
    ...(error ? { error } : {}),
  };
}

Deno.test("apply runs at most `concurrency` items at once and reports one result per item", async () => {
  const book = new OperationBook();
  let running = 0;
  let peak = 0;
  const work = async () => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((resolve) => setTimeout(resolve, 2));
    running--;
  };
  const items = Array.from({ length: 7 }, (_, i) => item(`r${i}`));
  const plan = book.record("route", [
    ...items.map((entry) => ({ item: entry, operation: work })),
    { item: item("bad", "create", "cannot be expressed") },
    { item: item("same", "unchanged") },
    { item: item("boom"), operation: () => Promise.reject(new Error("it broke")) },
    { item: item("gone", "delete"), operation: work },
  ]);
  const results = await book.apply(plan, { concurrency: 3 });
  assert.equal(peak, 3);
  assert.deepEqual(results.map((r) => `${r.id} ${r.status}${r.error ? ` ${r.error}` : ""}`), [
    ...items.map((entry) => `${entry.id} applied`),
    "bad failed cannot be expressed",
    "same unchanged",
    "boom failed it broke",
    "gone removed",
  ]);
  assert.ok(results.every((r) => r.generation === 4), "generations are echoed");
});

Deno.test("apply rejects only when aborted (shutdown)", async () => {
  const book = new OperationBook();
  const controller = new AbortController();
  const plan = book.record("route", [{
    item: item("slow"),
    operation: () => {
      controller.abort(new Error("shutting down"));
      return Promise.reject(new Error("aborted"));
    },
  }]);
  await assert.rejects(book.apply(plan, { signal: controller.signal }), /aborted/);
});

Deno.test("removeEvery tries every item and counts the failures", async () => {
  const removed: number[] = [];
  await assert.rejects(
    removeEvery([1, 2, 3], "duplicate things", (n) => {
      if (n === 2) return Promise.reject(new Error("locked"));
      removed.push(n);
      return Promise.resolve();
    }),
    /^Error: removed 2\/3 duplicate things; last error: locked$/,
  );
  assert.deepEqual(removed, [1, 3]);
  await removeEvery([], "nothing", () => Promise.reject(new Error("never called")));
});

Deno.test("concurrent policy items on one API never lose each other's edits", async () => {
  const { wm, adapter } = gateway({ latencyMs: 1 });
  await sync(adapter, "route", [route({ name: "shared" })]);
  const desired = ["cors", "logging", "caching"].map((type, index) =>
    policy({
      id: `p${index}`,
      name: `p${index}`,
      type: type as "cors" | "logging" | "caching",
      config: {},
      targets: ["stoa-shared"],
    })
  );
  const { results } = await sync(adapter, "policy", desired, { concurrency: 3 });
  assert.deepEqual(results.map((r) => r.status), ["applied", "applied", "applied"]);
  const [api] = [...wm.store.apis.values()];
  const templates = wm.store.policy(api.policyId).policyEnforcements
    .flatMap((stage) =>
      stage.enforcements.map((e) => wm.store.action(String(e.enforcementObjectId)).templateKey)
    )
    .sort();
  assert.deepEqual(templates, [
    "cors",
    "entryProtocolPolicy",
    "logInvocation",
    "serviceResultCache",
    "straightThroughRouting",
  ]);
});
