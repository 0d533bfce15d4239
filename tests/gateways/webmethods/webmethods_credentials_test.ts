/**
 * Consumer credentials on webMethods: one owned application per consumer, reconciled (P-24),
 * secrets never sent nor shown, what cannot be expressed refused, requests against the Swagger files.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ownedDescription } from "../../../src/gateways/webmethods/webmethods_ownership.ts";
import { loadContract, swaggerRequirements } from "../../fakes/webmethods_emulator_specs.ts";
import { specTest } from "../../support/specs.ts";
import {
  actions,
  assertExchangesMatch,
  credential,
  gateway,
  outcomes,
  route,
  sync,
} from "./webmethods_harness.ts";

async function withRoutes(...names: string[]) {
  const g = gateway();
  await sync(g.adapter, "route", names.map((name) => route({ name })));
  g.writesSince();
  return g;
}

Deno.test("a consumer becomes an owned application, registered with its APIs; secrets stay home", async () => {
  const { wm, adapter, exchanges, writesSince } = await withRoutes("orders");
  const desired = [credential()];
  const first = await sync(adapter, "credential", desired);
  assert.deepEqual(actions(first.plan), ["partner-1 application stoa-partner-1 create"]);
  assert.deepEqual(first.plan.items[0].changes, [
    { field: "application", after: "stoa-partner-1" },
    { field: "application.identifiers.httpBasicAuth", after: ["partner-user"] },
    { field: "application.apis", after: ["stoa-orders"] },
  ]);
  assert.deepEqual(outcomes(first.results), ["partner-1 applied"]);
  const [app] = [...wm.store.applications.values()];
  assert.equal(app.name, "stoa-partner-1");
  assert.equal(
    app.description,
    ownedDescription({ kind: "consumer", id: "partner-1", attributes: {} }),
  );
  assert.deepEqual(app.identifiers.map((i) => [i.key, i.value]), [["httpBasicAuth", [
    "partner-user",
  ]]]);
  assert.deepEqual(app.apiIds, [[...wm.store.apis.values()][0].id]);
  const everything = JSON.stringify([first.plan, exchanges]);
  assert.equal(
    everything.includes("partner-password-9f2"),
    false,
    "the secret is neither sent nor shown",
  );

  writesSince();
  const second = await sync(adapter, "credential", desired);
  assert.deepEqual(outcomes(second.results), ["partner-1 unchanged"]);
  assert.deepEqual(writesSince(), []);
});

Deno.test("credentials are reconciled: identifiers and APIs updated, consumers removed", async () => {
  const { wm, adapter, writesSince } = await withRoutes("orders", "billing");
  await sync(adapter, "credential", [credential()]);
  const [app] = [...wm.store.applications.values()];
  writesSince();
  const grown = [
    credential(),
    credential({ apiName: "billing", authType: "oauth2", key: "client-42", secret: "s" }),
  ];
  const { plan, results } = await sync(adapter, "credential", grown);
  assert.deepEqual(plan.items[0].changes, [
    { field: "application.identifiers.jwtClaims", after: ['{"client_id":"client-42"}'] },
    { field: "application.apis", before: ["stoa-orders"], after: ["stoa-billing", "stoa-orders"] },
  ]);
  assert.deepEqual(outcomes(results), ["partner-1 applied"]);
  assert.deepEqual(writesSince(), [
    `PUT /applications/${app.id}`,
    `PUT /applications/${app.id}/apis`,
  ]);
  assert.equal(wm.store.application(app.id).apiIds.length, 2);

  const removed = await sync(adapter, "credential", []);
  assert.deepEqual(actions(removed.plan), ["partner-1 application stoa-partner-1 delete"]);
  assert.deepEqual(outcomes(removed.results), ["partner-1 removed"]);
  assert.equal(wm.store.applications.size, 0);
});

Deno.test("duplicate applications of a consumer are removed; foreign applications stay", async () => {
  const { wm, adapter } = await withRoutes("orders");
  wm.realisticSeed();
  await sync(adapter, "credential", [credential()]);
  const marker = { kind: "consumer" as const, id: "partner-1", attributes: {} };
  wm.store.createApplication({ name: "stoa-partner-1", description: ownedDescription(marker) });
  wm.store.createApplication({ name: "stoa-lookalike", description: "made by hand" });
  const { plan, results } = await sync(adapter, "credential", [credential()]);
  assert.deepEqual(plan.items[0].changes.at(-1), {
    field: "duplicate applications",
    before: 1,
    after: 0,
  });
  assert.deepEqual(outcomes(results), ["partner-1 applied"]);
  assert.deepEqual([...wm.store.applications.values()].map((a) => a.name).sort(), [
    "TestSampleApp",
    "stoa-lookalike",
    "stoa-partner-1",
  ]);
});

Deno.test("key-auth and unknown APIs cannot be expressed: refused, never written, key never shown", async () => {
  const { wm, adapter } = await withRoutes("orders");
  const { results } = await sync(adapter, "credential", [
    credential({ consumerId: "k", authType: "key-auth", key: "vault-api-key-77aa" }),
    credential({ consumerId: "k", authType: "basic-auth", key: "k-user" }),
    credential({ consumerId: "lost", apiName: "nowhere" }),
  ]);
  assert.equal(results[0].status, "failed");
  assert.match(
    results[0].error!,
    /key-auth cannot be expressed on webMethods: API Gateway generates each application's API key itself/,
  );
  assert.equal(results[0].error!.includes("vault-api-key-77aa"), false);
  assert.match(
    results[1].error!,
    /API 'nowhere' of the basic-auth credential is not on the gateway \(looked for 'nowhere' and 'stoa-nowhere'\)/,
  );
  assert.equal(wm.store.applications.size, 0);
});

for (const version of ["10.15", "11.0"] as const) {
  specTest({
    name: `credential sync's requests and the answers it reads match the Swagger ${version} files`,
    requires: swaggerRequirements(),
    fn: async () => {
      const { adapter, exchanges } = gateway({ version });
      await sync(adapter, "route", [route({ name: "orders" }), route({ name: "billing" })]);
      await sync(adapter, "credential", [credential()]);
      await sync(adapter, "credential", [
        credential({ apiName: "billing", authType: "oauth2", key: "c-1" }),
        credential({ consumerId: "other" }),
      ]);
      await sync(adapter, "credential", []);
      assertExchangesMatch(exchanges, await loadContract(version));
    },
  });
}
