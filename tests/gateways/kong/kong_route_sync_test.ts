/**
 * Deployed routes on a Kong with a database, against the emulator: one service and one route per
 * deployment, updated in place, removed when no longer desired, never touching other objects.
 *
 * @module
 */

import assert from "node:assert/strict";
import { upstreamTarget } from "../../../src/gateways/kong/kong_routes.ts";
import { call, type Json } from "../../fakes/kong_emulator_contract.ts";
import {
  actions,
  adapterFor,
  route,
  seededKong,
  statuses,
  writesDuring,
} from "./kong_sync_fixtures.ts";

const ORDERS = route({
  id: "0b7c1e2a-1111-4222-8333-444455556666",
  name: "orders",
  backendUrl: "https://orders.internal:8443/v2",
  generation: 4,
});
const USERS = route({
  id: "9f8e7d6c-5b4a-4321-8fed-cba987654321",
  name: "users api",
  pathPrefix: "/apis/users",
  backendUrl: "http://users.internal:9000",
});

Deno.test("a deployment becomes a tagged service and route, named after the API and its id", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  const plan = await adapter.planRoutes([ORDERS, USERS]);
  assert.deepEqual(actions(plan), [
    [ORDERS.id, "create", "service stoa-orders-0b7c1e2a"],
    [USERS.id, "create", "service stoa-users-api-9f8e7d6c"],
  ]);
  assert.equal(plan.items[0].generation, 4);
  const results = await adapter.apply(plan);
  assert.deepEqual(statuses(results), [[ORDERS.id, "applied"], [USERS.id, "applied"]]);
  assert.equal(results[0].generation, 4, "generation echoed");
  const service = kong.store().find("services", "stoa-orders-0b7c1e2a")!;
  assert.deepEqual(
    [service.protocol, service.host, service.port, service.path, service.enabled],
    ["https", "orders.internal", 8443, "/v2", true],
  );
  assert.deepEqual(service.tags, ["stoa-managed", `stoa-deployment:${ORDERS.id}`]);
  const kongRoute = kong.store().find("routes", "stoa-orders-0b7c1e2a")!;
  assert.deepEqual(kongRoute.paths, ["/apis/orders"]);
  assert.deepEqual(kongRoute.methods, ["GET", "POST"]);
  assert.deepEqual(kongRoute.service, { id: service.id });
  assert.equal(kongRoute.strip_path, true);
  const sent = kong.requests.filter((request) => request.method === "PUT");
  assert.ok(sent.every((request) => !("url" in (request.body as Json))), "host, not url");
});

Deno.test("unchanged deployments write nothing; a change updates in place", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  await adapter.apply(await adapter.planRoutes([ORDERS, USERS]));
  const writes = await writesDuring(kong, async () => {
    const plan = await adapter.planRoutes([ORDERS, USERS]);
    assert.deepEqual(plan.items.map((item) => item.action), ["unchanged", "unchanged"]);
    await adapter.apply(plan);
  });
  assert.equal(writes, 0);
  const before = kong.store().find("services", "stoa-orders-0b7c1e2a")!;
  const changed = {
    ...ORDERS,
    backendUrl: "http://orders-v3.internal",
    methods: ["GET"],
    generation: 5,
  };
  const plan = await adapter.planRoutes([changed, USERS]);
  assert.deepEqual(plan.items[0].changes, [
    { field: "service.protocol", before: "https", after: "http" },
    { field: "service.host", before: "orders.internal", after: "orders-v3.internal" },
    { field: "service.port", before: 8443, after: 80 },
    { field: "service.path", before: "/v2", after: null },
    { field: "route.methods", before: ["GET", "POST"], after: ["GET"] },
  ]);
  assert.deepEqual(statuses(await adapter.apply(plan)), [
    [ORDERS.id, "applied"],
    [USERS.id, "unchanged"],
  ]);
  const after = kong.store().find("services", "stoa-orders-0b7c1e2a")!;
  assert.equal(after.id, before.id, "same service");
  assert.equal(after.host, "orders-v3.internal");
});

Deno.test("activated false keeps the API but disables its service", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  await adapter.apply(await adapter.planRoutes([ORDERS]));
  const plan = await adapter.planRoutes([{ ...ORDERS, activated: false }]);
  assert.deepEqual(plan.items[0].changes, [
    { field: "service.enabled", before: true, after: false },
  ]);
  await adapter.apply(plan);
  assert.equal(kong.store().find("services", "stoa-orders-0b7c1e2a")!.enabled, false);
  assert.ok(kong.store().find("routes", "stoa-orders-0b7c1e2a"), "the route stays");
});

Deno.test("deployments no longer desired are removed, route first; nothing else is touched", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  await adapter.apply(await adapter.planRoutes([ORDERS, USERS]));
  const foreign = {
    services: kong.store().count("services") - 2,
    routes: kong.store().count("routes") - 2,
  };
  const plan = await adapter.planRoutes([USERS]);
  assert.deepEqual(actions(plan), [
    [USERS.id, "unchanged", "service stoa-users-api-9f8e7d6c"],
    [ORDERS.id, "delete", "service stoa-orders-0b7c1e2a"],
  ]);
  assert.deepEqual(plan.items[1].changes, [
    { field: "route.paths", before: ["/apis/orders"] },
    { field: "service.url", before: "https://orders.internal:8443/v2" },
  ]);
  const deleting = kong.requests.length;
  assert.deepEqual(statuses(await adapter.apply(plan)), [
    [USERS.id, "unchanged"],
    [ORDERS.id, "removed"],
  ]);
  assert.deepEqual(
    kong.requests.slice(deleting).filter((r) => r.method === "DELETE").map((r) =>
      r.path.split("/")[1]
    ),
    ["routes", "services"],
  );
  assert.equal(kong.store().count("services"), foreign.services + 1);
  assert.equal(kong.store().count("routes"), foreign.routes + 1);
  // An empty list is authoritative: the last owned deployment goes too.
  const empty = await adapter.planRoutes([]);
  assert.deepEqual(empty.items.map((item) => item.action), ["delete"]);
  await adapter.apply(empty);
  assert.equal(kong.store().count("services"), foreign.services);
});

Deno.test("backend URLs Kong cannot hold, bad paths and duplicates fail the item only", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  const plan = await adapter.planRoutes([
    { ...ORDERS, backendUrl: "https://user:pw@orders.internal/v2" },
    { ...USERS, pathPrefix: "apis/users" },
    route({ id: "c3", name: "query", backendUrl: "http://q.internal/api?x=1" }),
    route({ id: "c4", name: "ftp", backendUrl: "ftp://files.internal" }),
    route({ id: "c5", name: "ok" }),
    route({ id: "c5", name: "ok" }),
  ]);
  assert.deepEqual(plan.items.map((item) => item.error), [
    "backend_url carries user:password, which a Kong service cannot hold; authenticate to the backend with a plugin instead",
    "path_prefix 'apis/users' must start with /",
    "backend_url 'http://q.internal/api…' has a query string or fragment, which a Kong service cannot carry",
    "backend_url 'ftp://files.internal' must start with http:// or https://",
    undefined,
    "deployment c5 is listed twice",
  ]);
  const results = await adapter.apply(plan);
  assert.deepEqual(results.map((r) => r.status), [
    "failed",
    "failed",
    "failed",
    "failed",
    "applied",
    "failed",
  ]);
  assert.equal(kong.writes, 2, "only the valid item wrote (service and route)");
});

Deno.test("Kong's refusals are per item: a foreign route on an owned service, a name taken", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  await adapter.apply(await adapter.planRoutes([ORDERS]));
  // Someone hangs their own route on the agent's service, and takes the next API's name.
  await call(kong, "POST", "/services/stoa-orders-0b7c1e2a/routes", {
    name: "hand-made",
    paths: ["/hand"],
  });
  await call(kong, "POST", "/services", { name: "stoa-users-api-9f8e7d6c", host: "squatter" });
  const plan = await adapter.planRoutes([USERS]);
  const results = await adapter.apply(plan);
  assert.deepEqual(results.map((r) => [r.id, r.status]), [
    [USERS.id, "failed"],
    [ORDERS.id, "failed"],
  ]);
  assert.match(
    results[0].error!,
    /^cannot create service stoa-users-api-9f8e7d6c: Kong already has an object with the same unique value that stoa-connect does not own \(UNIQUE violation detected on '\{name="stoa-users-api-9f8e7d6c"\}'\); rename or remove that object in Kong$/,
  );
  assert.equal(
    results[1].error,
    "cannot delete service stoa-orders-0b7c1e2a: Kong refused it (an existing 'routes' entity references this 'services' entity)",
  );
  assert.ok(kong.store().find("routes", "hand-made"), "the foreign route is untouched");
  assert.equal(kong.store().find("services", "stoa-users-api-9f8e7d6c")!.host, "squatter");
});

Deno.test("upstreamTarget splits backend URLs into Kong's service fields", () => {
  const cases: [string, unknown][] = [
    ["http://orders.internal", { protocol: "http", host: "orders.internal", port: 80, path: null }],
    ["https://orders.internal/", {
      protocol: "https",
      host: "orders.internal",
      port: 443,
      path: "/",
    }],
    ["http://10.0.0.5:8080/api/v1", {
      protocol: "http",
      host: "10.0.0.5",
      port: 8080,
      path: "/api/v1",
    }],
    ["http://[::1]:9000", { protocol: "http", host: "::1", port: 9000, path: null }],
    ["not a url", { error: "backend_url 'not a url' is not a URL" }],
  ];
  for (const [url, expected] of cases) assert.deepEqual(upstreamTarget(url), expected, url);
});
