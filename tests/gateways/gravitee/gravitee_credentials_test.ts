/**
 * Consumer credentials on Gravitee at the adapter level: applications, subscriptions and API keys
 * created, left alone when unchanged, rotated, closed and deleted when no longer desired;
 * credentials Gravitee cannot take fail alone; keys never appear in plans.
 *
 * @module
 */

import assert from "node:assert/strict";
import { MASKED } from "../../../src/gateways/field_diff.ts";
import type { Json } from "../../fakes/gravitee_emulator.ts";
import { publishedPlan } from "../../fakes/gravitee_emulator_seed.ts";
import { specTest } from "../../support/specs.ts";
import { credential, harness, HARNESS_SPECS } from "./gravitee_harness.ts";

type Harness = Awaited<ReturnType<typeof harness>>;

function apiId(gravitee: Harness["gravitee"], name: string): string {
  return String(gravitee.store().listApis().find((api) => api.name === name)!.id);
}

function liveSubscriptions(gravitee: Harness["gravitee"], api: string) {
  return gravitee.store().subscriptionsOf(apiId(gravitee, api))
    .filter((stored) => stored.subscription.status !== "CLOSED");
}

specTest({
  name: "key-auth: an application, a subscription with the Vault key; then nothing to do",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes, assertConformant } = await harness({
      seed: (g) => g.realisticSeed(),
    });
    const key = credential("acme", "payments-api", "key-auth", "acme-key-0001");
    const plan = await adapter.planCredentials([key]);
    const [item] = plan.items;
    assert.deepEqual([item.kind, item.id, item.action], ["credential", "acme", "create"]);
    assert.equal(
      item.target,
      "application stoa-acme, API 'payments-api' plan 'Partners (API key)' (API_KEY)",
    );
    assert.deepEqual(item.changes.find((change) => change.field === "api_key"), {
      field: "api_key",
      after: MASKED,
    });
    assert.ok(!JSON.stringify(plan).includes("acme-key-0001"), "the key never appears in a plan");
    assert.deepEqual((await adapter.apply(plan)).map((r) => r.status), ["applied"]);
    assert.deepEqual(writes(), ["POST /applications", "POST /apis/:id/subscriptions"]);
    const [application] = gravitee.store().listApplications();
    assert.equal(application.name, "stoa-acme");
    assert.match(String(application.description), /^\[stoa-managed consumer=acme\]/);
    const [subscription] = liveSubscriptions(gravitee, "payments-api");
    assert.deepEqual(subscription.keys.map((k) => k.key), ["acme-key-0001"]);
    assert.deepEqual(subscription.subscription.metadata, {
      "stoa-managed": "true",
      "stoa-consumer": "acme",
    });
    const again = await adapter.planCredentials([key]);
    assert.deepEqual(again.items.map((i) => [i.action, i.changes]), [["unchanged", []]]);
    await adapter.apply(again);
    assert.deepEqual(writes(), []);
    assertConformant();
  },
});

specTest({
  name: "a key changed in Vault is rotated with _renew; the old key expires",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes } = await harness({ seed: (g) => g.realisticSeed() });
    await adapter.apply(
      await adapter.planCredentials([credential("acme", "payments-api", "key-auth", "old-key-1")]),
    );
    writes();
    const plan = await adapter.planCredentials([
      credential("acme", "payments-api", "key-auth", "new-key-2"),
    ]);
    assert.deepEqual(plan.items[0].changes, [{ field: "api_key", before: MASKED, after: MASKED }]);
    assert.equal(plan.items[0].action, "update");
    await adapter.apply(plan);
    assert.deepEqual(writes(), ["POST /apis/:id/subscriptions/:id/api-keys/_renew"]);
    const [subscription] = liveSubscriptions(gravitee, "payments-api");
    assert.deepEqual(subscription.keys.map((k) => [k.key, Boolean(k.expireAt)]), [[
      "new-key-2",
      false,
    ], ["old-key-1", true]]);
    assert.equal(
      (await adapter.planCredentials([credential("acme", "payments-api", "key-auth", "new-key-2")]))
        .items[0].action,
      "unchanged",
    );
  },
});

specTest({
  name: "oauth2: the key is the application's client_id, subscribed to the JWT plan",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes, assertConformant } = await harness({
      seed: (g) => g.realisticSeed(),
    });
    const both = [
      credential("acme", "payments-api", "key-auth", "acme-key-0001"),
      credential("acme", "payments-api", "oauth2", "acme-client"),
    ];
    const results = await adapter.apply(await adapter.planCredentials(both));
    assert.deepEqual(results.map((r) => r.status), ["applied", "applied"]);
    assert.equal(gravitee.store().listApplications().length, 1, "one application per consumer");
    assert.equal(
      ((gravitee.store().listApplications()[0].settings as Json).app as Json).client_id,
      "acme-client",
    );
    assert.equal(liveSubscriptions(gravitee, "payments-api").length, 2);
    writes();
    const changed = await adapter.planCredentials([
      both[0],
      credential("acme", "payments-api", "oauth2", "acme-client-2"),
    ]);
    assert.deepEqual(changed.items.map((i) => i.action), ["unchanged", "update"]);
    assert.deepEqual(changed.items[1].changes, [{
      field: "client_id",
      before: "acme-client",
      after: "acme-client-2",
    }]);
    await adapter.apply(changed);
    assert.deepEqual(writes(), ["PUT /applications/:id"]);
    assertConformant();
  },
});

specTest({
  name: "no longer desired: a subscription is closed, a consumer's application deleted",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes } = await harness({
      seed: (g) => {
        g.realisticSeed();
        publishedPlan(
          g.store(),
          String(g.store().listApis().find((a) => a.name === "orders-api")!.id),
          {
            name: "Keys",
            security: { type: "API_KEY" },
          },
        );
      },
    });
    await adapter.apply(
      await adapter.planCredentials([
        credential("acme", "payments-api", "key-auth", "acme-key-0001"),
        credential("acme", "orders-api", "key-auth", "acme-key-0002"),
        credential("globex", "payments-api", "key-auth", "globex-key-01"),
      ]),
    );
    writes();
    const plan = await adapter.planCredentials([
      credential("acme", "payments-api", "key-auth", "acme-key-0001"),
    ]);
    assert.deepEqual(plan.items.map((i) => [i.id, i.action, i.name]).sort(), [
      ["acme", "delete", "acme → orders-api"],
      ["acme", "unchanged", "acme → payments-api (key-auth)"],
      ["globex", "delete", "globex (application stoa-globex)"],
    ]);
    assert.deepEqual((await adapter.apply(plan)).map((r) => r.status).sort(), [
      "removed",
      "removed",
      "unchanged",
    ]);
    assert.deepEqual(writes().sort(), [
      "DELETE /applications/:id",
      "POST /apis/:id/subscriptions/:id/_close",
    ]);
    assert.deepEqual(gravitee.store().listApplications().map((a) => a.name), ["stoa-acme"]);
    assert.equal(liveSubscriptions(gravitee, "orders-api").length, 0);
    assert.equal(liveSubscriptions(gravitee, "payments-api").length, 1);
    assert.deepEqual((await adapter.planCredentials([])).items.map((i) => i.action), ["delete"]);
  },
});

specTest({
  name: "credentials Gravitee cannot take fail alone, with the reason; the others are applied",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes } = await harness({
      seed: (g) => {
        g.realisticSeed();
        // An application stoa-connect does not own, using a client id.
        g.store().saveApplication({
          name: "mobile",
          description: "",
          settings: { app: { client_id: "taken-id" } },
        });
      },
    });
    const results = await adapter.apply(
      await adapter.planCredentials([
        credential("a", "payments-api", "basic-auth", "user"),
        credential("b", "orders-api", "key-auth", "key-b-000001"),
        credential("c", "nowhere", "key-auth", "key-c-000001"),
        credential("d", "payments-api", "oauth2", "taken-id"),
        credential("e", "payments-api", "key-auth", "key-e-000001"),
      ]),
    );
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    assert.match(byId.a.error!, /basic-auth cannot be expressed on Gravitee/);
    assert.match(byId.b.error!, /API 'orders-api' has no published API_KEY plan/);
    assert.match(byId.c.error!, /API 'nowhere' is not an API of this Gravitee environment/);
    assert.equal(byId.d.status, "failed");
    assert.match(
      byId.d.error!,
      /answered POST .*\/applications with 400: An application already uses the client_id/,
    );
    assert.equal(byId.e.status, "applied");
    assert.ok(!JSON.stringify(results).includes("key-e-000001"));
    assert.equal(writes().filter((w) => w === "POST /applications").length, 2);
    assert.equal(gravitee.store().listApplications().length, 2, "mobile and stoa-e");
  },
});

specTest({
  name: "a manual plan's subscription is accepted with the key; refused custom keys fail the item",
  requires: HARNESS_SPECS,
  fn: async () => {
    const seed = (g: Harness["gravitee"]) => {
      const store = g.store();
      const id = String(
        store.createApi({
          name: "partners",
          apiVersion: "1",
          definitionVersion: "V4",
          type: "PROXY",
          listeners: [{ type: "HTTP", paths: [{ path: "/partners" }] }],
          endpointGroups: [{
            type: "http-proxy",
            endpoints: [{ type: "http-proxy", configuration: { target: "http://p" } }],
          }],
        }).id,
      );
      publishedPlan(store, id, {
        name: "Reviewed",
        security: { type: "API_KEY" },
        validation: "MANUAL",
      });
    };
    const { gravitee, adapter, writes, assertConformant } = await harness({ seed });
    await adapter.apply(
      await adapter.planCredentials([credential("acme", "partners", "key-auth", "partner-key-1")]),
    );
    assert.deepEqual(writes(), [
      "POST /applications",
      "POST /apis/:id/subscriptions",
      "POST /apis/:id/subscriptions/:id/_accept",
    ]);
    assert.deepEqual(liveSubscriptions(gravitee, "partners")[0].keys.map((k) => k.key), [
      "partner-key-1",
    ]);
    assertConformant();
    const strict = await harness({ seed, emulator: { customApiKeys: false } });
    const [result] = await strict.adapter.apply(
      await strict.adapter.planCredentials([
        credential("acme", "partners", "key-auth", "partner-key-1"),
      ]),
    );
    assert.equal(result.status, "failed");
    assert.match(result.error!, /You are not allowed to provide a custom API Key/);
  },
});

specTest({
  name: "a key Gravitee refuses (already used on the API) fails the item without showing the key",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { adapter } = await harness({ seed: (g) => g.realisticSeed() });
    const results = await adapter.apply(
      await adapter.planCredentials([
        credential("acme", "payments-api", "key-auth", "shared-key-42"),
        credential("globex", "payments-api", "key-auth", "shared-key-42"),
      ]),
    );
    const failed = results.find((result) => result.status === "failed")!;
    assert.match(failed.error!, /API Key \[\[REDACTED\]\] already exists/);
    assert.ok(!JSON.stringify(results).includes("shared-key-42"));
    assert.deepEqual(results.map((r) => r.status).sort(), ["applied", "failed"]);
  },
});

specTest({
  name:
    "items of one consumer applied one by one side by side (as the engine does) share one application",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter } = await harness({
      seed: (g) => g.realisticSeed(),
      emulator: { latencyMs: 5 },
    });
    const plan = await adapter.planCredentials([
      credential("acme", "payments-api", "key-auth", "acme-key-0001"),
      credential("acme", "payments-api", "oauth2", "acme-client"),
    ]);
    const results = await Promise.all(
      plan.items.map((item) => adapter.apply({ kind: "credential", items: [item] })),
    );
    assert.deepEqual(results.flat().map((r) => r.status), ["applied", "applied"]);
    assert.deepEqual(gravitee.store().listApplications().map((a) => a.name), ["stoa-acme"]);
    assert.equal(liveSubscriptions(gravitee, "payments-api").length, 2);
  },
});
