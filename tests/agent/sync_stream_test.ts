import assert from "node:assert/strict";
import { FakeSyncAdapter } from "../fakes/fake_sync_adapter.ts";
import { startAgent } from "./sync_support.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

Deno.test("with the event stream, deployments are applied from events and acked with steps", async () => {
  const t = await startAgent({
    socket: true,
    env: { STOA_SSE_ENABLED: "true", STOA_ROUTE_SYNC_INTERVAL: "50ms" },
  });
  const adapter = t.adapter as FakeSyncAdapter;
  try {
    t.cp.setDeployMode("sse_only");
    await t.cp.waitFor(() => t.cp.streamsOpen === 1);
    const gatewayId = t.agent.state.gatewayId!;
    const pulls = t.cp.requestsTo("routes").length;
    assert.equal(pulls, 1, "one catch-up pull before connecting");

    const deployment = t.cp.addDeployment({
      gatewayId,
      apiName: "Weather API",
      apiId: "weather",
      backendUrl: "http://weather.test",
    });
    await t.cp.waitFor(() => t.cp.deployments.byId(deployment.id)?.sync_status === "synced");
    const route = adapter.owned("route", deployment.id)!;
    assert.equal(route.name, "Weather API");
    assert.equal(route.fields.pathPrefix, "/apis/weather");
    const steps = t.cp.deployments.byId(deployment.id)!.sync_steps.map((s) => s.name);
    assert.deepEqual(steps, ["event_emitted", "agent_received", "adapter_connected", "api_synced"]);

    // No polling while the stream is up, even with a 50 ms route interval.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(t.cp.requestsTo("routes").length, pulls);

    const status = t.agent.status() as Json;
    assert.equal(status.sync.routes.mode, "events");
    assert.equal(status.sync.event_stream.state, "connected");
    assert.equal(status.sync.routes.last_event.deployment_id, deployment.id);
    assert.equal(status.sync.routes.last_event.status, "applied");
    const metrics = (await t.agent.metrics.expose()).body;
    assert.match(metrics, /stoa_connect_event_stream_connected 1/);
    assert.match(metrics, /stoa_connect_event_stream_events_total\{type="sync-deployment"\} 1/);
  } finally {
    await t.stop();
  }
});

Deno.test("every reconnect pulls /routes first; deletes it holds are confirmed one interval later", async () => {
  const t = await startAgent({
    socket: true,
    env: { STOA_SSE_ENABLED: "true", STOA_ROUTE_SYNC_INTERVAL: "100ms" },
  });
  const adapter = t.adapter as FakeSyncAdapter;
  try {
    await t.cp.waitFor(() => t.cp.streamsOpen === 1);
    const gatewayId = t.agent.state.gatewayId!;
    const ids = ["A", "B"].map((name) =>
      t.cp.addDeployment({ gatewayId, apiName: name, backendUrl: "http://x.test" }).id
    );
    // Legacy mode: these deployments made no event; the next reconnect's pull finds them.
    t.cp.dropStreams(gatewayId);
    await t.cp.waitFor(() => ids.every((id) => adapter.owned("route", id) !== undefined));
    await t.cp.waitFor(() => t.cp.streamsOpen === 1);
    const sequence = t.cp.requests.map((r) => r.endpoint).filter((e) =>
      e === "routes" || e === "events"
    );
    assert.deepEqual(sequence, ["routes", "events", "routes", "events"]);

    // Both undeployed: the next catch-up would delete everything, so it holds...
    for (const id of ids) t.cp.undeploy(id);
    t.cp.dropStreams(gatewayId, { abort: true });
    await t.cp.waitFor(() => (t.agent.status() as Json).sync.routes.status === "held");
    assert.equal(adapter.objects("route").length, 2);
    // ...and a pull one route interval later confirms it, without waiting for a reconnect.
    await t.cp.waitFor(() => adapter.objects("route").length === 0);
    assert.equal((t.agent.status() as Json).sync.routes.held, null);
    assert.equal(t.cp.streamsOpen, 1);
  } finally {
    await t.stop();
  }
});
