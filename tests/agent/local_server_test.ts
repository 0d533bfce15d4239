import assert from "node:assert/strict";
import { type AgentView, createApp } from "../../src/server/app.ts";
import { startServer } from "../../src/server/serve.ts";
import { type Harness, startHarness, withHarness } from "./agent_harness.ts";

function view(h: Harness): AgentView {
  return {
    health: () => h.agent.health(),
    readiness: () => h.agent.readiness(),
    status: () => h.agent.status(),
    metrics: () => h.agent.metrics.expose(),
    discoverNow: () => h.agent.discoverNow(),
    webhookEvents: h.agent.webhookEvents,
    syncNow: (options) => h.agent.syncNow(options),
  };
}

function appFor(h: Harness, remote: string) {
  return createApp({ agent: view(h), token: h.config.connectToken, remoteAddress: () => remote });
}

Deno.test("the local server answers /health, /livez, /readyz, /status and /metrics", async () => {
  const h = await startHarness({});
  const server = startServer({
    hostname: "127.0.0.1",
    port: 0,
    app: (remoteAddress) => createApp({ agent: view(h), remoteAddress }),
  });
  try {
    await h.waitFor(() => h.agent.readiness().status === "ready");
    await h.waitFor(() => h.cp.requestsTo("heartbeat").some((r) => r.status === 204));
    const get = (path: string) => fetch(new URL(path, server.url));

    const health = await get("/health");
    assert.equal(health.status, 200);
    const body = await health.json();
    assert.deepEqual(Object.keys(body).sort(), [
      "discovered_apis",
      "gateway_id",
      "status",
      "version",
    ]);
    assert.equal(body.status, "ok");
    assert.equal(body.gateway_id, h.agent.state.gatewayId);

    const livez = await get("/livez");
    assert.equal(livez.status, 200);
    await livez.body?.cancel();
    const readyz = await get("/readyz");
    assert.equal(readyz.status, 200);
    assert.deepEqual(await readyz.json(), { status: "ready", reasons: [] });

    const status = await (await get("/status")).json();
    assert.equal(status.control_plane.registered, true);
    assert.equal(status.gateway.type, "kong");
    assert.equal(status.gateway.reachable, true);
    assert.equal(status.discovery.apis, h.kong.store().count("services"));
    assert.deepEqual(Object.keys(status.loops).sort(), [
      "ack-delivery",
      "discovery",
      "heartbeat",
      "policy-sync",
      "registration",
      "route-sync",
    ]);
    assert.equal(status.loops.heartbeat.last_outcome, "ok");
    assert.ok(!JSON.stringify(status).includes(h.config.gatewayApiKey));

    const metrics = await get("/metrics");
    assert.match(metrics.headers.get("content-type")!, /^text\/plain/);
    const text = await metrics.text();
    for (
      const name of [
        "stoa_connect_registrations_total",
        "stoa_connect_heartbeats_sent_total",
        "stoa_connect_heartbeats_failed_total",
        "stoa_connect_discovery_runs_total",
        "stoa_connect_discovery_errors_total",
        "stoa_connect_discovery_duration_seconds_bucket",
        "stoa_connect_discovered_apis",
        "stoa_connect_cp_request_duration_seconds_bucket",
        "stoa_connect_build_info",
        "stoa_connect_uptime_seconds",
      ]
    ) {
      assert.ok(text.includes(name), name);
    }
    assert.match(text, /stoa_connect_build_info\{version="0\.1\.0"\} 1/);
    assert.match(text, /endpoint="heartbeat",status="204"/);

    const missing = await get("/nope");
    assert.equal(missing.status, 404);
    await missing.body?.cancel();

    // POST /discover from loopback runs discovery now and returns it.
    const before = h.kong.requests.length;
    const discover = await fetch(new URL("/discover", server.url), { method: "POST" });
    assert.equal(discover.status, 200);
    const result = await discover.json();
    assert.equal(result.gateway_type, "kong");
    assert.equal(result.apis.length, h.kong.store().count("services"));
    assert.equal(result.reported, true);
    assert.ok(h.kong.requests.length > before);
  } finally {
    await server.shutdown();
    await h.stop();
  }
});

Deno.test("/readyz answers 503 with reasons until the agent is registered", () =>
  withHarness({ cpKeys: ["not-ours"] }, async (h) => {
    const app = appFor(h, "127.0.0.1");
    await h.waitFor(() => h.cp.requestsTo("register").length > 0);
    await h.waitFor(() => h.agent.state.controlPlane.lastError !== undefined);
    const response = await app.request("/readyz");
    assert.equal(response.status, 503);
    const body = await response.json();
    assert.equal(body.status, "not_ready");
    assert.match(body.reasons[0], /^not registered with the Control Plane: .*401/);
    const health = await (await app.request("/health")).json();
    assert.equal(health.status, "degraded");
    assert.equal(health.gateway_id, "unregistered");
  }));

Deno.test("POST /discover refuses remote callers unless they present STOA_CONNECT_TOKEN", () =>
  withHarness({ env: { STOA_CONNECT_TOKEN: "op-token-abc" } }, async (h) => {
    await h.waitFor(() => h.agent.state.gateway.reachable);
    const remote = appFor(h, "10.1.2.3");
    const refused = await remote.request("/discover", { method: "POST" });
    assert.equal(refused.status, 403);
    assert.match((await refused.json()).message, /STOA_CONNECT_TOKEN/);
    const wrong = await remote.request("/discover", {
      method: "POST",
      headers: { authorization: "Bearer nope" },
    });
    assert.equal(wrong.status, 403);
    await wrong.body?.cancel();
    const allowed = await remote.request("/discover", {
      method: "POST",
      headers: { authorization: "Bearer op-token-abc" },
    });
    assert.equal(allowed.status, 200);
    await allowed.body?.cancel();
    // Reading endpoints stay open to everyone.
    const health = await remote.request("/health");
    assert.equal(health.status, 200);
    await health.body?.cancel();
  }));

Deno.test("without a token, only loopback may POST /discover", () =>
  withHarness({}, async (h) => {
    await h.waitFor(() => h.agent.state.gateway.reachable);
    const refused = await appFor(h, "192.168.1.20").request("/discover", {
      method: "POST",
      headers: { authorization: "Bearer anything" },
    });
    assert.equal(refused.status, 403);
    assert.match((await refused.json()).message, /loopback callers only/);
    const local = await appFor(h, "::1").request("/discover", { method: "POST" });
    assert.equal(local.status, 200);
    await local.body?.cancel();
  }));

Deno.test("a failed POST /discover answers 502 with the reason", () =>
  withHarness({}, async (h) => {
    await h.waitFor(() => h.agent.state.gateway.reachable);
    // No discovery in flight: POST /discover would wait for it and report the run after it.
    await h.waitFor(() =>
      h.agent.state.discovery.reported &&
      !h.agent.loops().find((l) => l.name === "discovery")!.running
    );
    // Only a discovery read (sync's reads filter by the ownership tag) gets the failure.
    h.kong.failNext(1, 500, undefined, {
      when: (r) => ["/services", "/routes", "/plugins"].includes(r.path) && !r.query.tags,
    });
    const response = await appFor(h, "127.0.0.1").request("/discover", { method: "POST" });
    assert.equal(response.status, 502);
    const body = await response.json();
    assert.equal(body.error, "discovery_failed");
    assert.match(body.message, /500/);
  }));

Deno.test("the agent serves POST /webhook/events to anyone and counts the events in /metrics", () =>
  withHarness({}, async (h) => {
    const app = appFor(h, "10.9.8.7");
    const response = await app.request("/webhook/events", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        events: [{
          eventTimestamp: "1764158400000",
          apiName: "orders",
          httpMethod: "GET",
          resourcePath: "/orders",
          status: 200,
          totalTime: 42,
        }],
      }),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { accepted: 1 });
    const metrics = await (await app.request("/metrics")).text();
    assert.match(metrics, /stoa_connect_webhook_requests_total\{outcome="accepted"\} 1/);
    assert.match(
      metrics,
      /stoa_connect_gateway_transactions_total\{method="GET",status_class="2xx"\} 1/,
    );
  }));
