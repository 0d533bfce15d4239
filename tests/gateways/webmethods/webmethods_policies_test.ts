/**
 * Policy sync on webMethods: actions on the target APIs' policies, global policies, idempotence,
 * field-level updates, every duplicate removed, the throttle/identify rule, auxiliary applications
 * that never leak (C.1), what cannot be expressed, and the requests against the Swagger files.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ownedDescription } from "../../../src/gateways/webmethods/webmethods_ownership.ts";
import type { WebMethodsEmulator } from "../../fakes/webmethods_emulator.ts";
import { enforcedIds } from "../../fakes/webmethods_emulator_store.ts";
import { loadContract, swaggerRequirements } from "../../fakes/webmethods_emulator_specs.ts";
import { specTest } from "../../support/specs.ts";
import {
  actions,
  assertExchangesMatch,
  gateway,
  outcomes,
  policy,
  route,
  sync,
} from "./webmethods_harness.ts";

/** Template keys enforced on an API (by name and version). */
function enforced(wm: WebMethodsEmulator, name: string, version = "1.0"): string[] {
  const api = [...wm.store.apis.values()].find((a) =>
    a.apiName === name && a.apiVersion === version
  );
  assert.ok(api, `no API ${name} ${version}`);
  return enforcedIds(wm.store.policy(api.policyId)).map((id) => wm.store.action(id).templateKey);
}

function owned(wm: WebMethodsEmulator): { names: string[]; descriptions: string[] } {
  const actions = [...wm.store.actions.values()].filter((a) =>
    a.names[0]?.value.startsWith("stoa-")
  );
  return {
    names: actions.map((a) => a.names[0].value),
    descriptions: actions.map((a) => a.descriptions[0]?.value ?? ""),
  };
}

async function withRoute(name = "orders") {
  const g = gateway();
  await sync(g.adapter, "route", [route({ name })]);
  g.writesSince();
  return g;
}

Deno.test("a targeted rate_limit becomes an owned throttle (with the identify webMethods requires)", async () => {
  const { wm, adapter, writesSince } = await withRoute();
  const desired = [policy({ targets: ["stoa-orders"] })];
  const first = await sync(adapter, "policy", desired);
  assert.deepEqual(actions(first.plan), ["pol-rate api stoa-orders create"]);
  assert.deepEqual(outcomes(first.results), ["pol-rate applied"]);
  assert.deepEqual(enforced(wm, "stoa-orders"), [
    "entryProtocolPolicy",
    "straightThroughRouting",
    "throttle",
    "evaluatePolicy",
  ]);
  assert.deepEqual(owned(wm).names.sort(), ["stoa-identify-for-throttling", "stoa-rate"]);
  assert.equal(writesSince().filter((w) => w.startsWith("PUT /policies/")).length, 1);

  const second = await sync(adapter, "policy", desired);
  assert.deepEqual(actions(second.plan), ["pol-rate api stoa-orders unchanged"]);
  assert.deepEqual(outcomes(second.results), ["pol-rate unchanged"]);
  assert.deepEqual(writesSince(), [], "an unchanged policy writes nothing");
});

Deno.test("a changed limit is one field-level update of the action, nothing else", async () => {
  const { wm, adapter, writesSince } = await withRoute();
  await sync(adapter, "policy", [policy({ targets: ["stoa-orders"] })]);
  writesSince();
  const throttle = [...wm.store.actions.values()].find((a) => a.templateKey === "throttle")!;
  const { plan, results } = await sync(adapter, "policy", [
    policy({ targets: ["stoa-orders"], config: { maxRequests: 250, intervalSeconds: 60 } }),
  ]);
  assert.deepEqual(plan.items[0].changes, [
    { field: "throttle.throttleRule.value", before: "100", after: "250" },
    {
      field: "throttle.alertMessage",
      before: "STOA rate limit: more than 100 requests per minute",
      after: "STOA rate limit: more than 250 requests per minute",
    },
  ]);
  assert.deepEqual(outcomes(results), ["pol-rate applied"]);
  assert.deepEqual(writesSince(), [`PUT /policyActions/${throttle.id}`]);
});

Deno.test("an API that already identifies callers gets no support identify action", async () => {
  const { wm, adapter } = gateway();
  wm.realisticSeed();
  const { results } = await sync(adapter, "policy", [
    policy({ targets: ["Petstore"], config: { maxRequests: 10 } }),
  ]);
  assert.deepEqual(outcomes(results), ["pol-rate applied"]);
  assert.deepEqual(enforced(wm, "Petstore"), [
    "entryProtocolPolicy",
    "straightThroughRouting",
    "evaluatePolicy",
    "throttle",
    "throttle",
  ]);
  assert.deepEqual(owned(wm).names, ["stoa-rate"]);
});

Deno.test("every duplicate action is removed; a failing removal does not stop the others", async () => {
  const { wm, adapter } = await withRoute();
  const desired = [
    policy({ id: "pol-cors", name: "cors", type: "cors", config: {}, targets: ["stoa-orders"] }),
  ];
  await sync(adapter, "policy", desired);
  const api = [...wm.store.apis.values()][0];
  const original = [...wm.store.actions.values()].find((a) => a.templateKey === "cors")!;
  const copies = [1, 2, 3].map(() =>
    wm.store.createAction({
      policyAction: {
        names: original.names,
        descriptions: original.descriptions,
        templateKey: "cors",
        parameters: original.parameters,
      },
    })
  );
  const policyDoc = wm.store.policy(api.policyId);
  wm.store.updatePolicy(api.policyId, {
    policy: {
      policyEnforcements: [...policyDoc.policyEnforcements, {
        stageKey: "responseProcessing",
        enforcements: copies.map((c) => ({ enforcementObjectId: c.id })),
      }],
    },
  });
  wm.failNext(1, 500, { errorDetails: " busy" }, {
    when: (r) =>
      r.method === "DELETE" &&
      r.path.endsWith(copies.concat(original).sort((a, b) => a.id.localeCompare(b.id))[1].id),
  });
  const { plan, results } = await sync(adapter, "policy", desired);
  assert.deepEqual(plan.items[0].changes, [{ field: "duplicate actions", before: 3, after: 0 }]);
  assert.equal(results[0].status, "failed");
  assert.match(
    results[0].error!,
    /removed 2\/3 duplicate policy actions of stoa-cors; last error: .*busy/,
  );
  assert.deepEqual(enforced(wm, "stoa-orders").filter((t) => t === "cors"), ["cors"]);
  const again = await sync(adapter, "policy", desired);
  assert.deepEqual(
    outcomes(again.results),
    ["pol-cors applied"],
    "the leftover is removed next time",
  );
  assert.equal([...wm.store.actions.values()].filter((a) => a.templateKey === "cors").length, 1);
});

Deno.test("disabled or no longer desired: every owned action goes, support identify too, foreign ones stay", async () => {
  const { wm, adapter } = await withRoute();
  await sync(adapter, "policy", [
    policy({ targets: ["stoa-orders"] }),
    policy({ id: "pol-log", name: "log", type: "logging", config: {}, targets: ["stoa-orders"] }),
  ]);
  const disabled = await sync(adapter, "policy", [
    policy({ targets: ["stoa-orders"], enabled: false }),
  ]);
  assert.deepEqual(actions(disabled.plan), [
    "pol-rate api stoa-orders delete",
    "pol-log api stoa-orders delete",
  ]);
  assert.deepEqual(outcomes(disabled.results), ["pol-rate removed", "pol-log removed"]);
  assert.deepEqual(enforced(wm, "stoa-orders"), ["entryProtocolPolicy", "straightThroughRouting"]);
  assert.deepEqual(owned(wm).names, []);
  const item = disabled.plan.items[1];
  assert.equal(item.name, "log", "the name of a policy no longer desired is read from its actions");
  const nothing = await sync(adapter, "policy", [
    policy({ targets: ["stoa-orders"], enabled: false }),
  ]);
  assert.deepEqual(actions(nothing.plan), ["pol-rate api stoa-orders unchanged"]);
});

Deno.test("retargeting moves the policy: created on the new API, removed from the old one", async () => {
  const { wm, adapter } = gateway();
  await sync(adapter, "route", [route({ name: "a" }), route({ name: "b" })]);
  const cors = (
    targets: string[],
  ) => [policy({ id: "pol-c", name: "c", type: "cors", config: {}, targets })];
  await sync(adapter, "policy", cors(["stoa-a"]));
  const { plan, results } = await sync(adapter, "policy", cors(["stoa-b"]));
  assert.deepEqual(actions(plan), ["pol-c api stoa-b create", "pol-c api stoa-a delete"]);
  assert.deepEqual(outcomes(results), ["pol-c applied", "pol-c removed"]);
  assert.equal(enforced(wm, "stoa-a").includes("cors"), false);
  assert.equal(enforced(wm, "stoa-b").includes("cors"), true);
});

Deno.test("a policy on a name with two versions applies to both, fields named by version", async () => {
  const { wm, adapter } = gateway();
  wm.realisticSeed();
  const { plan, results } = await sync(adapter, "policy", [
    policy({
      id: "pol-log",
      name: "log",
      type: "logging",
      config: { logResponse: false },
      targets: ["Orders"],
    }),
  ]);
  assert.deepEqual(outcomes(results), ["pol-log applied"]);
  assert.ok(plan.items[0].changes.some((c) => c.field === "1.0:logInvocation.storeRequestPayload"));
  assert.ok(plan.items[0].changes.some((c) => c.field === "2.0:logInvocation.storeRequestPayload"));
  assert.ok(enforced(wm, "Orders", "1.0").includes("logInvocation"));
  assert.ok(enforced(wm, "Orders", "2.0").includes("logInvocation"));
});

Deno.test("a policy without targets is one owned global policy, kept active; edits deactivate first", async () => {
  const { wm, adapter, writesSince } = gateway();
  const desired = (maxAge: number) => [
    policy({ id: "pol-cors", name: "cors-all", type: "cors", config: { maxAge }, targets: [] }),
  ];
  const first = await sync(adapter, "policy", desired(60));
  assert.deepEqual(actions(first.plan), ["pol-cors global create"]);
  assert.deepEqual(outcomes(first.results), ["pol-cors applied"]);
  const globals = [...wm.store.policies.values()].filter((p) => p.global);
  assert.equal(globals.length, 1);
  const [global] = globals;
  assert.deepEqual(
    [global.names[0].value, global.active, global.policyScope, global.scope?.applicableAPITypes],
    ["stoa-cors-all", true, "GLOBAL", ["REST", "SOAP", "ODATA"]],
  );
  assert.equal(
    global.descriptions[0].value,
    ownedDescription({ kind: "policy", id: "pol-cors", attributes: {} }),
  );
  writesSince();
  assert.deepEqual(actions(await adapter.planPolicies(desired(60))), ["pol-cors global unchanged"]);

  const [actionId] = enforcedIds(global);
  const update = await sync(adapter, "policy", desired(120));
  assert.deepEqual(update.plan.items[0].changes, [
    { field: "cors.corsAttributes.maxAge", before: "60", after: "120" },
  ]);
  assert.deepEqual(writesSince(), [
    `PUT /policies/${global.id}/deactivate`,
    `PUT /policyActions/${actionId}`,
    `PUT /policies/${global.id}/activate`,
  ]);

  wm.store.setPolicyActive(global.id, false);
  const repaired = await sync(adapter, "policy", desired(120));
  assert.deepEqual(repaired.plan.items[0].changes, [{
    field: "active",
    before: false,
    after: true,
  }]);
  assert.equal(wm.store.policy(global.id).active, true);

  const removed = await sync(adapter, "policy", []);
  assert.deepEqual(actions(removed.plan), ["pol-cors global delete"]);
  assert.deepEqual(outcomes(removed.results), ["pol-cors removed"]);
  assert.deepEqual(writesSince().slice(-2), [
    `PUT /policies/${global.id}/deactivate`,
    `DELETE /policies/${global.id}`,
  ]);
  assert.equal(wm.store.policies.has(global.id), false);
  assert.equal(wm.store.actions.has(actionId), false);
});

Deno.test("duplicate global policies of one STOA policy are removed", async () => {
  const { wm, adapter } = gateway();
  const desired = [policy({ id: "pol-l", name: "l", type: "logging", config: {}, targets: [] })];
  await sync(adapter, "policy", desired);
  const [first] = [...wm.store.policies.values()].filter((p) => p.global);
  const copy = wm.store.createPolicy({
    policy: { ...structuredClone(first), policyEnforcements: [] },
  });
  wm.store.setPolicyActive(copy.id, true);
  const { plan, results } = await sync(adapter, "policy", desired);
  assert.deepEqual(plan.items[0].changes, [{
    field: "duplicate global policies",
    before: 1,
    after: 0,
  }]);
  assert.deepEqual(outcomes(results), ["pol-l applied"]);
  assert.deepEqual([...wm.store.policies.values()].filter((p) => p.global).map((p) => p.id), [
    first.id,
  ]);
});

Deno.test("what webMethods cannot express fails at planning and never touches the gateway", async () => {
  const { wm, adapter, writesSince } = await withRoute();
  const { results } = await sync(adapter, "policy", [
    policy({ id: "t", type: "transform", config: {}, targets: ["stoa-orders"] }),
    policy({ id: "ip", type: "ip_filter", config: { ip_list: ["10.0.0.0/8"] }, targets: [] }),
    policy({
      id: "deny",
      type: "ip_filter",
      config: { mode: "deny", ip_list: ["10.0.0.1"] },
      targets: ["stoa-orders"],
    }),
    policy({ id: "ghost", targets: ["no-such-api"] }),
    policy({ id: "slow", config: { intervalSeconds: 45 }, targets: ["stoa-orders"] }),
  ]);
  assert.deepEqual(results.map((r) => `${r.id} ${r.status}`), [
    "t failed",
    "ip failed",
    "deny failed",
    "ghost failed",
    "slow failed",
  ]);
  assert.match(results[1].error!, /ip_filter without target APIs cannot be expressed/);
  assert.match(results[3].error!, /target API 'no-such-api' is not on the gateway/);
  assert.deepEqual(writesSince(), []);
  assert.equal(wm.writes, 2, "only the route's writes (create, activate)");
});

Deno.test("targets are resolved against the last discovery when the engine passes it", async () => {
  const { adapter } = await withRoute();
  const plan = await adapter.planPolicies([policy({ targets: ["stoa-orders"] })], {
    discovered: [{
      name: "other",
      version: "",
      backend_url: "",
      paths: [],
      methods: [],
      policies: [],
      is_active: true,
    }],
  });
  assert.match(plan.items[0].error!, /not found by the last discovery/);
});

Deno.test("ip_filter: an owned application holds the ranges, is reconciled, and never leaks (C.1)", async () => {
  const { wm, adapter } = await withRoute();
  const before = { apps: wm.store.applications.size, actions: wm.store.actions.size };
  const ip = (list: string[]) => [
    policy({
      id: "pol-ip",
      name: "office",
      type: "ip_filter",
      config: { ip_list: list },
      targets: ["stoa-orders"],
    }),
  ];
  const created = await sync(adapter, "policy", ip(["10.0.0.0/24"]));
  assert.deepEqual(outcomes(created.results), ["pol-ip applied"]);
  const [app] = [...wm.store.applications.values()];
  assert.equal(app.name, "stoa-office-stoa-orders");
  assert.deepEqual(app.identifiers.map((i) => [i.key, i.value]), [["ipAddressRange", [
    "10.0.0.0-10.0.0.255",
  ]]]);
  assert.deepEqual(app.apiIds, [[...wm.store.apis.values()][0].id]);
  assert.deepEqual(enforced(wm, "stoa-orders").slice(2), ["evaluatePolicy"]);

  const changed = await sync(adapter, "policy", ip(["10.0.0.0/24", "192.168.0.7"]));
  assert.deepEqual(changed.plan.items[0].changes, [{
    field: "application.identifiers.ipAddressRange",
    before: ["10.0.0.0-10.0.0.255"],
    after: ["10.0.0.0-10.0.0.255", "192.168.0.7-192.168.0.7"],
  }]);
  assert.equal(wm.store.applications.size, 1);

  await sync(adapter, "policy", []);
  assert.deepEqual(
    { apps: wm.store.applications.size, actions: wm.store.actions.size },
    before,
    "no application or action is left behind",
  );
});

Deno.test("one identify action per API: the gateway's own, then the lowest priority, win", async () => {
  const { wm, adapter } = gateway();
  wm.realisticSeed();
  await sync(adapter, "route", [route({ name: "orders" })]);
  const jwt = (id: string, priority: number) =>
    policy({
      id,
      name: id,
      type: "jwt_validation",
      config: { issuer: "https://idp" },
      priority,
      targets: ["stoa-orders"],
    });
  const { results } = await sync(adapter, "policy", [
    policy({
      id: "ip-pet",
      type: "ip_filter",
      config: { ip_list: ["10.0.0.1"] },
      targets: ["Petstore"],
    }),
    jwt("jwt-b", 20),
    jwt("jwt-a", 10),
  ]);
  assert.match(
    results[0].error!,
    /API 'Petstore' already has an Identify & Authorize Application action not managed by STOA/,
  );
  assert.match(
    results[1].error!,
    /already admits callers through STOA policy 'jwt-a' \(jwt_validation\)/,
  );
  assert.equal(results[2].status, "applied");
  const again = await sync(adapter, "policy", [jwt("jwt-b", 1), jwt("jwt-a", 10)]);
  assert.match(
    again.results[0].error!,
    /through STOA policy 'jwt-a'/,
    "the current holder keeps it",
  );
});

Deno.test("an identify policy replaces the support action and gives it back when it goes", async () => {
  const { wm, adapter } = await withRoute();
  const rate = policy({ targets: ["stoa-orders"] });
  await sync(adapter, "policy", [rate]);
  assert.deepEqual(owned(wm).names.sort(), ["stoa-identify-for-throttling", "stoa-rate"]);
  const jwt = policy({
    id: "pol-jwt",
    name: "jwt",
    type: "jwt_validation",
    config: { issuer: "https://idp", audience: "orders" },
    targets: ["stoa-orders"],
  });
  const { results } = await sync(adapter, "policy", [rate, jwt]);
  assert.deepEqual(outcomes(results), ["pol-rate unchanged", "pol-jwt applied"]);
  assert.deepEqual(owned(wm).names.sort(), ["stoa-jwt", "stoa-rate"]);
  assert.equal(enforced(wm, "stoa-orders").filter((t) => t === "evaluatePolicy").length, 1);
  await sync(adapter, "policy", [rate]);
  assert.deepEqual(owned(wm).names.sort(), ["stoa-identify-for-throttling", "stoa-rate"]);
});

Deno.test("one failing item does not stop the others", async () => {
  const { wm, adapter } = gateway();
  await sync(adapter, "route", [route({ name: "a" }), route({ name: "b" })]);
  const [a] = [...wm.store.apis.values()];
  wm.failNext(1, 500, { errorDetails: " Elasticsearch timeout" }, {
    when: (r) => r.method === "PUT" && r.path === `/rest/apigateway/policies/${a.policyId}`,
  });
  const { results } = await sync(adapter, "policy", [
    policy({ id: "c", name: "c", type: "cors", config: {}, targets: ["stoa-a", "stoa-b"] }),
  ]);
  assert.deepEqual(results.map((r) => `${r.id} ${r.status}`), ["c failed", "c applied"]);
  assert.match(results[0].error!, /\(500\): Elasticsearch timeout/);
  const retry = await adapter.planPolicies([
    policy({ id: "c", name: "c", type: "cors", config: {}, targets: ["stoa-a", "stoa-b"] }),
  ]);
  assert.deepEqual(actions(retry), ["c api stoa-a update", "c api stoa-b unchanged"]);
  assert.deepEqual(retry.items[0].changes, [{
    field: "cors.enforced",
    before: false,
    after: true,
  }]);
});

Deno.test("apply accepts the engine's one-item plans and copies of items; foreign items fail", async () => {
  const { adapter } = await withRoute();
  const plan = await adapter.planPolicies([policy({ targets: ["stoa-orders"] })]);
  const [copied] = await adapter.apply({ kind: "policy", items: [{ ...plan.items[0] }] });
  assert.equal(copied.status, "applied");
  const [stranger] = await adapter.apply({
    kind: "policy",
    items: [{
      kind: "policy",
      id: "x",
      name: "x",
      action: "create",
      target: "global",
      changes: [],
    }],
  });
  assert.equal(stranger.status, "failed");
  assert.match(stranger.error!, /does not come from the latest plan of this adapter; plan again/);
});

for (const version of ["10.15", "11.0"] as const) {
  specTest({
    name: `policy sync's requests and the answers it reads match the Swagger ${version} files`,
    requires: swaggerRequirements(),
    fn: async () => {
      const { wm, adapter, exchanges } = gateway({ version });
      wm.realisticSeed();
      await sync(adapter, "route", [route({ name: "orders" })]);
      const all = [
        policy({ targets: ["stoa-orders"] }),
        policy({ id: "c", name: "c", type: "cors", config: {}, targets: [] }),
        policy({
          id: "ip",
          name: "ip",
          type: "ip_filter",
          config: { ip_list: ["10.0.0.1"] },
          targets: ["Orders"],
        }),
        policy({
          id: "cache",
          name: "cache",
          type: "caching",
          config: {},
          targets: ["ChuckNorris"],
        }),
      ];
      await sync(adapter, "policy", all);
      await sync(adapter, "policy", [
        policy({ targets: ["stoa-orders"], config: { maxRequests: 3 } }),
        policy({ id: "c", name: "c", type: "cors", config: { maxAge: 5 }, targets: [] }),
      ]);
      await sync(adapter, "policy", []);
      assertExchangesMatch(exchanges, await loadContract(version));
    },
  });
}
