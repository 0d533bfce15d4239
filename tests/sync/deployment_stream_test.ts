import assert from "node:assert/strict";
import { DeploymentStream } from "../../src/sync/deployment_stream.ts";
import { RouteSync } from "../../src/sync/route_sync.ts";
import { AgentState } from "../../src/agent/state.ts";
import { FakeSyncAdapter } from "../fakes/fake_sync_adapter.ts";
import { controlPlane, INSTANCE, type TestControlPlane } from "./sync_support.ts";

const FAST = {
  backoff: { initialMs: 10, maxMs: 20, jitter: 0 },
  unregisteredPollMs: 5,
};

interface StreamTest {
  readonly t: TestControlPlane;
  readonly adapter: FakeSyncAdapter;
  readonly state: AgentState;
  readonly stream: DeploymentStream;
  /** Catch-ups run, in order. */
  readonly order: string[];
  /** Event types received. */
  readonly types: string[];
}

/**
 * A route sync and a deployment stream against the CP double on loopback, started; `registered`
 * (default true) gives the agent its gateway id first; `before` seeds the double.
 */
async function withStream(
  options: { registered?: boolean; before?: (t: TestControlPlane) => void },
  fn: (s: StreamTest) => Promise<void>,
): Promise<void> {
  const t = await controlPlane({ socket: true });
  const adapter = new FakeSyncAdapter();
  const state = new AgentState();
  if (options.registered ?? true) state.registered(t.gatewayId, undefined);
  options.before?.(t);
  const order: string[] = [];
  const types: string[] = [];
  const routes = new RouteSync({
    client: t.client,
    adapter: () => Promise.resolve(adapter),
    gatewayId: () => state.gatewayId,
    gatewayName: INSTANCE,
    acknowledge: t.acknowledge,
  });
  const stream = new DeploymentStream({
    client: t.client,
    gatewayId: () => state.gatewayId,
    onGatewayIdChange: (listener) => state.onGatewayIdChange(listener),
    catchUp: async () => {
      order.push("catch-up");
      await routes.run();
    },
    deploy: (data) => routes.handleEvent(data),
    onEventType: (type) => types.push(type),
    tuning: FAST,
  });
  stream.start();
  try {
    await fn({ t, adapter, state, stream, order, types });
  } finally {
    await stream.stop();
    await t.cp.stop();
  }
}

Deno.test("deployments arrive as events with the catalog-shaped state and are acked", () =>
  withStream({}, async ({ t, adapter, stream, types }) => {
    t.cp.setDeployMode("sse_only");
    await t.cp.waitFor(() => t.cp.streamsOpen === 1);
    const deployment = t.cp.addDeployment({
      gatewayId: t.gatewayId,
      apiName: "Weather",
      apiId: "weather",
      backendUrl: "http://weather.test",
    });
    await t.cp.waitFor(() => t.cp.deployments.byId(deployment.id)?.sync_status === "synced");
    const route = adapter.owned("route", deployment.id)!;
    assert.equal(route.name, "Weather");
    assert.equal(route.fields.pathPrefix, "/apis/weather");
    const ack = t.cp.requestsTo("route-sync-ack").at(-1)!.body as {
      synced_routes: { steps: { name: string }[] }[];
    };
    assert.deepEqual(ack.synced_routes[0].steps.map((s) => s.name), [
      "agent_received",
      "adapter_connected",
      "api_synced",
    ]);
    assert.deepEqual(types, ["sync-deployment"]);
    assert.equal(stream.status.state, "connected");
  }));

Deno.test("a full route pull runs before every connection, including reconnects", () => {
  let missed = "";
  return withStream({
    // A deployment made while the agent was away is only learnt by the catch-up pull.
    before: (t) => {
      missed = t.cp.addDeployment({
        gatewayId: t.gatewayId,
        apiName: "Missed",
        backendUrl: "http://m.test",
      }).id;
    },
  }, async ({ t, adapter, order }) => {
    const connects = () => t.cp.requestsTo("events").length;
    const log = () =>
      t.cp.requests.map((r) => r.endpoint).filter((e) => e === "routes" || e === "events");
    await t.cp.waitFor(() => t.cp.streamsOpen === 1);
    assert.ok(adapter.owned("route", missed), "caught up before connecting");
    assert.deepEqual(log(), ["routes", "events"]);

    t.cp.dropStreams(t.gatewayId);
    await t.cp.waitFor(() => connects() === 2 && t.cp.streamsOpen === 1);
    t.cp.dropStreams(t.gatewayId, { abort: true });
    await t.cp.waitFor(() => connects() === 3 && t.cp.streamsOpen === 1);
    assert.deepEqual(log(), ["routes", "events", "routes", "events", "routes", "events"]);
    assert.deepEqual(order, ["catch-up", "catch-up", "catch-up"]);
  });
});

Deno.test("the stream reconnects with the new gateway id when registration changes it", () =>
  withStream({}, async ({ t, adapter, state }) => {
    await t.cp.waitFor(() => t.cp.streamsOpen === 1);
    const other = t.cp.addGateway({ name: "edge-01-connect-production-2", hostname: INSTANCE });
    state.registered(other.id, other.name);
    await t.cp.waitFor(() =>
      t.cp.requestsTo("events").some((r) => r.path.includes(other.id)) && t.cp.streamsOpen === 1
    );
    const paths = t.cp.requestsTo("events").map((r) => r.path);
    assert.ok(paths[0].includes(t.gatewayId));
    assert.ok(paths.at(-1)!.includes(other.id));
    // Events for the new id reach the agent.
    t.cp.setDeployMode("dual");
    const deployment = t.cp.addDeployment({
      gatewayId: other.id,
      apiName: "New",
      backendUrl: "http://n.test",
    });
    await t.cp.waitFor(() => adapter.owned("route", deployment.id) !== undefined);
  }));

Deno.test("event types other than sync-deployment are logged and dropped", () =>
  withStream({}, async ({ t, adapter, types }) => {
    await t.cp.waitFor(() => t.cp.streamsOpen === 1);
    t.cp.pushEvent(t.gatewayId, "undeploy", { deployment_id: "x" });
    t.cp.pushEvent(t.gatewayId, "sync-policy", { policy_id: "y" });
    t.cp.pushEvent(t.gatewayId, "sync-deployment", "{broken");
    await t.cp.waitFor(() => types.length === 3);
    assert.deepEqual(types, ["undeploy", "sync-policy", "sync-deployment"]);
    assert.equal(adapter.writes.length, 0);
    assert.equal(t.cp.streamsOpen, 1, "still connected");
  }));

Deno.test("the stream waits while there is no gateway id to connect with", () =>
  withStream({ registered: false }, async ({ t, state, order }) => {
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(t.cp.requestsTo("events").length, 0);
    assert.deepEqual(order, []);
    state.registered(t.gatewayId, undefined);
    await t.cp.waitFor(() => t.cp.streamsOpen === 1);
  }));
