import assert from "node:assert/strict";
import { MassDeleteGuard } from "../../src/sync/mass_delete_guard.ts";
import { reconcile, withInvalidItems } from "../../src/sync/reconcile.ts";
import { FakeSyncAdapter } from "../fakes/fake_sync_adapter.ts";
import { route } from "./sync_support.ts";

function gatewayWith(ids: string[]): FakeSyncAdapter {
  const adapter = new FakeSyncAdapter();
  for (const id of ids) {
    const r = route({ id });
    adapter.seed({
      kind: "route",
      id,
      name: r.name,
      fields: {
        name: r.name,
        pathPrefix: r.pathPrefix,
        backendUrl: r.backendUrl,
        methods: r.methods,
        activated: true,
        specHash: "",
      },
    });
  }
  return adapter;
}

function cycle(adapter: FakeSyncAdapter, guard: MassDeleteGuard, ids: string[], dryRun = false) {
  return reconcile({
    kind: "route",
    adapter,
    plan: (a) => a.planRoutes(ids.map((id) => route({ id }))),
    guard,
    dryRun,
    startedAt: Date.now(),
  });
}

Deno.test("deleting a minority of the owned objects is applied at once", async () => {
  const adapter = gatewayWith(["a", "b", "c"]);
  const guard = new MassDeleteGuard("route");
  const outcome = await cycle(adapter, guard, ["a", "b"]);
  assert.equal(outcome.status, "ok");
  assert.equal(outcome.plan?.held, undefined);
  assert.deepEqual(adapter.writes.map((w) => [w.action, w.id]), [["delete", "c"]]);
  assert.equal(guard.pending, undefined);
});

Deno.test("an empty list is held, visible, and applied when the next cycle confirms it", async () => {
  const adapter = gatewayWith(["a", "b", "c"]);
  const guard = new MassDeleteGuard("route");

  const first = await cycle(adapter, guard, []);
  assert.equal(first.status, "held");
  assert.deepEqual(first.plan?.held && { ...first.plan.held, reason: "…" }, {
    reason: "…",
    deletes: 3,
    owned: 3,
  });
  assert.match(first.plan!.held!.reason, /would delete 3 of the 3 routes/);
  assert.deepEqual(first.results?.map((r) => r.status), ["held", "held", "held"]);
  assert.equal(adapter.writes.length, 0);
  assert.equal(guard.pending?.deletes, 3);

  const second = await cycle(adapter, guard, []);
  assert.equal(second.status, "ok");
  assert.deepEqual(second.results?.map((r) => r.status), ["removed", "removed", "removed"]);
  assert.equal(adapter.objects("route").length, 0);
  assert.equal(guard.pending, undefined);
});

Deno.test("a hold the next cycle does not confirm is dropped", async () => {
  const adapter = gatewayWith(["a", "b", "c"]);
  const guard = new MassDeleteGuard("route");
  await cycle(adapter, guard, []);
  assert.equal(guard.pending?.deletes, 3);

  // The Control Plane recovered: everything is listed again.
  const recovered = await cycle(adapter, guard, ["a", "b", "c"]);
  assert.equal(recovered.status, "ok");
  assert.equal(guard.pending, undefined);

  // A later glitch starts a new hold from scratch: nothing was "confirmed" in between.
  const glitch = await cycle(adapter, guard, []);
  assert.equal(glitch.status, "held");
  assert.equal(adapter.writes.length, 0);
});

Deno.test("confirmed deletes pass while new mass deletes of the same cycle are held", async () => {
  const adapter = gatewayWith(["a", "b", "c", "d", "e"]);
  const guard = new MassDeleteGuard("route");
  await cycle(adapter, guard, ["d", "e"]); // holds a, b, c (3 of 5)
  const next = await cycle(adapter, guard, []); // a, b, c confirmed; d, e new: 2 of 5, not a mass
  assert.equal(next.status, "ok");
  assert.equal(adapter.objects("route").length, 0);
});

Deno.test("a dry run shows the hold but never confirms it", async () => {
  const adapter = gatewayWith(["a", "b"]);
  const guard = new MassDeleteGuard("route");
  const dry = await cycle(adapter, guard, [], true);
  assert.equal(dry.status, "held");
  assert.equal(dry.results, undefined);
  assert.equal(guard.pending, undefined);
  const dryAgain = await cycle(adapter, guard, [], true);
  assert.equal(dryAgain.status, "held", "two dry runs confirm nothing");
  const real = await cycle(adapter, guard, []);
  assert.equal(real.status, "held", "the first real cycle still holds");
  assert.equal(adapter.writes.length, 0);
});

Deno.test("invalid items keep what the agent owns under their ids", () => {
  const plan = {
    kind: "route" as const,
    items: [
      { kind: "route" as const, id: "a", name: "a", action: "delete" as const, changes: [] },
      { kind: "route" as const, id: "b", name: "b", action: "unchanged" as const, changes: [] },
    ],
  };
  const merged = withInvalidItems(plan, [
    { id: "a", name: "a", error: "backend_url is not a URL", generation: 4 },
    { id: "z", name: "z", error: "name is missing" },
  ]);
  assert.deepEqual(merged.items.map((i) => [i.id, i.action, i.error, i.generation]), [
    ["b", "unchanged", undefined, undefined],
    ["a", "update", "backend_url is not a URL", 4],
    ["z", "create", "name is missing", undefined],
  ]);
});

Deno.test("a planning failure makes the kind failed without writing", async () => {
  const adapter = gatewayWith(["a"]);
  adapter.planError = new Error("GET http://kong:8001/routes failed: connection refused");
  const outcome = await cycle(adapter, new MassDeleteGuard("route"), []);
  assert.equal(outcome.status, "failed");
  assert.match(outcome.error!, /cannot plan on the gateway: .*connection refused/);
  assert.equal(adapter.writes.length, 0);
});

Deno.test("the next cycle confirms a held delete by id, even when its target on the gateway changed", () => {
  const guard = new MassDeleteGuard("policy");
  const plan = (target: string) => ({
    kind: "policy" as const,
    items: [{
      kind: "policy" as const,
      id: "p1",
      name: "limit",
      action: "delete" as const,
      target,
      changes: [],
    }],
  });
  const first = guard.review(plan("API 'a', 'b', 'c'"), { commit: true });
  assert.equal(first.held.size, 1);
  // Between the cycles API 'c' went away: the same policy's delete now names two APIs.
  const second = guard.review(plan("API 'a', 'b'"), { commit: true });
  assert.equal(second.held.size, 0);
  assert.equal(second.confirmed, 1);
  assert.equal(second.plan.held, undefined);
});
