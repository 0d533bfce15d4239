import assert from "node:assert/strict";
import { applyPlan } from "../../src/sync/engine.ts";
import { itemKey, type Plan } from "../../src/sync/plan.ts";
import { clearSecrets, registerSecret } from "../../src/observability/redact.ts";
import { FakeSyncAdapter } from "../fakes/fake_sync_adapter.ts";
import { policy, route } from "./sync_support.ts";

Deno.test("an unchanged plan calls the adapter zero times", async () => {
  const adapter = new FakeSyncAdapter();
  const desired = [policy({ id: "p1" }), policy({ id: "p2" })];
  await applyPlan(await adapter.planPolicies(desired), { adapter });
  assert.equal(adapter.writes.length, 2);

  const again = await adapter.planPolicies(desired);
  assert.deepEqual(again.items.map((i) => i.action), ["unchanged", "unchanged"]);
  const calls = adapter.applyCalls;
  const results = await applyPlan(again, { adapter });
  assert.equal(adapter.applyCalls, calls);
  assert.equal(adapter.writes.length, 2);
  assert.deepEqual(results.map((r) => r.status), ["unchanged", "unchanged"]);
});

Deno.test("one failing item never stops the others nor makes them succeed", async () => {
  const adapter = new FakeSyncAdapter();
  adapter.failItem("p2", "kong plugin apply failed (400): schema violation");
  adapter.failItem("p3", "gateway refused the update", "result");
  const plan = await adapter.planPolicies(
    ["p1", "p2", "p3", "p4"].map((id) => policy({ id })),
  );
  const results = await applyPlan(plan, { adapter });
  assert.deepEqual(results.map((r) => [r.id, r.status, r.error]), [
    ["p1", "applied", undefined],
    ["p2", "failed", "kong plugin apply failed (400): schema violation"],
    ["p3", "failed", "gateway refused the update"],
    ["p4", "applied", undefined],
  ]);
  assert.deepEqual(adapter.writes.map((w) => w.id), ["p1", "p4"]);
});

Deno.test("writes run at most `concurrency` at a time, deletes before creates", async () => {
  const adapter = new FakeSyncAdapter();
  adapter.writeDelayMs = 5;
  for (let i = 0; i < 4; i++) {
    adapter.seed({ kind: "route", id: `old-${i}`, name: `old-${i}`, fields: {} });
  }
  const desired = Array.from({ length: 12 }, (_, i) => route({ id: `r${i}` }));
  // Keep the four old routes so the deletes are not a mass deletion: this is about order.
  const plan = await adapter.planRoutes(desired);
  const results = await applyPlan(plan, { adapter, concurrency: 3 });
  assert.equal(adapter.maxConcurrentWrites, 3);
  assert.equal(results.filter((r) => r.status === "applied").length, 12);
  assert.equal(results.filter((r) => r.status === "removed").length, 4);
  const firstCreate = adapter.writes.findIndex((w) => w.action === "create");
  assert.equal(firstCreate, 4, "the four deletes are written first");
});

Deno.test("held deletes and invalid items never reach the adapter", async () => {
  const adapter = new FakeSyncAdapter();
  adapter.seed({ kind: "route", id: "gone", name: "gone", fields: { name: "gone" } });
  const plan: Plan = await adapter.planRoutes([route({ id: "new" })]);
  const withInvalid: Plan = {
    ...plan,
    items: [...plan.items, {
      kind: "route",
      id: "bad",
      name: "bad",
      action: "create",
      changes: [],
      error: "backend_url is not a URL",
    }],
  };
  const gone = plan.items.find((i) => i.id === "gone")!;
  const results = await applyPlan(withInvalid, {
    adapter,
    held: new Set([itemKey(gone)]),
    holdReason: "waiting for confirmation",
  });
  assert.deepEqual(results.map((r) => [r.id, r.status, r.error]), [
    ["new", "applied", undefined],
    ["gone", "held", "waiting for confirmation"],
    ["bad", "failed", "backend_url is not a URL"],
  ]);
  assert.deepEqual(adapter.writes.map((w) => w.id), ["new"]);
  assert.ok(adapter.owned("route", "gone"), "the held route is still there");
});

Deno.test("an adapter that answers without the item's result gets it failed", async () => {
  const adapter = new FakeSyncAdapter();
  const plan = await adapter.planPolicies([policy({ id: "p1" })]);
  adapter.apply = () => Promise.resolve([]);
  const [result] = await applyPlan(plan, { adapter });
  assert.equal(result.status, "failed");
  assert.match(result.error!, /returned no result/);
});

Deno.test("route generations are echoed in the results, with write times", async () => {
  const adapter = new FakeSyncAdapter();
  const plan = await adapter.planRoutes([route({ id: "r1", generation: 7 })]);
  const [result] = await applyPlan(plan, { adapter });
  assert.equal(result.generation, 7);
  assert.ok(result.completedAt.getTime() >= result.startedAt.getTime());
});

Deno.test("secrets in adapter errors are redacted", async () => {
  registerSecret("admin-token-s3cret");
  try {
    const adapter = new FakeSyncAdapter();
    adapter.failItem("p1", "refused with Kong-Admin-Token admin-token-s3cret");
    const [result] = await applyPlan(await adapter.planPolicies([policy({ id: "p1" })]), {
      adapter,
    });
    assert.ok(!result.error!.includes("admin-token-s3cret"), result.error);
  } finally {
    clearSecrets();
  }
});

Deno.test("an aborted run stops before the next write and rejects", async () => {
  const adapter = new FakeSyncAdapter();
  const controller = new AbortController();
  controller.abort(new Error("shutting down"));
  const plan = await adapter.planPolicies([policy({ id: "p1" })]);
  await assert.rejects(applyPlan(plan, { adapter, signal: controller.signal }), /shutting down/);
  assert.equal(adapter.writes.length, 0);
});
