import assert from "node:assert/strict";
import { PolicySync, readPolicies } from "../../src/sync/policy_sync.ts";
import { SyncUnavailableError } from "../../src/sync/kind_runner.ts";
import { FakeSyncAdapter } from "../fakes/fake_sync_adapter.ts";
import { controlPlane, type TestControlPlane } from "./sync_support.ts";

interface Acked {
  policy_id: string;
  status: string;
  error?: string;
}

function lastAck(t: TestControlPlane): Map<string, Acked> {
  const request = t.cp.requestsTo("sync-ack").at(-1);
  assert.ok(request, "a sync-ack was sent");
  const body = request.body as { synced_policies: Acked[]; sync_timestamp: string };
  assert.match(body.sync_timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  return new Map(body.synced_policies.map((item) => [item.policy_id, item]));
}

function sync(t: TestControlPlane, adapter: FakeSyncAdapter): PolicySync {
  return new PolicySync({
    client: t.client,
    adapter: () => Promise.resolve(adapter),
    gatewayId: () => t.gatewayId,
    acknowledge: t.acknowledge,
  });
}

Deno.test("every policy gets its ack: applied, removed, failed with a reason", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  adapter.unsupportedTypes.add("caching");
  const rate = t.cp.addPolicy({ name: "rate", policyType: "rate_limit", priority: 1 });
  const cors = t.cp.addPolicy({ name: "cors", policyType: "cors", priority: 2 });
  const off = t.cp.addPolicy({ name: "off", policyType: "logging", enabled: false, priority: 3 });
  const cache = t.cp.addPolicy({ name: "cache", policyType: "caching", priority: 4 });
  const broken = t.cp.addPolicy({
    name: "broken",
    policyType: "ip_filter",
    config: { apis: 42 },
    priority: 5,
  });
  adapter.failItem(
    cors.id,
    "kong plugin apply failed (400): schema violation (origins: expected an array)",
  );

  const outcome = await sync(t, adapter).run();
  assert.equal(outcome.status, "ok");
  const acks = lastAck(t);
  assert.deepEqual(acks.get(rate.id), { policy_id: rate.id, status: "applied" });
  assert.deepEqual(acks.get(off.id), { policy_id: off.id, status: "removed" });
  assert.equal(acks.get(cors.id)?.status, "failed");
  assert.match(acks.get(cors.id)!.error!, /schema violation/);
  assert.equal(acks.get(cache.id)?.status, "failed");
  assert.match(acks.get(cache.id)!.error!, /caching cannot be expressed/);
  assert.equal(acks.get(broken.id)?.status, "failed");
  assert.match(acks.get(broken.id)!.error!, /config\.apis must be a list of API names/);
  assert.equal(acks.size, 5);
  // The failures never made the others fail, nor were they written.
  assert.deepEqual(adapter.writes.map((w) => w.id), [rate.id]);
  // The Control Plane counted them.
  const details = t.cp.gateways.byId(t.gatewayId)!.health_details;
  assert.deepEqual([details.sync_applied, details.sync_removed, details.sync_failed], [1, 1, 3]);
});

Deno.test("a policy of a type the agent does not know is failed with a readable reason", async () => {
  const t = await controlPlane();
  const good = t.cp.addPolicy({ name: "good", policyType: "rate_limit" });
  // The real CP cannot store these; a newer CP or a bug could send them.
  const raw = [
    { id: "p-oidc", name: "oidc", policy_type: "oidc_auth_server", config: {}, enabled: true },
    { id: "p-bad", name: "bad", policy_type: "cors", config: "x", enabled: true },
    { name: "no id", policy_type: "cors", config: {}, enabled: true },
  ];
  const read = readPolicies([...raw, t.cp.policies.byId(good.id)]);
  assert.deepEqual(read.desired.map((p) => p.id), [good.id]);
  assert.deepEqual(read.invalid.map((p) => p.id), ["p-oidc", "p-bad"]);
  assert.match(
    read.invalid[0].error,
    /unknown policy type "oidc_auth_server": stoa-connect applies rate_limit, cors/,
  );
  assert.match(read.invalid[1].error, /invalid policy from the Control Plane: config/);
  assert.equal(read.asked.length, 3, "the policy without id cannot be acked");
});

Deno.test("a disabled policy is removed whatever its type, and acked removed", async () => {
  const read = readPolicies([
    { id: "a", name: "a", policy_type: "unknown_type", config: null, enabled: false },
    { id: "b", name: "b", policy_type: "cors", config: {}, priority: 3, enabled: false },
  ]);
  assert.deepEqual(read.invalid, []);
  assert.deepEqual(read.desired.map((p) => [p.id, p.enabled]), [["b", false]]);

  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  const policy = t.cp.addPolicy({ name: "limit", policyType: "rate_limit" });
  t.cp.addPolicy({ name: "other", policyType: "cors" });
  const policies = sync(t, adapter);
  await policies.run();
  assert.ok(adapter.owned("policy", policy.id));
  t.cp.updatePolicy(policy.id, { enabled: false });
  await policies.run();
  assert.equal(adapter.owned("policy", policy.id), undefined);
  assert.deepEqual(lastAck(t).get(policy.id), { policy_id: policy.id, status: "removed" });
});

Deno.test("config.apis names the targets and is taken out of the config", () => {
  const read = readPolicies([{
    id: "p",
    name: "p",
    policy_type: "rate_limit",
    config: { apis: ["orders", " billing ", "orders"], maxRequests: 5 },
    enabled: true,
  }, {
    id: "q",
    name: "q",
    policy_type: "cors",
    config: { apis: "orders", origins: ["*"] },
    enabled: true,
  }]);
  assert.deepEqual(read.desired[0].targets, ["orders", "billing"]);
  assert.deepEqual(read.desired[0].config, { maxRequests: 5 });
  assert.deepEqual(read.desired[1].targets, ["orders"]);
  assert.deepEqual(read.desired[1].config, { origins: ["*"] });
});

Deno.test("a cycle where nothing changed writes nothing and still acks", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  for (let i = 0; i < 5; i++) {
    t.cp.addPolicy({ name: `p${i}`, policyType: "rate_limit", config: { maxRequests: i } });
  }
  const policies = sync(t, adapter);
  await policies.run();
  assert.equal(adapter.writes.length, 5);
  const outcome = await policies.run();
  assert.equal(adapter.writes.length, 5, "no write in the unchanged cycle");
  assert.deepEqual(outcome.results?.map((r) => r.status), Array(5).fill("unchanged"));
  assert.equal(t.cp.requestsTo("sync-ack").length, 2);
  assert.ok([...lastAck(t).values()].every((ack) => ack.status === "applied"));
});

Deno.test("an invalid policy keeps what the agent applied for it earlier", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  const p = t.cp.addPolicy({ name: "limit", policyType: "rate_limit", config: { apis: ["a"] } });
  await sync(t, adapter).run();
  t.cp.updatePolicy(p.id, { config: { apis: [1, 2] } });
  const outcome = await sync(t, adapter).run();
  assert.ok(adapter.owned("policy", p.id), "not deleted");
  const item = outcome.plan!.items.find((i) => i.id === p.id)!;
  assert.equal(item.action, "update");
  assert.match(item.error!, /config\.apis/);
});

Deno.test("a dry run returns the plan, writes nothing and sends no ack", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  t.cp.addPolicy({ name: "limit", policyType: "rate_limit" });
  const outcome = await sync(t, adapter).run({ dryRun: true });
  assert.equal(outcome.dryRun, true);
  assert.deepEqual(outcome.plan?.items.map((i) => i.action), ["create"]);
  assert.equal(outcome.results, undefined);
  assert.equal(adapter.writes.length, 0);
  assert.equal(adapter.applyCalls, 0);
  assert.equal(t.cp.requestsTo("sync-ack").length, 0);
});

Deno.test("an unreachable gateway fails the kind and every policy's ack says why", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  const p = t.cp.addPolicy({ name: "limit", policyType: "rate_limit" });
  adapter.planError = new Error("GET http://kong:8001/plugins failed: Connection refused");
  const outcome = await sync(t, adapter).run();
  assert.equal(outcome.status, "failed");
  assert.match(lastAck(t).get(p.id)!.error!, /cannot plan on the gateway: .*Connection refused/);
});

Deno.test("an unreachable Control Plane fails the kind without touching the gateway", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  t.cp.failNext({ status: 503, path: "/config" });
  const outcome = await sync(t, adapter).run();
  assert.equal(outcome.status, "failed");
  assert.match(outcome.error!, /config: the Control Plane answered 503/);
  assert.equal(adapter.planCalls.policy, 0);
  assert.equal(t.cp.requestsTo("sync-ack").length, 0);
});

Deno.test("without registration or with an adapter that cannot sync, nothing runs", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  const unregistered = new PolicySync({
    client: t.client,
    adapter: () => Promise.resolve(adapter),
    gatewayId: () => undefined,
  });
  const outcome = await unregistered.run();
  assert.equal(outcome.status, "failed");
  assert.match(outcome.error!, /not registered/);

  const discoveryOnly = new PolicySync({
    client: t.client,
    adapter: () => Promise.reject(new SyncUnavailableError("the kong adapter cannot sync")),
    gatewayId: () => t.gatewayId,
  });
  const skipped = await discoveryOnly.run();
  assert.equal(skipped.status, "skipped");
  assert.equal(skipped.error, "the kong adapter cannot sync");
  assert.equal(t.cp.requestsTo("config").length, 0);
});

Deno.test("most of the owned policies disappearing at once is held for a cycle", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  const ids = [1, 2, 3].map((i) => t.cp.addPolicy({ name: `p${i}`, policyType: "cors" }).id);
  const policies = sync(t, adapter);
  await policies.run();
  for (const id of ids) t.cp.removePolicy(id);
  const held = await policies.run();
  assert.equal(held.status, "held");
  assert.equal(adapter.objects("policy").length, 3);
  assert.equal(policies.guard.pending?.deletes, 3);
  const confirmed = await policies.run();
  assert.equal(confirmed.status, "ok");
  assert.equal(adapter.objects("policy").length, 0);
});

Deno.test("runs of one kind never interleave", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  adapter.writeDelayMs = 5;
  t.cp.addPolicy({ name: "limit", policyType: "rate_limit" });
  const policies = sync(t, adapter);
  const [a, b] = await Promise.all([policies.run(), policies.run()]);
  assert.equal(adapter.writes.length, 1, "the second run saw the first run's write");
  assert.deepEqual([a.results?.[0].status, b.results?.[0].status], ["applied", "unchanged"]);
});
