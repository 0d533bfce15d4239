/**
 * Discovery of webMethods APIs: list shapes, paging, definitions, policies, failures, and the
 * requests and answers against the Swagger files.
 *
 * @module
 */

import assert from "node:assert/strict";
import { GatewayHttpError } from "../../../src/gateways/admin_http.ts";
import { toDiscoveredApi } from "../../../src/gateways/webmethods/webmethods_discovery.ts";
import { API_PAGE_SIZE } from "../../../src/gateways/webmethods/webmethods_inventory.ts";
import { loadContract, swaggerRequirements } from "../../fakes/webmethods_emulator_specs.ts";
import { specTest } from "../../support/specs.ts";
import { assertExchangesMatch, gateway } from "./webmethods_harness.ts";

const REALISTIC = [
  {
    name: "Petstore",
    version: "1.0",
    backend_url: "https://petstore.swagger.io/v2",
    paths: ["/pet", "/pet/{petId}", "/store/inventory"],
    methods: ["POST", "PUT", "GET", "DELETE"],
    policies: ["entryProtocolPolicy", "straightThroughRouting", "evaluatePolicy", "throttle"],
    is_active: true,
  },
  {
    name: "ChuckNorris",
    version: "1.0",
    backend_url: "https://api.chucknorris.io/jokes",
    paths: ["/random"],
    methods: ["GET"],
    policies: ["entryProtocolPolicy", "straightThroughRouting"],
    is_active: false,
  },
  {
    name: "Orders",
    version: "1.0",
    backend_url: "http://orders.internal:8080/v1",
    paths: ["/orders", "/orders/{id}"],
    methods: ["GET"],
    policies: ["entryProtocolPolicy", "straightThroughRouting"],
    is_active: true,
  },
  {
    name: "Orders",
    version: "2.0",
    backend_url: "http://orders.internal:8080/v2",
    paths: ["/orders", "/orders/{id}"],
    methods: ["GET"],
    policies: ["entryProtocolPolicy", "straightThroughRouting", "cors"],
    is_active: true,
  },
];

Deno.test("discovery maps every API: versions, backend, paths, methods, policies, state", async () => {
  const { wm, adapter } = gateway();
  wm.realisticSeed();
  const apis = await adapter.discover();
  assert.deepEqual(
    apis.map((api) => ({ ...api, methods: [...api.methods].sort() })),
    REALISTIC.map((api) => ({ ...api, methods: [...api.methods].sort() })),
  );
  // One list page, one detail per API, one batch of policies, one batch of actions.
  assert.equal(adapter.calls, 1 + 4 + 1 + 1);
  assert.equal(wm.writes, 0);
});

Deno.test("nested and flat list entries and API details give the same inventory", async () => {
  const shapes = [
    { listShape: "nested", detailShape: "nested" },
    { listShape: "flat", detailShape: "flat" },
    { listShape: "flat", detailShape: "nested" },
    { listShape: "nested", detailShape: "flat" },
  ] as const;
  for (const shape of shapes) {
    const { wm, adapter } = gateway(shape);
    wm.realisticSeed();
    const apis = await adapter.discover();
    assert.deepEqual(apis.map((api) => `${api.name} ${api.version} ${api.backend_url}`), [
      "Petstore 1.0 https://petstore.swagger.io/v2",
      "ChuckNorris 1.0 https://api.chucknorris.io/jokes",
      "Orders 1.0 http://orders.internal:8080/v1",
      "Orders 2.0 http://orders.internal:8080/v2",
    ], JSON.stringify(shape));
  }
});

Deno.test("discovery reads every page with from/size, and copes with a gateway that ignores them", async () => {
  const total = API_PAGE_SIZE * 2 + 1;
  const paged = gateway();
  paged.wm.seed({ apis: total, corsEvery: 0 });
  const apis = await paged.adapter.discover();
  assert.equal(apis.length, total);
  assert.equal(new Set(apis.map((api) => api.name)).size, total);
  const lists = paged.wm.requests.filter((r) => r.path === "/rest/apigateway/apis");
  assert.deepEqual(lists.map((r) => r.query), [
    { from: "0", size: String(API_PAGE_SIZE) },
    { from: String(API_PAGE_SIZE), size: String(API_PAGE_SIZE) },
    { from: String(API_PAGE_SIZE * 2), size: String(API_PAGE_SIZE) },
  ]);

  const careless = gateway({ ignorePaging: true });
  careless.wm.seed({ apis: API_PAGE_SIZE + 3, corsEvery: 0 });
  const all = await careless.adapter.discover();
  assert.equal(all.length, API_PAGE_SIZE + 3);
  assert.equal(careless.wm.requests.filter((r) => r.path === "/rest/apigateway/apis").length, 2);
});

Deno.test("disabled resources are not discovered; the older resources[] model is read too", () => {
  const summary = { id: "a1", apiName: "legacy", apiVersion: "1" };
  const discovered = toDiscoveredApi(summary, {
    id: "a1",
    apiName: "legacy",
    isActive: true,
    apiDefinition: {
      paths: {
        "/on": { get: { enabled: true }, post: { enabled: false }, enabled: true },
        "/off": { enabled: false, get: {} },
        "/none": { parameters: [] },
      },
    },
    resources: [{ resourcePath: "/old", methods: ["get", "DELETE"] }],
    nativeEndpoint: [{ uri: null }, { uri: "http://legacy.internal" }],
  }, ["cors", "cors"]);
  assert.deepEqual(discovered, {
    name: "legacy",
    version: "1",
    backend_url: "http://legacy.internal",
    paths: ["/on", "/old"],
    methods: ["GET", "DELETE"],
    policies: ["cors"],
    is_active: true,
  });
});

Deno.test("an API deleted while discovery runs is left out", async () => {
  const { wm, adapter } = gateway();
  const [first] = wm.seed({ apis: 3 });
  wm.failNext(1, 404, { errorDetails: ` Unable to find the resource: ${first.id}` }, {
    when: (r) => r.path === `/rest/apigateway/apis/${first.id}`,
  });
  assert.deepEqual((await adapter.discover()).map((api) => api.name), ["api-00001", "api-00002"]);
});

Deno.test("any other failure fails the discovery with the call and the gateway's message", async () => {
  const { wm, adapter } = gateway();
  const [first] = wm.seed({ apis: 2 });
  wm.failNext(1, 500, { errorDetails: " Elasticsearch is not reachable" }, {
    when: (r) => r.path === `/rest/apigateway/apis/${first.id}`,
  });
  await assert.rejects(adapter.discover(), (error: unknown) => {
    assert.ok(error instanceof GatewayHttpError);
    assert.equal(error.status, 500);
    assert.match(
      error.message,
      /failed on GET http:\/\/wm\.test:5555\/rest\/apigateway\/apis\/[\w-]+ \(500\): Elasticsearch is not reachable/,
    );
    return true;
  });
  wm.failNext(1, 200, { unexpected: true }, { when: (r) => r.path === "/rest/apigateway/apis" });
  await assert.rejects(adapter.discover(), /not a list of APIs/);
});

for (const version of ["10.15", "11.0"] as const) {
  specTest({
    name: `discovery's requests and the answers it reads match the Swagger ${version} files`,
    requires: swaggerRequirements(),
    fn: async () => {
      const { wm, adapter, exchanges } = gateway({ version });
      wm.realisticSeed();
      wm.seed({ apis: 5 });
      await adapter.probe();
      await adapter.discover();
      assertExchangesMatch(exchanges, await loadContract(version));
    },
  });
}
