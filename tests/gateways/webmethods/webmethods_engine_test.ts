/**
 * The webMethods adapter behind the sync engine's `applyPlan` (one-item plans, deletes first,
 * held deletes, bounded concurrency): what the agent's loops do with it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { applyPlan } from "../../../src/sync/engine.ts";
import { itemKey } from "../../../src/sync/plan.ts";
import { credential, gateway, policy, route } from "./webmethods_harness.ts";

Deno.test("routes, policies and credentials go through the engine item by item", async () => {
  const { wm, adapter } = gateway();
  const routes = await adapter.planRoutes([route({ name: "orders", generation: 9 })]);
  const applied = await applyPlan(routes, { adapter, concurrency: 4 });
  assert.deepEqual(applied.map((r) => `${r.id} ${r.status} ${r.generation}`), [
    "dep-orders applied 9",
  ]);
  const policies = await adapter.planPolicies([policy({ targets: ["stoa-orders"] })]);
  assert.deepEqual(
    (await applyPlan(policies, { adapter })).map((r) => `${r.id} ${r.status}`),
    ["pol-rate applied"],
  );
  const credentials = await adapter.planCredentials([credential()]);
  assert.deepEqual(
    (await applyPlan(credentials, { adapter })).map((r) => `${r.id} ${r.status}`),
    ["partner-1 applied"],
  );
  const again = await adapter.planPolicies([policy({ targets: ["stoa-orders"] })]);
  const unchanged = await applyPlan(again, { adapter });
  assert.deepEqual(unchanged.map((r) => r.status), ["unchanged"]);
  assert.equal(wm.store.applications.size, 1);
});

Deno.test("a delete held by the mass-deletion guard never reaches the gateway", async () => {
  const { wm, adapter } = gateway();
  await applyPlan(await adapter.planRoutes([route({ name: "a" }), route({ name: "b" })]), {
    adapter,
  });
  const plan = await adapter.planRoutes([route({ name: "b" })]);
  const held = new Set(plan.items.filter((item) => item.action === "delete").map(itemKey));
  const results = await applyPlan(plan, { adapter, held, holdReason: "confirming next cycle" });
  assert.deepEqual(results.map((r) => `${r.id} ${r.status}`), ["dep-b unchanged", "dep-a held"]);
  assert.equal(wm.store.apis.size, 2);
  const confirmed = await applyPlan(await adapter.planRoutes([route({ name: "b" })]), { adapter });
  assert.deepEqual(confirmed.map((r) => `${r.id} ${r.status}`), [
    "dep-b unchanged",
    "dep-a removed",
  ]);
  assert.equal(wm.store.apis.size, 1);
});
