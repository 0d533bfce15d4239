import assert from "node:assert/strict";
import { readRoutes, RouteSync } from "../../src/sync/route_sync.ts";
import type { RouteSyncStep } from "../../src/control_plane/schemas.ts";
import { FakeSyncAdapter } from "../fakes/fake_sync_adapter.ts";
import { controlPlane, INSTANCE, type TestControlPlane } from "./sync_support.ts";

interface AckItem {
  deployment_id: string;
  status: string;
  error?: string | null;
  generation?: number;
  steps: RouteSyncStep[];
}

function routeAcks(t: TestControlPlane): AckItem[] {
  return t.cp.requestsTo("route-sync-ack").flatMap((request) =>
    (request.body as { synced_routes: AckItem[] }).synced_routes
  );
}

function sync(t: TestControlPlane, adapter: FakeSyncAdapter): RouteSync {
  return new RouteSync({
    client: t.client,
    adapter: () => Promise.resolve(adapter),
    gatewayId: () => t.gatewayId,
    gatewayName: INSTANCE,
    acknowledge: t.acknowledge,
  });
}

const SECOND = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** The `sync-deployment` data the CP publishes for a deployment (contract §9). */
function eventData(t: TestControlPlane, deploymentId: string): string {
  const row = t.cp.deployments.byId(deploymentId)!;
  return JSON.stringify({
    deployment_id: row.id,
    api_catalog_id: row.api_catalog_id,
    gateway_instance_id: row.gateway_instance_id,
    sync_status: row.sync_status,
    desired_state: row.desired_state,
  });
}

Deno.test("deployed routes are applied and acked with three steps and their generation", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  const orders = t.cp.addDeployment({
    gatewayId: t.gatewayId,
    apiName: "Orders",
    backendUrl: "http://orders.test",
  });
  t.cp.forceSync(orders.id); // generation 2
  const outcome = await sync(t, adapter).run();
  assert.equal(outcome.status, "ok");
  const route = adapter.owned("route", orders.id)!;
  assert.equal(route.fields.pathPrefix, "/apis/orders");
  const [ack] = routeAcks(t);
  assert.equal(ack.deployment_id, orders.id);
  assert.equal(ack.status, "applied");
  assert.equal(ack.generation, 2);
  assert.deepEqual(ack.steps.map((s) => [s.name, s.status]), [
    ["agent_received", "success"],
    ["adapter_connected", "success"],
    ["api_synced", "success"],
  ]);
  for (const step of ack.steps) {
    assert.match(step.started_at, SECOND);
    assert.match(step.completed_at!, SECOND);
  }
  const row = t.cp.deployments.byId(orders.id)!;
  assert.equal(row.sync_status, "synced");
  assert.equal(row.synced_generation, 2);
});

Deno.test("a failing route is acked failed with its error; the others are applied", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  const [a, b, c] = ["A", "B", "C"].map((name) =>
    t.cp.addDeployment({ gatewayId: t.gatewayId, apiName: name, backendUrl: "http://x.test" })
  );
  adapter.failItem(b.id, "kong route create failed (409): path already taken");
  await sync(t, adapter).run();
  const acks = new Map(routeAcks(t).map((ack) => [ack.deployment_id, ack]));
  assert.equal(acks.get(a.id)?.status, "applied");
  assert.equal(acks.get(c.id)?.status, "applied");
  const failed = acks.get(b.id)!;
  assert.equal(failed.status, "failed");
  assert.equal(failed.error, "kong route create failed (409): path already taken");
  assert.deepEqual(failed.steps.map((s) => [s.name, s.status]), [
    ["agent_received", "success"],
    ["adapter_connected", "success"],
    ["api_synced", "failed"],
  ]);
  assert.equal(failed.steps[2].detail, "kong route create failed (409): path already taken");
  assert.equal(t.cp.deployments.byId(b.id)?.sync_status, "error");
  assert.equal(t.cp.deployments.byId(a.id)?.sync_status, "synced");
});

Deno.test("an invalid route with a deployment id is acked failed and never written", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  const bad = t.cp.addDeployment({
    gatewayId: t.gatewayId,
    apiName: "Bad",
    backendUrl: "not a url",
  });
  const good = t.cp.addDeployment({
    gatewayId: t.gatewayId,
    apiName: "Good",
    backendUrl: "http://good.test",
  });
  await sync(t, adapter).run();
  const acks = new Map(routeAcks(t).map((ack) => [ack.deployment_id, ack]));
  assert.equal(acks.get(bad.id)?.status, "failed");
  assert.match(
    acks.get(bad.id)!.error!,
    /invalid route from the Control Plane: backend_url is not a URL/,
  );
  assert.equal(acks.get(bad.id)?.generation, 1);
  assert.deepEqual(acks.get(bad.id)!.steps.map((s) => s.status), ["success", "skipped", "failed"]);
  assert.equal(acks.get(good.id)?.status, "applied");
  assert.deepEqual(adapter.writes.map((w) => w.id), [good.id]);

  const read = readRoutes([{ name: "no deployment id" }, { deployment_id: "d", name: "" }]);
  assert.deepEqual(read.desired, []);
  assert.deepEqual(read.invalid.map((i) => i.id), ["d"]);
});

Deno.test("an unchanged cycle writes nothing and sends no ack; a new generation is acked", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  const d = t.cp.addDeployment({
    gatewayId: t.gatewayId,
    apiName: "A",
    backendUrl: "http://a.test",
  });
  const routes = sync(t, adapter);
  await routes.run();
  const acksAfterFirst = t.cp.requestsTo("route-sync-ack").length;
  const writesAfterFirst = adapter.writes.length;

  const quiet = await routes.run();
  assert.deepEqual(quiet.results?.map((r) => r.status), ["unchanged"]);
  assert.equal(adapter.writes.length, writesAfterFirst);
  assert.equal(t.cp.requestsTo("route-sync-ack").length, acksAfterFirst);

  // Force-sync: same desired state, new generation, so the CP waits for an ack.
  t.cp.forceSync(d.id);
  await routes.run();
  assert.equal(adapter.writes.length, writesAfterFirst, "the route itself did not change");
  const last = routeAcks(t).at(-1)!;
  assert.equal(last.generation, 2);
  assert.equal(last.status, "applied");
  assert.equal(last.steps[2].detail, "already up to date on the gateway");
  assert.equal(t.cp.deployments.byId(d.id)?.synced_generation, 2);
});

Deno.test("an empty route list removes the owned routes once the next cycle confirms it", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  adapter.seed({ kind: "route", id: "someone-else", name: "legacy", fields: {}, owned: false });
  const ids = ["A", "B"].map((name) =>
    t.cp.addDeployment({ gatewayId: t.gatewayId, apiName: name, backendUrl: "http://x.test" }).id
  );
  const routes = sync(t, adapter);
  await routes.run();
  for (const id of ids) t.cp.undeploy(id);

  const held = await routes.run();
  assert.equal(held.status, "held");
  assert.deepEqual(held.results?.map((r) => r.status), ["held", "held"]);
  assert.equal(adapter.objects("route").length, 3);

  const confirmed = await routes.run();
  assert.equal(confirmed.status, "ok");
  assert.deepEqual(adapter.objects("route").map((o) => o.id), ["someone-else"]);
});

Deno.test("a sync-deployment event with the catalog-shaped desired state is applied and acked", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  const existing = t.cp.addDeployment({
    gatewayId: t.gatewayId,
    apiName: "Existing",
    backendUrl: "http://e.test",
  });
  const routes = sync(t, adapter);
  await routes.run();
  t.cp.clearRequests();

  const deployment = t.cp.addDeployment({
    gatewayId: t.gatewayId,
    apiName: "Payments API",
    apiId: "payments",
    backendUrl: "http://payments.test",
    openapiSpec: { openapi: "3.0.0", paths: { "/pay": { post: {} } } },
  });
  const outcome = await routes.handleEvent(eventData(t, deployment.id));
  assert.equal(outcome?.ack.status, "applied");
  const route = adapter.owned("route", deployment.id)!;
  assert.equal(route.name, "Payments API");
  assert.equal(route.fields.pathPrefix, "/apis/payments");
  assert.equal(route.fields.backendUrl, "http://payments.test");
  assert.deepEqual(route.fields.methods, ["POST"]);
  const desired = adapter.lastDesired.route as { id: string; catalogId: string }[];
  assert.equal(desired.find((r) => r.id === deployment.id)?.catalogId, deployment.api_catalog_id);
  assert.ok(adapter.owned("route", existing.id), "an event deletes nothing");
  const [ack] = routeAcks(t);
  assert.equal(ack.deployment_id, deployment.id);
  assert.deepEqual(ack.steps.map((s) => [s.name, s.status]), [
    ["agent_received", "success"],
    ["adapter_connected", "success"],
    ["api_synced", "success"],
  ]);
  assert.equal(t.cp.deployments.byId(deployment.id)?.sync_status, "synced");
  assert.equal(routes.lastEvent?.deploymentId, deployment.id);
});

Deno.test("an event whose desired state makes no route is acked failed; junk is dropped", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  const routes = sync(t, adapter);
  const deployment = t.cp.addDeployment({
    gatewayId: t.gatewayId,
    apiName: "NoBackend",
    desiredState: { api_name: "NoBackend", api_id: "nb", tenant_id: "t" },
  });
  const outcome = await routes.handleEvent(eventData(t, deployment.id));
  assert.equal(outcome?.ack.status, "failed");
  assert.match(outcome!.ack.error!, /^decode desired_state: backend_url/);
  assert.equal(routeAcks(t).length, 1);
  assert.equal(adapter.writes.length, 0);

  assert.equal(await routes.handleEvent("{not json"), undefined);
  assert.equal(await routes.handleEvent(JSON.stringify({ sync_status: "pending" })), undefined);
  assert.equal(routeAcks(t).length, 1, "nothing to acknowledge without a deployment id");
});

Deno.test("a gateway that cannot be reached fails the event's adapter step", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  adapter.planError = new Error("GET http://kong:8001/routes failed: connection refused");
  const deployment = t.cp.addDeployment({
    gatewayId: t.gatewayId,
    apiName: "A",
    backendUrl: "http://a.test",
  });
  const outcome = await sync(t, adapter).handleEvent(eventData(t, deployment.id));
  assert.equal(outcome?.ack.status, "failed");
  assert.deepEqual(outcome!.ack.steps!.map((s) => s.status), ["success", "failed", "skipped"]);
  assert.match(outcome!.ack.error!, /connection refused/);
  // A pending deployment the agent could not apply is in error on the CP.
  assert.equal(t.cp.deployments.byId(deployment.id)?.sync_status, "error");
});

Deno.test("a dry run pulls and plans but writes nothing and acks nothing", async () => {
  const t = await controlPlane();
  const adapter = new FakeSyncAdapter();
  t.cp.addDeployment({ gatewayId: t.gatewayId, apiName: "A", backendUrl: "http://a.test" });
  const outcome = await sync(t, adapter).run({ dryRun: true });
  assert.deepEqual(outcome.plan?.items.map((i) => i.action), ["create"]);
  assert.equal(adapter.applyCalls, 0);
  assert.equal(t.cp.requestsTo("route-sync-ack").length, 0);
});

/** Deployment ids of the route-sync-ack requests the double accepted, in order. */
function deliveredIds(t: TestControlPlane): string[] {
  return t.cp.requestsTo("route-sync-ack").filter((r) => r.status === 200).flatMap((r) =>
    (r.body as { synced_routes: AckItem[] }).synced_routes.map((item) => item.deployment_id)
  );
}

function deploy(t: TestControlPlane, count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    t.cp.addDeployment({
      gatewayId: t.gatewayId,
      apiName: `Api${i}`,
      backendUrl: `http://api-${i}.test`,
    }).id);
}

Deno.test("450 route acks are delivered in 3 requests", async () => {
  const t = await controlPlane();
  const ids = deploy(t, 450);
  const outcome = await sync(t, new FakeSyncAdapter()).run();
  assert.equal(outcome.status, "ok");
  const requests = t.cp.requestsTo("route-sync-ack");
  assert.deepEqual(
    requests.map((r) => [r.status, (r.body as { synced_routes: unknown[] }).synced_routes.length]),
    [[200, 200], [200, 200], [200, 50]],
  );
  assert.deepEqual(deliveredIds(t).toSorted(), ids.toSorted());
  assert.ok(ids.every((id) => t.cp.deployments.byId(id)?.sync_status === "synced"));
  assert.equal(t.outbox.size, 0);
});

Deno.test("a 413 on a big chunk is split in halves and every ack still arrives exactly once", async () => {
  const t = await controlPlane();
  const ids = deploy(t, 450);
  t.cp.failNext({
    status: 413,
    path: "/route-sync-ack",
    body: "<html><body><h1>413 Request Entity Too Large</h1></body></html>",
  });
  const outcome = await sync(t, new FakeSyncAdapter()).run();
  assert.equal(outcome.status, "ok");
  assert.deepEqual(
    t.cp.requestsTo("route-sync-ack").map((r) => [
      r.status,
      (r.body as { synced_routes: unknown[] }).synced_routes.length,
    ]),
    [[413, 200], [200, 100], [200, 100], [200, 200], [200, 50]],
  );
  const delivered = deliveredIds(t);
  assert.equal(delivered.length, 450, "each ack exactly once");
  assert.deepEqual(delivered.toSorted(), ids.toSorted());
  assert.ok(ids.every((id) => t.cp.deployments.byId(id)?.sync_status === "synced"));
  assert.equal(t.outbox.size, 0);
});

Deno.test("an ack refused on its own is dropped alone, and the next cycle sends it again", async () => {
  const t = await controlPlane();
  const [a, b, c] = deploy(t, 3);
  // [a b c] → 422, [a b] → 422, [a] → 422 (dropped), then [b] and [c] go through.
  t.cp.failNext({ status: 422, path: "/route-sync-ack", count: 3 });
  const routes = sync(t, new FakeSyncAdapter());
  await routes.run();
  assert.deepEqual(deliveredIds(t), [b, c]);
  assert.equal(t.outbox.size, 0, "the refused ack is dropped, not kept");
  assert.notEqual(t.cp.deployments.byId(a)?.sync_status, "synced");

  t.cp.clearRequests();
  await routes.run();
  assert.deepEqual(deliveredIds(t), [a], "only the dropped ack is sent again");
  assert.equal(t.cp.deployments.byId(a)?.sync_status, "synced");

  t.cp.clearRequests();
  await routes.run();
  assert.deepEqual(t.cp.requestsTo("route-sync-ack"), [], "then nothing new to say");
});
