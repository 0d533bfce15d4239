/**
 * Policy sync on Gravitee, at the adapter level against the emulator: apply, unchanged = zero
 * writes, update, removal (disabled or no longer desired), targets, CORS on the listener, items
 * that cannot be expressed, partial failures and dry-run. Every call is checked against the spec
 * and every step configuration against the policy's schema-form (the emulator refuses others).
 *
 * @module
 */

import assert from "node:assert/strict";
import { updateBody } from "../../../src/gateways/gravitee/gravitee_api_writes.ts";
import type { GraviteeApi } from "../../../src/gateways/gravitee/gravitee_types.ts";
import type { DesiredPolicy } from "../../../src/sync/desired.ts";
import type { Json } from "../../fakes/gravitee_emulator.ts";
import { specTest } from "../../support/specs.ts";
import { harness, HARNESS_SPECS, policy, route } from "./gravitee_harness.ts";

const LIMIT = policy("p-limit", "rate_limit", { maxRequests: 100, intervalSeconds: 60 }, {
  targets: ["orders-api"],
});

function ownedFlows(api: Json): Json[] {
  return ((api.flows ?? []) as Json[]).filter((flow) =>
    String(flow.name).startsWith("stoa-policy:")
  );
}

function apiByName(gravitee: Awaited<ReturnType<typeof harness>>["gravitee"], name: string): Json {
  const found = gravitee.store().listApis().find((api) => api.name === name)!;
  return gravitee.store().getApi(String(found.id));
}

specTest({
  name:
    "a targeted rate limit is created in an owned flow, saved, deployed; a second cycle writes nothing",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes, assertConformant } = await harness({
      seed: (g) => g.realisticSeed(),
    });
    const before = apiByName(gravitee, "orders-api");
    const plan = await adapter.planPolicies([LIMIT]);
    assert.equal(plan.items.length, 1);
    const [item] = plan.items;
    assert.deepEqual([item.action, item.target, item.error], [
      "create",
      "API 'orders-api'",
      undefined,
    ]);
    assert.ok(item.changes.some((change) =>
      change.field === "orders-api.flow.request" &&
      JSON.stringify(change.after).includes('"limit":100')
    ));
    assert.deepEqual(writes(), [], "planning never writes");
    const results = await adapter.apply(plan);
    assert.deepEqual(results, [{
      kind: "policy",
      id: "p-limit",
      name: "rate_limit-p-limit",
      action: "create",
      status: "applied",
    }]);
    assert.deepEqual(writes(), ["PUT /apis/:id", "POST /apis/:id/deployments"]);
    const after = apiByName(gravitee, "orders-api");
    assert.equal(after.deploymentState, "DEPLOYED");
    assert.equal(after.state, before.state);
    const [flow] = ownedFlows(after);
    assert.equal(flow.name, "stoa-policy:p-limit rate_limit-p-limit");
    assert.deepEqual((flow.request as Json[]).map((step) => [step.policy, step.configuration]), [[
      "rate-limit",
      {
        errorStrategy: "FALLBACK_PASS_TROUGH",
        addHeaders: true,
        rate: { limit: 100, periodTime: 1, periodTimeUnit: "MINUTES" },
      },
    ]]);

    const again = await adapter.planPolicies([LIMIT]);
    assert.deepEqual(again.items.map((i) => [i.action, i.changes.length]), [["unchanged", 0]]);
    assert.deepEqual(await adapter.apply(again), [{
      kind: "policy",
      id: "p-limit",
      name: "rate_limit-p-limit",
      action: "unchanged",
      status: "unchanged",
    }]);
    assert.deepEqual(writes(), [], "unchanged = zero writes");
    assertConformant();
  },
});

specTest({
  name: "a changed config is an update with field-level changes; user flows are never touched",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes, assertConformant } = await harness({
      seed: (g) => g.realisticSeed(),
    });
    await adapter.apply(await adapter.planPolicies([LIMIT]));
    writes();
    const changed = { ...LIMIT, config: { maxRequests: 20, intervalSeconds: 1, dailyLimit: 5000 } };
    const plan = await adapter.planPolicies([changed]);
    const [item] = plan.items;
    assert.equal(item.action, "update");
    const fields = Object.fromEntries(
      item.changes.map((change) => [change.field, [change.before, change.after]]),
    );
    assert.ok("orders-api.flow.request" in fields, JSON.stringify(item.changes));
    await adapter.apply(plan);
    const steps = ownedFlows(apiByName(gravitee, "orders-api"))[0].request as Json[];
    assert.deepEqual(steps.map((step) => step.policy), ["rate-limit", "quota"]);
    assert.deepEqual((steps[0].configuration as Json).rate, {
      limit: 20,
      periodTime: 1,
      periodTimeUnit: "SECONDS",
    });
    assert.deepEqual((steps[1].configuration as Json).quota, {
      limit: 5000,
      periodTime: 1,
      periodTimeUnit: "DAYS",
    });
    // The seeded IP filter flow of payments-api and the plan flows are untouched.
    const payments = apiByName(gravitee, "payments-api");
    assert.deepEqual((payments.flows as Json[]).map((flow) => flow.name), ["internal networks"]);
    assert.deepEqual(writes(), ["PUT /apis/:id", "POST /apis/:id/deployments"]);
    assertConformant();
  },
});

specTest({
  name:
    "disabled = ensure absent; no longer desired = deleted; both remove the owned flow and redeploy",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes, assertConformant } = await harness({
      seed: (g) => g.realisticSeed(),
    });
    const filter = policy("p-ip", "ip_filter", { mode: "deny", ip_list: ["203.0.113.0/24"] }, {
      targets: ["orders-api"],
    });
    await adapter.apply(await adapter.planPolicies([LIMIT, filter]));
    assert.equal(ownedFlows(apiByName(gravitee, "orders-api")).length, 2);
    writes();

    const disabled = await adapter.planPolicies([{ ...LIMIT, enabled: false }, filter]);
    assert.deepEqual(disabled.items.map((i) => [i.id, i.action]).sort(), [
      ["p-ip", "unchanged"],
      ["p-limit", "delete"],
    ]);
    const results = await adapter.apply(disabled);
    assert.deepEqual(results.map((r) => [r.id, r.status]).sort(), [["p-ip", "unchanged"], [
      "p-limit",
      "removed",
    ]]);
    assert.deepEqual(ownedFlows(apiByName(gravitee, "orders-api")).map((f) => f.name), [
      "stoa-policy:p-ip ip_filter-p-ip",
    ]);
    assert.deepEqual(writes(), ["PUT /apis/:id", "POST /apis/:id/deployments"]);

    const again = await adapter.planPolicies([{ ...LIMIT, enabled: false }, filter]);
    assert.deepEqual(
      again.items.map((i) => i.action).sort(),
      ["unchanged", "unchanged"],
      "absent and disabled = unchanged",
    );

    const gone = await adapter.planPolicies([]);
    assert.deepEqual(gone.items.map((i) => [i.kind, i.id, i.name, i.action, i.target]), [
      ["policy", "p-ip", "ip_filter-p-ip", "delete", "API 'orders-api'"],
    ]);
    assert.deepEqual((await adapter.apply(gone)).map((r) => r.status), ["removed"]);
    assert.deepEqual(ownedFlows(apiByName(gravitee, "orders-api")), []);
    assert.equal(apiByName(gravitee, "orders-api").deploymentState, "DEPLOYED");
    assertConformant();
  },
});

specTest({
  name: "a policy without targets goes on every v4 proxy API; one save and one deployment per API",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes, assertConformant } = await harness({
      seed: (g) => g.realisticSeed(),
    });
    const global = policy("p-all", "rate_limit", { maxRequests: 1000 });
    const jwt = policy("p-jwt", "jwt_validation", {
      jwks_url: "https://idp.example.com/jwks",
      scopes: ["read"],
    });
    const plan = await adapter.planPolicies([global, jwt]);
    assert.deepEqual(plan.items.map((i) => i.target), [
      "all v4 proxy APIs (3)",
      "all v4 proxy APIs (3)",
    ]);
    await adapter.apply(plan);
    // Two policies on three APIs: three saves and three deployments, not six.
    assert.deepEqual(writes().sort(), [
      ...Array(3).fill("POST /apis/:id/deployments"),
      ...Array(3).fill("PUT /apis/:id"),
    ]);
    for (const name of ["orders-api", "payments-api", "legacy-billing"]) {
      assert.equal(ownedFlows(apiByName(gravitee, name)).length, 2, name);
    }
    for (const name of ["catalog-v2", "events"]) {
      assert.deepEqual(ownedFlows(apiByName(gravitee, name)), [], `${name} is not a v4 proxy`);
    }
    assertConformant();
  },
});

specTest({
  name: "CORS goes on the listener with an owned record; an API's own CORS is never overwritten",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes, assertConformant } = await harness({
      seed: (g) => g.realisticSeed(),
    });
    const cors = policy("p-cors", "cors", {
      origins: ["https://app.example.com"],
      methods: ["get", "post"],
      max_age: 600,
    }, {
      targets: ["orders-api"],
    });
    await adapter.apply(await adapter.planPolicies([cors]));
    const listener = (apiByName(gravitee, "orders-api").listeners as Json[])[0];
    assert.deepEqual(listener.cors, {
      enabled: true,
      allowOrigin: ["https://app.example.com"],
      allowMethods: ["GET", "POST"],
      allowHeaders: [],
      exposeHeaders: [],
      allowCredentials: false,
      maxAge: 600,
      runPolicies: false,
    });
    assert.equal((await adapter.planPolicies([cors])).items[0].action, "unchanged");
    writes();
    const onPayments = await adapter.planPolicies([{ ...cors, targets: ["payments-api"] }]);
    assert.match(
      onPayments.items[0].error!,
      /CORS of 'payments-api' is already set outside this policy/,
    );
    const results = await adapter.apply(onPayments);
    assert.equal(results[0].status, "failed");
    assert.deepEqual(writes(), [], "a failed item never touches the gateway");
    const removed = await adapter.apply(await adapter.planPolicies([]));
    assert.deepEqual(removed.map((r) => r.status), ["removed"]);
    assert.equal(
      ((apiByName(gravitee, "orders-api").listeners as Json[])[0].cors as Json).enabled,
      false,
    );
    const global = await adapter.planPolicies([{ ...cors, targets: [] }]);
    assert.equal(global.items[0].target, "all v4 proxy APIs (2); not on payments-api (own CORS)");
    assertConformant();
  },
});

specTest({
  name: "types and configs Gravitee cannot express are failed with a reason, and write nothing",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { adapter, writes } = await harness({ seed: (g) => g.realisticSeed() });
    const cases: [DesiredPolicy, RegExp][] = [
      [policy("a", "logging", { logRequest: true }), /logging cannot be expressed on Gravitee/],
      [policy("b", "caching", { ttl: 60 }), /caching cannot be expressed/],
      [policy("c", "transform", {}), /transform cannot be expressed/],
      [
        policy("d", "jwt_validation", { jwks_url: "https://idp/jwks", issuer: "https://idp" }),
        /issuer cannot be expressed on Gravitee/,
      ],
      [
        policy("e", "rate_limit", { maxRequests: -5 }),
        /maxRequests must be a whole number of at least 1/,
      ],
      [
        policy("f", "ip_filter", { ip_list: ["not-an-ip"] }),
        /ip_list has invalid addresses: not-an-ip/,
      ],
      [
        policy("g", "rate_limit", { maxRequests: 5 }, { targets: ["nope"] }),
        /API 'nope' \(config\.apis\) is not an API/,
      ],
      [
        policy("h", "rate_limit", { maxRequests: 5 }, { targets: ["catalog-v2"] }),
        /'catalog-v2' is a V2 API: stoa-connect places policies on v4 proxy APIs only/,
      ],
      [
        policy("i", "rate_limit", { maxRequests: 5 }, { targets: ["events"] }),
        /'events' is a V4 MESSAGE API/,
      ],
      [
        policy("j", "cors", { origins: ["*"], credentials: true }),
        /cannot allow credentials for every origin/,
      ],
    ];
    const plan = await adapter.planPolicies(cases.map(([p]) => p));
    const results = await adapter.apply(plan);
    for (const [desired, reason] of cases) {
      const result = results.find((r) => r.id === desired.id)!;
      assert.equal(result.status, "failed", desired.id);
      assert.match(result.error!, reason, desired.id);
    }
    assert.deepEqual(writes(), []);
    assert.equal(results.length, cases.length);
    assert.ok(cases.length > 0 && plan.items.every((item) => item.error !== undefined));
  },
});

specTest({
  name: "one failing API fails only the items on it; the others are applied",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, assertConformant } = await harness({
      seed: (g) => g.realisticSeed(),
    });
    const ordersId = String(apiByName(gravitee, "orders-api").id);
    const onOrders = policy("p1", "rate_limit", { maxRequests: 10 }, { targets: ["orders-api"] });
    const onBilling = policy("p2", "rate_limit", { maxRequests: 10 }, {
      targets: ["legacy-billing"],
    });
    const onBoth = policy("p3", "ip_filter", { allowlist: ["10.0.0.0/8"] }, {
      targets: ["orders-api", "legacy-billing"],
    });
    gravitee.failNext(1, 500, undefined, {
      when: (r) => r.method === "PUT" && r.path.endsWith(ordersId),
    });
    const results = await adapter.apply(await adapter.planPolicies([onOrders, onBilling, onBoth]));
    const status = Object.fromEntries(results.map((r) => [r.id, [r.status, r.error ?? ""]]));
    assert.equal(status.p2[0], "applied");
    assert.equal(status.p1[0], "failed");
    assert.match(
      status.p1[1],
      /^API 'orders-api': Gravitee Management API failed on PUT .* \(500\)/,
    );
    assert.equal(status.p3[0], "failed", "p3 is on orders-api too");
    assert.equal(ownedFlows(apiByName(gravitee, "legacy-billing")).length, 2);
    // Nothing was half-applied on orders-api; the next cycle converges.
    assert.deepEqual(ownedFlows(apiByName(gravitee, "orders-api")), []);
    const retry = await adapter.apply(await adapter.planPolicies([onOrders, onBilling, onBoth]));
    assert.deepEqual(retry.map((r) => r.status).sort(), ["applied", "applied", "unchanged"]);
    assertConformant();
  },
});

specTest({
  name:
    "dry-run: a plan shows everything and writes nothing; a plan from elsewhere is refused per item",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { adapter, writes } = await harness({ seed: (g) => g.realisticSeed() });
    const plan = await adapter.planPolicies([LIMIT, policy("x", "caching", {})]);
    assert.deepEqual(plan.items.map((i) => [i.id, i.action, i.error !== undefined]), [
      ["p-limit", "create", false],
      ["x", "create", true],
    ]);
    assert.deepEqual(writes(), []);
    // A copy of the plan (as the engine may make) is still applicable.
    const copy = JSON.parse(JSON.stringify(plan));
    assert.deepEqual((await adapter.apply(copy)).map((r) => r.status).sort(), [
      "applied",
      "failed",
    ]);
    const foreign = {
      kind: "policy" as const,
      items: [{
        kind: "policy" as const,
        id: "z",
        name: "z",
        action: "create" as const,
        changes: [],
      }],
    };
    const [result] = await adapter.apply(foreign);
    assert.match(result.error!, /not planned by this Gravitee adapter/);
  },
});

specTest({
  name: "policy flows on a method-filtered route carry the route's methods",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, assertConformant } = await harness();
    const { route } = await import("./gravitee_harness.ts");
    await adapter.apply(await adapter.planRoutes([route("d1", "orders", { methods: ["GET"] })]));
    const limit = policy("p", "rate_limit", { maxRequests: 5 }, { targets: ["orders"] });
    await adapter.apply(await adapter.planPolicies([limit]));
    const flows = apiByName(gravitee, "orders").flows as Json[];
    assert.deepEqual(flows.map((flow) => [flow.name, (flow.selectors as Json[])[0].methods]), [
      ["stoa-route:methods", ["GET"]],
      ["stoa-policy:p rate_limit-p", ["GET"]],
    ]);
    await adapter.apply(
      await adapter.planRoutes([route("d1", "orders", { methods: ["GET", "POST"] })]),
    );
    const updated = apiByName(gravitee, "orders").flows as Json[];
    assert.deepEqual(updated.map((flow) => (flow.selectors as Json[])[0].methods), [
      ["GET", "POST"],
      ["GET", "POST"],
    ]);
    assert.equal((await adapter.planPolicies([limit])).items[0].action, "unchanged");
    assertConformant();
  },
});

specTest({
  name: "items applied one by one side by side (as the engine does) never overwrite each other",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, assertConformant } = await harness({
      seed: (g) => g.realisticSeed(),
      emulator: { latencyMs: 5 },
    });
    const desired = ["a", "b", "c", "d"].map((id) =>
      policy(id, "rate_limit", { maxRequests: 10 }, { targets: ["orders-api"] })
    );
    const plan = await adapter.planPolicies(desired);
    const results = await Promise.all(
      plan.items.map((item) =>
        adapter.apply({ kind: "policy", items: [item] }, { concurrency: 1 })
      ),
    );
    assert.deepEqual(results.flat().map((r) => r.status), [
      "applied",
      "applied",
      "applied",
      "applied",
    ]);
    assert.deepEqual(
      ownedFlows(apiByName(gravitee, "orders-api")).map((flow) => flow.name),
      ["a", "b", "c", "d"].map((id) => `stoa-policy:${id} rate_limit-${id}`),
    );
    assertConformant();
  },
});

specTest({
  name:
    "a foreign API with undeployed changes is neither saved nor deployed; owned and deployed APIs get the policy",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, assertConformant } = await harness({
      seed: (g) => g.realisticSeed(),
    });
    await adapter.apply(await adapter.planRoutes([route("dep-shop", "shop")]));
    // Saved but not deployed: the operator's unfinished edit on orders-api, and one on the route.
    const operatorEdit = (name: string, target: string) => {
      const api = apiByName(gravitee, name);
      const groups = structuredClone(api.endpointGroups) as Json[];
      ((groups[0].endpoints as Json[])[0].configuration as Json).target = target;
      gravitee.store().updateApi(
        String(api.id),
        updateBody(api as unknown as GraviteeApi, { endpointGroups: groups as never }),
      );
      assert.equal(apiByName(gravitee, name).deploymentState, "NEED_REDEPLOY");
      return String(api.id);
    };
    const ordersId = operatorEdit("orders-api", "http://orders-next.internal:8080/api");
    operatorEdit("shop", "http://shop-next.backend:8080");
    const onAll = policy("p1", "rate_limit", { maxRequests: 10 }, {
      targets: ["orders-api", "legacy-billing", "shop"],
    });
    const onBilling = policy("p2", "ip_filter", { allowlist: ["10.0.0.0/8"] }, {
      targets: ["legacy-billing"],
    });
    const seen = gravitee.requests.length;
    const results = await adapter.apply(await adapter.planPolicies([onAll, onBilling]));
    const status = Object.fromEntries(results.map((r) => [r.id, [r.status, r.error ?? ""]]));
    assert.deepEqual(status.p1, [
      "failed",
      "API 'orders-api' has changes not deployed by its owner (deploymentState NEED_REDEPLOY); deploy or revert them in Gravitee, then the policy is applied",
    ]);
    assert.deepEqual(status.p2, ["applied", ""]);
    assert.deepEqual(
      gravitee.requests.slice(seen).filter((r) => r.method !== "GET" && r.path.includes(ordersId))
        .map((r) => `${r.method} ${r.path}`),
      [],
      "orders-api is neither saved nor deployed",
    );
    const orders = apiByName(gravitee, "orders-api");
    assert.equal(orders.deploymentState, "NEED_REDEPLOY");
    assert.deepEqual(ownedFlows(orders), []);
    // A deployed foreign API and an owned route (even with undeployed changes) get the policy.
    for (const name of ["legacy-billing", "shop"]) {
      const api = apiByName(gravitee, name);
      assert.ok(ownedFlows(api).some((flow) => String(flow.name).startsWith("stoa-policy:p1 ")));
      assert.equal(api.deploymentState, "DEPLOYED", name);
    }
    assertConformant();
  },
});
