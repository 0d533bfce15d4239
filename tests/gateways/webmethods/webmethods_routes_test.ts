/**
 * Deployed routes on webMethods: lifecycle (create, update, activate, deactivate, delete), state
 * checks instead of a remembered hash (P-11), 409 handling, per-route failure isolation, duplicates,
 * ownership, spec hygiene end to end (P-28), and the requests against the Swagger files.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ownedDescription } from "../../../src/gateways/webmethods/webmethods_ownership.ts";
import type { StoredApi } from "../../fakes/webmethods_emulator.ts";
import { loadContract, swaggerRequirements } from "../../fakes/webmethods_emulator_specs.ts";
import { specTest } from "../../support/specs.ts";
import {
  actions,
  assertExchangesMatch,
  gateway,
  openApiSpec,
  outcomes,
  route,
  sync,
} from "./webmethods_harness.ts";

const API_PATH = "/rest/apigateway/apis";

function apiNamed(apis: Iterable<StoredApi>, name: string): StoredApi {
  const found = [...apis].find((api) => api.apiName === name);
  assert.ok(found, `no API named ${name}`);
  return found;
}

Deno.test("a route becomes an owned, active API; the next sync writes nothing", async () => {
  const { wm, adapter, writesSince } = gateway();
  wm.realisticSeed();
  const desired = [route({ name: "petstore", generation: 7 })];
  const first = await sync(adapter, "route", desired);
  assert.deepEqual(actions(first.plan), ["dep-petstore api stoa-petstore create"]);
  assert.deepEqual(first.results, [{
    kind: "route",
    id: "dep-petstore",
    name: "petstore",
    action: "create",
    generation: 7,
    status: "applied",
  }]);
  const api = apiNamed(wm.store.apis.values(), "stoa-petstore");
  assert.equal(api.isActive, true);
  assert.equal(api.apiVersion, "1.0");
  assert.equal(
    api.apiDescription,
    ownedDescription({ kind: "deployment", id: "dep-petstore", attributes: {} }),
  );
  assert.deepEqual(api.nativeEndpoint.map((e) => e.uri), ["http://petstore.internal:8080"]);
  const created = writesSince();
  assert.deepEqual(created, ["POST /apis", `PUT /apis/${api.id}/activate`]);

  const second = await sync(adapter, "route", desired);
  assert.deepEqual(actions(second.plan), ["dep-petstore api stoa-petstore unchanged"]);
  assert.deepEqual(outcomes(second.results), ["dep-petstore unchanged"]);
  assert.deepEqual(writesSince(), [], "an unchanged route writes nothing");
  assert.equal(wm.store.apis.size, 5, "the gateway's own APIs are untouched");
});

Deno.test("P-11: the same spec hash does not hide a deactivated, deleted or edited API", async () => {
  const { wm, adapter } = gateway();
  const desired = [route({ name: "pets", specHash: "sha-1", openapiSpec: openApiSpec("Pets") })];
  await sync(adapter, "route", desired);
  const api = apiNamed(wm.store.apis.values(), "stoa-pets");

  wm.store.setApiActive(api.id, false);
  const deactivated = await sync(adapter, "route", desired);
  assert.deepEqual(deactivated.plan.items[0].changes, [{
    field: "isActive",
    before: false,
    after: true,
  }]);
  assert.deepEqual(outcomes(deactivated.results), ["dep-pets applied"]);
  assert.equal(wm.store.api(api.id).isActive, true);

  wm.store.updateApi(api.id, {
    apiName: "stoa-pets",
    apiVersion: "1.0",
    apiDescription: api.apiDescription,
    type: "openapi",
    apiDefinition: { ...openApiSpec("Pets"), servers: [{ url: "http://rogue.internal" }] },
  });
  const edited = await sync(adapter, "route", desired);
  assert.deepEqual(edited.plan.items[0].changes, [{
    field: "backend_url",
    before: "http://rogue.internal",
    after: "http://pets.internal:8080",
  }]);
  assert.equal(wm.store.api(api.id).nativeEndpoint[0].uri, "http://pets.internal:8080");

  wm.store.setApiActive(api.id, false);
  wm.store.deleteApi(api.id, true);
  const deleted = await sync(adapter, "route", desired);
  assert.deepEqual(actions(deleted.plan), ["dep-pets api stoa-pets create"]);
  assert.equal(apiNamed(wm.store.apis.values(), "stoa-pets").isActive, true);
});

Deno.test("a new spec hash updates the API in place (PUT, never a second POST)", async () => {
  const { wm, adapter, writesSince } = gateway();
  await sync(adapter, "route", [
    route({ name: "pets", specHash: "h1", openapiSpec: openApiSpec("Pets") }),
  ]);
  const api = apiNamed(wm.store.apis.values(), "stoa-pets");
  writesSince();
  const changed = route({
    name: "pets",
    specHash: "h2",
    openapiSpec: openApiSpec("Pets", {
      "/orders": { get: { responses: {} } },
      "/orders/{id}": { delete: { responses: {} } },
    }),
  });
  const { plan, results } = await sync(adapter, "route", [changed]);
  assert.deepEqual(plan.items[0].changes, [
    { field: "spec_hash", before: "h1", after: "h2" },
    {
      field: "operations",
      before: ["GET /orders"],
      after: ["DELETE /orders/{id}", "GET /orders"],
    },
  ]);
  assert.deepEqual(outcomes(results), ["dep-pets applied"]);
  assert.deepEqual(writesSince(), [`PUT /apis/${api.id}`]);
  assert.equal(wm.store.apis.size, 1);
});

Deno.test("activated false: created without serving; an active API is deactivated, others go on", async () => {
  const { wm, adapter, writesSince } = gateway();
  await sync(adapter, "route", [route({ name: "a" })]);
  writesSince();
  const { results } = await sync(adapter, "route", [
    route({ name: "a", activated: false }),
    route({ name: "b", activated: false }),
    route({ name: "c" }),
  ]);
  assert.deepEqual(outcomes(results), ["dep-a applied", "dep-b applied", "dep-c applied"]);
  const [a, b, c] = ["stoa-a", "stoa-b", "stoa-c"].map((name) =>
    apiNamed(wm.store.apis.values(), name)
  );
  assert.deepEqual([a.isActive, b.isActive, c.isActive], [false, false, true]);
  assert.deepEqual(writesSince(), [
    `PUT /apis/${a.id}/deactivate`,
    "POST /apis",
    "POST /apis",
    `PUT /apis/${c.id}/activate`,
  ]);
});

Deno.test("routes no longer desired are deactivated, then deleted; foreign APIs are never touched", async () => {
  const { wm, adapter, writesSince } = gateway();
  wm.realisticSeed();
  await sync(adapter, "route", [route({ name: "a" }), route({ name: "b", activated: false })]);
  const [a, b] = ["stoa-a", "stoa-b"].map((name) => apiNamed(wm.store.apis.values(), name));
  writesSince();
  const { plan, results } = await sync(adapter, "route", [], { concurrency: 1 });
  assert.deepEqual(actions(plan), ["dep-a api stoa-a delete", "dep-b api stoa-b delete"]);
  assert.deepEqual(outcomes(results), ["dep-a removed", "dep-b removed"]);
  assert.deepEqual(writesSince(), [
    `PUT /apis/${a.id}/deactivate`,
    `DELETE /apis/${a.id}`,
    `DELETE /apis/${b.id}`,
  ]);
  assert.equal(wm.requests.findLast((r) => r.method === "DELETE")?.query.forceDelete, "true");
  assert.deepEqual([...wm.store.apis.values()].map((api) => api.apiName).sort(), [
    "ChuckNorris",
    "Orders",
    "Orders",
    "Petstore",
  ]);
});

Deno.test("409 on create: the list is read again and the API found is updated once", async () => {
  const { wm, adapter } = gateway();
  const desired = [route({ name: "race" })];
  const plan = await adapter.planRoutes(desired);
  // Another agent instance creates it between plan and apply.
  const twin = wm.store.createApi({
    apiName: "stoa-race",
    apiVersion: "1.0",
    apiDescription: ownedDescription({ kind: "deployment", id: "dep-race", attributes: {} }),
    type: "openapi",
    apiDefinition: openApiSpec("race"),
  });
  const results = await adapter.apply(plan);
  assert.deepEqual(outcomes(results), ["dep-race applied"]);
  const sequence = wm.requests.filter((r) => r.method !== "GET" || r.path === API_PATH)
    .map((r) => `${r.method} ${r.path.replace("/rest/apigateway", "")}`);
  assert.deepEqual(sequence.slice(-4), [
    "POST /apis",
    "GET /apis",
    `PUT /apis/${twin.id}`,
    `PUT /apis/${twin.id}/activate`,
  ]);
  assert.equal(wm.store.apis.size, 1);
  assert.deepEqual(actions(await adapter.planRoutes(desired)), [
    "dep-race api stoa-race unchanged",
  ]);
});

Deno.test("409 on create without the API in the list (ghost) fails after exactly one POST", async () => {
  const { wm, adapter } = gateway();
  wm.failNext(1, 409, { errorDetails: " API already exists" }, {
    when: (r) => r.method === "POST",
  });
  const { results } = await sync(adapter, "route", [route({ name: "ghost" })]);
  assert.equal(results[0].status, "failed");
  assert.match(results[0].error!, /409 .* not in the list \(ghost conflict or search index lag\)/);
  assert.equal(wm.requests.filter((r) => r.method === "POST").length, 1);
  assert.equal(wm.store.apis.size, 0);
  const retry = await sync(adapter, "route", [route({ name: "ghost" })]);
  assert.deepEqual(outcomes(retry.results), ["dep-ghost applied"], "the next sync retries");
});

Deno.test("409 on create against an API that is not ours fails and leaves it alone", async () => {
  const { wm, adapter } = gateway();
  const plan = await adapter.planRoutes([route({ name: "taken" })]);
  wm.store.createApi({
    apiName: "stoa-taken",
    apiVersion: "1.0",
    type: "openapi",
    apiDefinition: openApiSpec("t"),
  });
  const [result] = await adapter.apply(plan);
  assert.match(result.error!, /409.*not managed by stoa-connect/);
  assert.equal(wm.requests.filter((r) => r.method === "PUT").length, 0);
});

Deno.test("409 again on the update after a 409 on create: persistent conflict, no third write", async () => {
  const { wm, adapter } = gateway();
  const plan = await adapter.planRoutes([route({ name: "stuck" })]);
  wm.store.createApi({
    apiName: "stoa-stuck",
    apiVersion: "1.0",
    apiDescription: ownedDescription({ kind: "deployment", id: "dep-stuck", attributes: {} }),
    type: "openapi",
    apiDefinition: openApiSpec("s"),
  });
  wm.failNext(1, 409, { errorDetails: " version conflict" }, { when: (r) => r.method === "PUT" });
  const [result] = await adapter.apply(plan);
  assert.match(result.error!, /409, persistent conflict after 409 on create/);
  assert.deepEqual(wm.requests.filter((r) => r.method !== "GET").map((r) => r.method), [
    "POST",
    "PUT",
  ]);
});

Deno.test("409 on update fails the route; the next cycle tries again", async () => {
  const { wm, adapter } = gateway();
  await sync(adapter, "route", [
    route({ name: "v", specHash: "1", openapiSpec: openApiSpec("v") }),
  ]);
  wm.failNext(1, 409, { errorDetails: " conflict" }, { when: (r) => r.method === "PUT" });
  const next = [route({ name: "v", specHash: "2", openapiSpec: openApiSpec("v") })];
  const { results } = await sync(adapter, "route", next);
  assert.match(results[0].error!, /refused to update 'stoa-v' \(409, version\/content conflict\)/);
  assert.deepEqual(
    actions(await adapter.planRoutes(next)),
    ["dep-v api stoa-v update"],
    "not remembered as done",
  );
});

Deno.test("one route's activation failure neither stops the others nor hides itself", async () => {
  const { wm, adapter } = gateway();
  wm.failNext(1, 500, { errorDetails: " Activation failed: cluster sync" }, {
    when: (r) => r.path.endsWith("/activate"),
  });
  const desired = [route({ name: "r1" }), route({ name: "r2" })];
  const { results } = await sync(adapter, "route", desired, { concurrency: 1 });
  assert.equal(results[0].status, "failed");
  assert.match(results[0].error!, /activate \(500\): Activation failed: cluster sync/);
  assert.deepEqual(outcomes(results).slice(1), ["dep-r2 applied"]);
  assert.equal(apiNamed(wm.store.apis.values(), "stoa-r2").isActive, true);
  const retry = await adapter.planRoutes(desired);
  assert.deepEqual(actions(retry), ["dep-r1 api stoa-r1 update", "dep-r2 api stoa-r2 unchanged"]);
  assert.deepEqual(retry.items[0].changes, [{ field: "isActive", before: false, after: true }]);
});

Deno.test("a deactivation failure does not stop the next route", async () => {
  const { wm, adapter } = gateway();
  await sync(adapter, "route", [route({ name: "x" })]);
  wm.failNext(1, 500, undefined, { when: (r) => r.path.endsWith("/deactivate") });
  const { results } = await sync(adapter, "route", [
    route({ name: "x", activated: false }),
    route({ name: "y" }),
  ], {
    concurrency: 1,
  });
  assert.equal(results[0].status, "failed");
  assert.match(results[0].error!, /deactivate \(500\)/);
  assert.deepEqual(outcomes(results).slice(1), ["dep-y applied"]);
});

Deno.test("an import the gateway refuses fails that route only, with the gateway's words", async () => {
  const { wm, adapter } = gateway();
  wm.failNext(1, 400, { errorDetails: " RefProperty cannot be cast to Model" }, {
    when: (r) => r.method === "POST" && (r.body as { apiName?: string }).apiName === "stoa-bad",
  });
  const { results } = await sync(adapter, "route", [
    route({ name: "bad" }),
    route({ name: "good" }),
  ]);
  assert.equal(results[0].status, "failed");
  assert.match(
    results[0].error!,
    /POST http:\/\/wm\.test:5555\/rest\/apigateway\/apis with 400: RefProperty cannot be cast to Model/,
  );
  assert.equal(results[1].status, "applied");
});

Deno.test("items that cannot be expressed fail at planning and never touch the gateway", async () => {
  const { wm, adapter } = gateway();
  wm.store.createApi({
    apiName: "stoa-foreign",
    apiVersion: "1.0",
    type: "openapi",
    apiDefinition: openApiSpec("f"),
  });
  const { plan, results } = await sync(adapter, "route", [
    route({ name: "foo/bar" }),
    route({ name: "foo bar" }),
    route({ name: "old-spec", openapiSpec: { swagger: "1.2", info: { title: "x" } } }),
    route({ name: "foreign" }),
  ]);
  assert.deepEqual(outcomes(results).slice(1), [
    "dep-foo bar failed: route 'foo bar' and route 'foo/bar' both become the webMethods API 'stoa-foo-bar' (characters outside A-Z a-z 0-9 . _ - become '-'); rename one of them",
    'dep-old-spec failed: the deployment\'s spec is neither OpenAPI 3.x nor Swagger 2.0 (swagger: "1.2"); webMethods imports only these',
    `dep-foreign failed: an API named 'stoa-foreign' (version 1.0, id ${
      apiNamed(wm.store.apis.values(), "stoa-foreign").id
    }) exists on the gateway but is not managed by stoa-connect (no ownership marker in its description); delete or rename it on the gateway`,
  ]);
  assert.equal(plan.items[0].error, undefined);
  assert.deepEqual(
    wm.requests.filter((r) => r.method !== "GET").map((r) =>
      (r.body as { apiName?: string })?.apiName
    )
      .filter(Boolean),
    ["stoa-foo-bar"],
  );
});

Deno.test("an operator's version or copy of an owned API is never deleted; the item fails naming them", async () => {
  const { wm, adapter, writesSince } = gateway();
  await sync(adapter, "route", [route({ name: "dup" })]);
  const keeper = apiNamed(wm.store.apis.values(), "stoa-dup");
  const marker = { kind: "deployment" as const, id: "dep-dup", attributes: {} };
  // webMethods "Create new version" copies the name and the description (marker included).
  const version = wm.store.createApi({
    apiName: "stoa-dup",
    apiVersion: "2.0",
    apiDescription: ownedDescription(marker),
    type: "openapi",
    apiDefinition: openApiSpec("operator's v2"),
  });
  writesSince();
  const versioned = await sync(adapter, "route", [route({ name: "dup" })]);
  assert.deepEqual(actions(versioned.plan), ["dep-dup api stoa-dup unchanged"]);
  assert.deepEqual(writesSince(), [], "another version is not the agent's: nothing written");

  // A same-version copy carrying the marker: two candidates, the item fails, nothing is touched.
  const copy = wm.store.createApi({
    apiName: "stoa-dup-copy",
    apiVersion: "1.0",
    apiDescription: ownedDescription(marker),
    type: "openapi",
    apiDefinition: openApiSpec("operator's copy"),
  });
  writesSince();
  const { plan, results } = await sync(adapter, "route", [route({ name: "dup" })]);
  assert.equal(results.length, 1);
  assert.equal(results[0].status, "failed");
  assert.match(results[0].error!, /2 APIs carry the stoa-connect marker of deployment dep-dup/);
  assert.ok(results[0].error!.includes(`'stoa-dup' (id ${keeper.id}, version 1.0)`));
  assert.ok(results[0].error!.includes(`'stoa-dup-copy' (id ${copy.id}, version 1.0)`));
  assert.ok(!results[0].error!.includes(version.id), "the other version is not a candidate");
  assert.equal(plan.items[0].action, "update");
  assert.deepEqual(writesSince(), [], "no API deleted, deactivated or rewritten");

  // No longer desired: still no deletion while the deployment has several APIs.
  const removed = await sync(adapter, "route", []);
  assert.deepEqual(removed.results.map((r) => [r.id, r.action, r.status]), [
    ["dep-dup", "delete", "failed"],
  ]);
  assert.match(removed.results[0].error!, /never deletes a duplicate/);
  assert.deepEqual(writesSince(), []);
  assert.deepEqual(
    [keeper.id, copy.id, version.id].map((id) => wm.store.apis.has(id)),
    [true, true, true],
  );
  assert.equal(wm.store.api(version.id).apiDescription, ownedDescription(marker));
});

Deno.test("a redeployment reuses its API; an operator's other version is left alone", async () => {
  const { wm, adapter } = gateway();
  await sync(adapter, "route", [route({ name: "dup" })]);
  const keeper = apiNamed(wm.store.apis.values(), "stoa-dup");
  const marker = { kind: "deployment" as const, id: "dep-dup", attributes: {} };
  const version = wm.store.createApi({
    apiName: "stoa-dup",
    apiVersion: "1.1",
    apiDescription: ownedDescription(marker),
    type: "openapi",
    apiDefinition: openApiSpec("d"),
  });
  const redeployed = await sync(adapter, "route", [route({ name: "dup", id: "dep-dup-2" })]);
  assert.deepEqual(actions(redeployed.plan), ["dep-dup-2 api stoa-dup update"]);
  assert.deepEqual(redeployed.plan.items[0].changes[0], {
    field: "deployment",
    before: "dep-dup",
    after: "dep-dup-2",
  });
  assert.deepEqual([...wm.store.apis.keys()].sort(), [keeper.id, version.id].sort());
  assert.match(wm.store.api(keeper.id).apiDescription, /deployment=dep-dup-2/);
  assert.equal(wm.store.api(version.id).apiDescription, ownedDescription(marker));
});

Deno.test("P-28: a null spec means a REST definition; a 3.1 spec with every hygiene problem imports", async () => {
  const { wm, adapter } = gateway();
  const messy = {
    openapi: "3.1.0",
    info: { title: "Messy", version: "3" },
    externalDocs: { url: "https://docs" },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { Pet: { type: ["object", "null"] } },
    },
    paths: {
      "/pets": {
        get: {
          responses: {
            "200": {
              description: "ok",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Pet" } } },
            },
          },
        },
      },
    },
  };
  const { results } = await sync(adapter, "route", [
    route({ name: "plain", openapiSpec: null, methods: ["GET"] }),
    route({ name: "messy", openapiSpec: messy, specHash: "m1" }),
  ]);
  assert.deepEqual(outcomes(results), ["dep-plain applied", "dep-messy applied"]);
  const posts = wm.requests.filter((r) => r.method === "POST").map((r) =>
    r.body as Record<string, unknown>
  );
  assert.equal(posts[0].type, "openapi");
  assert.deepEqual(Object.keys((posts[0].apiDefinition as { paths: object }).paths), [
    "/apis/plain",
  ]);
  assert.notEqual(posts[0].apiDefinition, null, "never {apiDefinition: null} (P-28)");
  assert.equal((posts[1].apiDefinition as { openapi: string }).openapi, "3.0.3");
  const plain = apiNamed(wm.store.apis.values(), "stoa-plain");
  assert.deepEqual(plain.nativeEndpoint.map((e) => e.uri), ["http://plain.internal:8080"]);
});

Deno.test("concurrent batches stay isolated: each result list holds only its own routes", async () => {
  const { wm, adapter } = gateway({ latencyMs: 1 });
  wm.failNext(1, 500, undefined, {
    when: (r) => r.method === "POST" && (r.body as { apiName: string }).apiName === "stoa-b1",
  });
  const batches = await Promise.all([
    sync(adapter, "route", [route({ name: "a1" }), route({ name: "a2" })]),
    sync(adapter, "route", [route({ name: "b1" }), route({ name: "b2" })]),
  ]);
  assert.deepEqual(outcomes(batches[0].results), ["dep-a1 applied", "dep-a2 applied"]);
  assert.deepEqual(batches[1].results.map((r) => `${r.id} ${r.status}`), [
    "dep-b1 failed",
    "dep-b2 applied",
  ]);
});

for (const version of ["10.15", "11.0"] as const) {
  specTest({
    name: `route sync's requests and the answers it reads match the Swagger ${version} files`,
    requires: swaggerRequirements(),
    fn: async () => {
      const { adapter, exchanges } = gateway({ version });
      await sync(adapter, "route", [
        route({ name: "a" }),
        route({ name: "b", openapiSpec: openApiSpec("B", undefined, "3.1.0"), specHash: "1" }),
        route({ name: "c", activated: false }),
      ]);
      await sync(adapter, "route", [
        route({ name: "a", activated: false }),
        route({ name: "b", specHash: "2", openapiSpec: openApiSpec("B") }),
      ]);
      await sync(adapter, "route", []);
      assertExchangesMatch(exchanges, await loadContract(version));
    },
  });
}
