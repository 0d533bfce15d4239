/**
 * Policy synchronisation on a Kong with a database, against the emulator: plans computed from
 * what Kong answers, zero writes when nothing changed, ownership by tags, Kong's one-plugin-per-
 * scope rule, and per-item results when Kong refuses or fails.
 *
 * @module
 */

import assert from "node:assert/strict";
import { stableId } from "../../../src/gateways/kong/kong_ownership.ts";
import { KongEmulator } from "../../fakes/kong_emulator.ts";
import { call, data, type Json } from "../../fakes/kong_emulator_contract.ts";
import {
  actions,
  adapterFor,
  policy,
  seededKong,
  statuses,
  writesDuring,
} from "./kong_sync_fixtures.ts";

const RATE = policy({ id: "pol-rate", type: "rate_limit", config: { maxRequests: 100 } });
const CORS = policy({
  id: "pol-cors",
  type: "cors",
  config: { allowedOrigins: ["https://shop.example.com"] },
  targets: ["orders-api", "legacy-billing"],
});

function ownedPlugins(kong: KongEmulator, policyId?: string): Json[] {
  return kong.store().all("plugins").filter((plugin) => {
    const tags = (plugin.tags ?? []) as string[];
    return tags.includes("stoa-managed") &&
      (policyId === undefined || tags.includes(`stoa-policy:${policyId}`));
  });
}

Deno.test("a first sync creates one plugin per scope, tagged, with deterministic ids", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  const discovered = await adapter.discover();
  const plan = await adapter.planPolicies([RATE, CORS], { discovered });
  assert.deepEqual(actions(plan), [
    ["pol-rate", "create", "global"],
    ["pol-cors", "create", "service orders-api"],
    ["pol-cors", "create", "service legacy-billing"],
  ]);
  assert.deepEqual(plan.items[0].changes, [{ field: "config.minute", after: 100 }]);
  assert.deepEqual(statuses(await adapter.apply(plan)), [
    ["pol-rate", "applied"],
    ["pol-cors", "applied"],
    ["pol-cors", "applied"],
  ]);
  const [rate] = ownedPlugins(kong, "pol-rate");
  assert.equal(rate.name, "rate-limiting");
  assert.equal(rate.service, null, "global");
  assert.deepEqual(rate.tags, ["stoa-managed", "stoa-policy:pol-rate"]);
  assert.equal(rate.id, stableId("", "plugin", "pol-rate", "rate-limiting", "global"));
  assert.equal((rate.config as Json).minute, 100);
  const orders = kong.store().find("services", "orders-api")!;
  const cors = ownedPlugins(kong, "pol-cors");
  assert.equal(cors.length, 2);
  assert.ok(cors.some((plugin) => (plugin.service as Json).id === orders.id));
  assert.deepEqual((cors[0].config as Json).origins, ["https://shop.example.com"]);
  assert.equal(kong.store().count("plugins"), 9 + 3, "the seeded plugins are still there");
});

Deno.test("an unchanged cycle plans unchanged everywhere and writes nothing", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  const discovered = await adapter.discover();
  const disabled = policy({ id: "pol-off", type: "cors", enabled: false });
  await adapter.apply(await adapter.planPolicies([RATE, CORS, disabled], { discovered }));
  const writes = await writesDuring(kong, async () => {
    const plan = await adapter.planPolicies([RATE, CORS, disabled], { discovered });
    assert.deepEqual(plan.items.map((item) => item.action), Array(4).fill("unchanged"));
    assert.ok(plan.items.every((item) => item.changes.length === 0));
    const results = await adapter.apply(plan);
    assert.ok(results.every((result) => result.status === "unchanged"));
  });
  assert.equal(writes, 0);
});

Deno.test("planning (dry-run) reads only: no write, even with everything to change", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  await adapter.apply(await adapter.planPolicies([RATE], {}));
  const first = kong.requests.length;
  const writes = await writesDuring(kong, async () => {
    const plan = await adapter.planPolicies([{ ...RATE, config: { maxRequests: 5 } }], {});
    assert.deepEqual(actions(plan), [["pol-rate", "update", "global"]]);
    const deleting = await adapter.planPolicies([], {});
    assert.deepEqual(actions(deleting), [["pol-rate", "delete", "global"]]);
  });
  assert.equal(writes, 0);
  assert.ok(kong.requests.slice(first).every((request) => request.method === "GET"));
});

Deno.test("a changed policy updates the same plugin in place; the plan shows the fields", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  await adapter.apply(await adapter.planPolicies([RATE], {}));
  const before = ownedPlugins(kong, "pol-rate")[0];
  const changed = { ...RATE, config: { maxRequests: 1000, intervalSeconds: 3600 } };
  const plan = await adapter.planPolicies([changed], {});
  assert.deepEqual(plan.items[0].changes, [
    { field: "config.minute", before: 100, after: null },
    { field: "config.hour", before: null, after: 1000 },
  ]);
  assert.deepEqual(statuses(await adapter.apply(plan)), [["pol-rate", "applied"]]);
  const after = ownedPlugins(kong, "pol-rate")[0];
  assert.equal(after.id, before.id);
  assert.equal((after.config as Json).hour, 1000);
  assert.equal((after.config as Json).minute, null);
});

Deno.test("a hand-made change to an owned plugin is put back; extra tags are kept", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  await adapter.apply(await adapter.planPolicies([RATE], {}));
  const plugin = ownedPlugins(kong, "pol-rate")[0];
  await call(kong, "PATCH", `/plugins/${plugin.id}`, {
    config: { minute: 1 },
    enabled: false,
    tags: ["stoa-managed", "stoa-policy:pol-rate", "ops-reviewed"],
  });
  const plan = await adapter.planPolicies([RATE], {});
  assert.deepEqual(plan.items[0].changes, [
    { field: "enabled", before: false, after: true },
    { field: "config.minute", before: 1, after: 100 },
  ]);
  await adapter.apply(plan);
  const restored = ownedPlugins(kong, "pol-rate")[0];
  assert.equal(restored.enabled, true);
  assert.equal((restored.config as Json).minute, 100);
  assert.deepEqual(restored.tags, ["stoa-managed", "stoa-policy:pol-rate", "ops-reviewed"]);
});

Deno.test("disabled and removed policies delete only their own plugins", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  const discovered = await adapter.discover();
  await adapter.apply(await adapter.planPolicies([RATE, CORS], { discovered }));
  // Someone adds plugins by hand: one tagged stoa-managed only (the Go agent's way), one plain.
  await call(kong, "POST", "/plugins", {
    name: "cors",
    config: { origins: ["*"] },
    tags: ["stoa-managed"],
  });
  await call(kong, "POST", "/services/payments-api/plugins", {
    name: "ip-restriction",
    config: { allow: ["10.0.0.0/8"] },
  });
  const notOurs = () =>
    kong.store().all("plugins").filter((plugin) =>
      !((plugin.tags ?? []) as string[]).some((tag) => tag.startsWith("stoa-policy:"))
    );
  const foreign = notOurs().map((plugin) => structuredClone(plugin));
  const plan = await adapter.planPolicies([{ ...RATE, enabled: false }], { discovered });
  assert.deepEqual(actions(plan), [
    ["pol-rate", "delete", "global"],
    ["pol-cors", "delete", "service orders-api"],
    ["pol-cors", "delete", "service legacy-billing"],
  ]);
  assert.deepEqual(plan.items[0].changes, [{ field: "config.minute", before: 100 }]);
  assert.deepEqual(statuses(await adapter.apply(plan)), [
    ["pol-rate", "removed"],
    ["pol-cors", "removed"],
    ["pol-cors", "removed"],
  ]);
  assert.deepEqual(notOurs(), foreign, "every plugin not owned by a policy is untouched");
  assert.equal(kong.store().count("plugins"), foreign.length);
  const again = await adapter.planPolicies([{ ...RATE, enabled: false }], { discovered });
  assert.deepEqual(actions(again), [["pol-rate", "unchanged", "global"]]);
});

Deno.test("a user plugin of the same name on another scope survives; on the same scope Kong refuses", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  const discovered = await adapter.discover();
  // The seed has rate-limiting on payments-api and orders-api, and on a consumer.
  const seeded = kong.store().all("plugins").filter((p) => p.name === "rate-limiting");
  assert.equal(seeded.length, 3);
  const onOrders = policy({
    id: "pol-orders",
    type: "rate_limit",
    config: { maxRequests: 10 },
    targets: ["orders-api"],
  });
  const plan = await adapter.planPolicies([RATE, onOrders], { discovered });
  const results = await adapter.apply(plan);
  assert.deepEqual(results[0].status, "applied", "global rate-limiting next to scoped ones");
  assert.equal(results[1].status, "failed");
  assert.match(
    results[1].error!,
    /^cannot create plugin rate-limiting \(service orders-api\): Kong already has a plugin of that name on that scope which stoa-connect does not own \(UNIQUE violation detected on .*\); Kong allows one plugin of a name per service, route or consumer \(or one global\): remove that plugin, or target the policy at other APIs$/,
  );
  for (const plugin of seeded) {
    const kept = kong.store().find("plugins", plugin.id);
    assert.deepEqual(kept?.config, plugin.config, "user plugins untouched");
  }
});

Deno.test("two policies on the same plugin and scope: the lower priority number wins", async () => {
  const kong = new KongEmulator();
  const adapter = adapterFor(kong);
  const tenantA = policy({
    id: "a",
    name: "default-rate-limit-acme",
    type: "rate_limit",
    priority: 100,
  });
  const tenantB = policy({
    id: "b",
    name: "default-rate-limit-beta",
    type: "rate_limit",
    priority: 50,
  });
  const plan = await adapter.planPolicies([tenantA, tenantB], {});
  assert.equal(plan.items[1].action, "create");
  assert.equal(
    plan.items[0].error,
    "Kong allows one rate-limiting plugin per scope and policy 'default-rate-limit-beta' (priority 50) already uses global; this policy (priority 100) cannot be applied there: merge the two policies, or target different APIs",
  );
  const results = await adapter.apply(plan);
  assert.deepEqual(results.map((r) => r.status), ["failed", "applied"]);
  assert.equal(kong.writes, 1, "the failed item wrote nothing");
});

Deno.test("targets: unknown or vanished APIs fail the item; targeting keys never reach Kong", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  const discovered = await adapter.discover();
  const unknown = policy({ id: "u", type: "cors", targets: ["orders-api", "billing-v9"] });
  const plan = await adapter.planPolicies([unknown], { discovered });
  assert.match(
    plan.items[0].error!,
    /^no API named 'billing-v9' was discovered on the gateway \(discovered: payments-api, orders-api, users-api, legacy-billing\)$/,
  );
  await call(kong, "DELETE", "/routes/users");
  await call(kong, "DELETE", "/services/users-api");
  const vanished = await adapter.planPolicies([
    policy({ id: "v", type: "cors", targets: ["users-api"] }),
  ], { discovered });
  assert.equal(
    vanished.items[0].error,
    "no API named 'users-api' was discovered on the gateway: Kong has no service of that name (any more)",
  );
  const scoped = policy({ id: "s", type: "cors", targets: ["orders-api"] });
  await adapter.apply(await adapter.planPolicies([scoped], { discovered }));
  const sent = kong.requests.filter((request) => request.method === "PUT");
  assert.equal(sent.length, 1);
  assert.deepEqual(Object.keys(sent[0].body as Json).sort(), [
    "config",
    "enabled",
    "name",
    "service",
    "tags",
  ]);
  assert.equal(JSON.stringify(sent[0].body).includes("apis"), false, "no targeting key sent");
});

Deno.test("a policy moved from gateway-wide to one API: created there, deleted globally", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  const discovered = await adapter.discover();
  await adapter.apply(await adapter.planPolicies([RATE], { discovered }));
  const moved = { ...RATE, targets: ["users-api"] };
  const plan = await adapter.planPolicies([moved], { discovered });
  assert.deepEqual(actions(plan), [
    ["pol-rate", "create", "service users-api"],
    ["pol-rate", "delete", "global"],
  ]);
  await adapter.apply(plan);
  const owned = ownedPlugins(kong, "pol-rate");
  assert.equal(owned.length, 1);
  assert.deepEqual(owned[0].service, { id: kong.store().find("services", "users-api")!.id });
});

Deno.test("a type change replaces the plugin on the same scope", async () => {
  const kong = new KongEmulator();
  const adapter = adapterFor(kong);
  await adapter.apply(await adapter.planPolicies([RATE], {}));
  const plan = await adapter.planPolicies([{ ...RATE, type: "cors", config: {} }], {});
  assert.deepEqual(actions(plan), [["pol-rate", "update", "global"]]);
  assert.ok(plan.items[0].changes.some((change) => change.field === "rate-limiting config.minute"));
  assert.deepEqual(statuses(await adapter.apply(plan)), [["pol-rate", "applied"]]);
  assert.deepEqual(ownedPlugins(kong, "pol-rate").map((p) => p.name), ["cors"]);
});

Deno.test("Kong failures give per-item results: 500, 404 and a policy Kong cannot express", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  const discovered = await adapter.discover();
  const bad = policy({ id: "bad", type: "rate_limit", config: { intervalSeconds: 7 } });
  const plan = await adapter.planPolicies([RATE, CORS, bad], { discovered });
  const ordersPlugin = stableId(
    "",
    "plugin",
    "pol-cors",
    "cors",
    `service:${kong.store().find("services", "orders-api")!.id}`,
  );
  kong.failNext(1, 500, undefined, {
    when: (r) => r.method === "PUT" && r.path === `/plugins/${ordersPlugin}`,
  });
  kong.failNext(1, 404, { message: "Not found" }, {
    when: (r) =>
      r.method === "PUT" && r.path.startsWith("/plugins/") &&
      r.path !== `/plugins/${ordersPlugin}` && (r.body as Json).name === "cors",
  });
  const results = await adapter.apply(plan);
  assert.deepEqual(results.map((r) => [r.id, r.status]), [
    ["pol-rate", "applied"],
    ["pol-cors", "failed"],
    ["pol-cors", "failed"],
    ["bad", "failed"],
  ]);
  assert.match(
    results[1].error!,
    /^cannot create plugin cors \(service orders-api\): Kong admin API failed on PUT http:\/\/kong\.test:8001\/plugins\/[0-9a-f-]+ \(500\): \{"message":"An unexpected error occurred"\}; check Kong's error log$/,
  );
  assert.match(
    results[2].error!,
    /^cannot create plugin cors \(service legacy-billing\): Kong has no PUT .* \(404\); an object it depends on was removed meanwhile, the next sync plans again$/,
  );
  assert.match(results[3].error!, /^rate_limit cannot be applied on Kong: intervalSeconds 7/);
  const retry = await adapter.planPolicies([RATE, CORS, bad], { discovered });
  assert.deepEqual(retry.items.map((item) => item.action), [
    "unchanged",
    "create",
    "create",
    "create",
  ]);
});

Deno.test("apply refuses items this adapter did not plan, and bounds concurrency", async () => {
  const kong = new KongEmulator({ latencyMs: 5 });
  const planner = adapterFor(kong);
  const plan = await planner.planPolicies([RATE], {});
  const [foreign] = await adapterFor(kong).apply(plan);
  assert.equal(foreign.status, "failed");
  assert.match(foreign.error!, /not planned by this Kong adapter/);
  let inFlight = 0;
  let most = 0;
  const counting: typeof fetch = async (input, init) => {
    inFlight++;
    most = Math.max(most, inFlight);
    try {
      return await kong.fetch(input, init);
    } finally {
      inFlight--;
    }
  };
  const adapter = adapterFor(kong, { fetch: counting });
  const many = [
    policy({ id: "p0", type: "cors" }),
    policy({ id: "p1", type: "rate_limit" }),
    policy({ id: "p2", type: "logging" }),
    policy({ id: "p3", type: "caching" }),
    policy({ id: "p4", type: "ip_filter", config: { ip_list: ["10.0.0.1"] } }),
    policy({ id: "p5", type: "jwt_validation" }),
  ];
  const plan2 = await adapter.planPolicies(many, {});
  most = 0;
  const results = await adapter.apply(plan2, { concurrency: 2 });
  assert.ok(results.every((r) => r.status === "applied"), JSON.stringify(results));
  assert.equal(most, 2);
});

Deno.test("Enterprise workspace: every admin path carries the workspace", async () => {
  const kong = new KongEmulator({ edition: "enterprise", workspaces: ["team-a"] });
  kong.realisticSeed({ workspace: "team-a" });
  const adapter = adapterFor(kong, { workspace: "team-a" });
  const discovered = await adapter.discover();
  await adapter.apply(await adapter.planPolicies([RATE, CORS], { discovered }));
  await adapter.apply(await adapter.planPolicies([], { discovered }));
  const paths = kong.requests.map((r) => r.path).filter((path) => path !== "/");
  assert.ok(paths.length > 5);
  assert.deepEqual(paths.filter((path) => !path.startsWith("/team-a/")), []);
  assert.equal(data(await call(kong, "GET", "/team-a/plugins")).length, 9);
  assert.equal(kong.store().count("plugins"), 0, "nothing in the default workspace");
});

Deno.test("policies on many APIs read the services in pages, not one call per service", async () => {
  const kong = new KongEmulator();
  kong.seed({ services: 60, routesPerService: 0, pluginsPerService: 0 });
  const adapter = adapterFor(kong);
  const discovered = await adapter.discover();
  const names = discovered.map((api) => api.name).slice(0, 50);
  const start = kong.requests.length;
  const plan = await adapter.planPolicies(
    [policy({ id: "wide", type: "cors", targets: names })],
    { discovered },
  );
  assert.equal(plan.items.length, 50);
  assert.ok(plan.items.every((item) => item.action === "create"));
  const reads = kong.requests.slice(start).map((request) => request.path);
  const single = reads.filter((path) => /^\/services\/.+/.test(path)).length;
  assert.ok(single <= 20, `${single} single lookups`);
  assert.equal(reads.filter((path) => path === "/services").length, 1, "one page of 1000");
});
