import assert from "node:assert/strict";
import { CP_KEY, type Harness, withHarness } from "./agent_harness.ts";

function registeredGateway(h: Harness) {
  const id = h.agent.state.gatewayId;
  return id ? h.cp.gateways.byId(id) : undefined;
}

Deno.test("registers, sends heartbeats and reports the discovered APIs", () =>
  withHarness({}, async (h) => {
    await h.waitFor(() => h.cp.requestsTo("heartbeat").filter((r) => r.status === 204).length >= 2);
    await h.waitFor(() => h.cp.requestsTo("discovery").some((r) => r.status === 200));
    const gateway = registeredGateway(h)!;
    assert.equal(gateway.name, "kong-edge-01-connect-production");
    assert.equal(gateway.status, "online");

    const registration = h.cp.requestsTo("register").at(-1)!;
    const body = registration.body as Record<string, unknown>;
    assert.equal(registration.headers["x-gateway-key"], CP_KEY);
    assert.equal(body.hostname, "kong-edge-01");
    assert.equal(body.mode, "connect");
    assert.equal(body.version, "0.1.0");
    assert.equal(body.environment, "production");
    assert.equal(body.deployment_mode, "connect");
    assert.equal(body.topology, "remote-agent");
    assert.equal(body.admin_url, "http://kong-edge-01:8090");
    assert.ok(Array.isArray(body.capabilities));
    for (const value of Object.values(body)) assert.notEqual(value, null);

    // Once Kong was detected the gateway type is announced (same gateway id).
    await h.waitFor(() =>
      h.cp.requestsTo("register").some((r) =>
        (r.body as Record<string, unknown>).target_gateway_type === "kong"
      )
    );
    assert.equal(h.cp.gateways.list().length, 1);

    const apis = h.kong.store().count("services");
    const report = h.cp.requestsTo("discovery").at(-1)!;
    const reported = (report.body as { apis: Record<string, unknown>[] }).apis;
    assert.equal(reported.length, apis);
    for (const api of reported) {
      assert.deepEqual(Object.keys(api).sort(), [
        "backend_url",
        "is_active",
        "methods",
        "name",
        "paths",
        "policies",
        "version",
      ]);
    }
    const heartbeat = h.cp.requestsTo("heartbeat").at(-1)!.body as Record<string, number>;
    assert.equal(heartbeat.discovered_apis, apis);
    assert.ok(heartbeat.routes_count >= 1);
    assert.equal(typeof heartbeat.uptime_seconds, "number");

    const health = h.agent.health();
    assert.equal(health.status, "ok");
    assert.equal(health.gateway_id, gateway.id);
    assert.equal(health.discovered_apis, apis);
    assert.equal(h.agent.readiness().status, "ready");
  }));

Deno.test("registration is retried while the CP answers 503, then succeeds", () =>
  withHarness({
    before: (cp) => cp.failNext({ status: 503, count: 2, path: "/register" }),
  }, async (h) => {
    await h.waitFor(() => h.agent.state.gatewayId !== undefined, 10_000);
    const statuses = h.cp.requestsTo("register").map((r) => r.status);
    assert.deepEqual(statuses.slice(0, 3), [503, 503, 201]);
    const metrics = (await h.agent.metrics.expose()).body;
    assert.match(metrics, /stoa_connect_registrations_total\{outcome="failure"\} 2/);
    assert.ok(h.logs.some((l) => l.includes("temporarily unavailable")));
  }));

Deno.test("a 2xx registration without id is a failure and is retried", () =>
  withHarness({
    before: (cp) => cp.failNext({ status: 201, body: { name: "no-id" }, path: "/register" }),
  }, async (h) => {
    await h.waitFor(() => h.agent.state.gatewayId !== undefined, 10_000);
    assert.equal(h.cp.requestsTo("register")[0].status, 201);
    assert.ok(h.logs.some((l) => l.includes("the answer has no gateway id")));
  }));

Deno.test("after three heartbeat 404s the agent registers again and keeps working", () =>
  withHarness({}, async (h) => {
    await h.waitFor(() => h.cp.requestsTo("heartbeat").some((r) => r.status === 204));
    const id = h.agent.state.gatewayId!;
    const registrationsBefore = h.cp.requestsTo("register").length;
    h.cp.purgeGateway(id);
    await h.waitFor(
      () => h.cp.requestsTo("register").length > registrationsBefore,
      10_000,
    );
    const after = h.cp.requests.slice(
      h.cp.requests.findIndex((r) => r.endpoint === "heartbeat" && r.status === 404),
    );
    const notFound = after.filter((r) => r.endpoint === "heartbeat" && r.status === 404).length;
    assert.equal(notFound, 3);
    // The CP resurrects the same id; heartbeats succeed again.
    await h.waitFor(() => h.agent.state.gatewayId === id);
    const count = h.cp.requestsTo("heartbeat").filter((r) => r.status === 204).length;
    await h.waitFor(() =>
      h.cp.requestsTo("heartbeat").filter((r) => r.status === 204).length > count
    );
    assert.equal(h.cp.gateways.byId(id)!.deleted, false);
    assert.ok(h.logs.some((l) => l.includes("(3/3)")));
  }));

Deno.test("a refused key is logged the way the guide says and retried slowly", () =>
  withHarness({ cpKeys: ["some-other-key"] }, async (h) => {
    await h.waitFor(() => h.cp.requestsTo("register").length >= 1);
    await h.waitFor(() => h.agent.loops().find((l) => l.name === "registration")!.runs >= 1);
    const line = h.logs.find((l) => l.includes("invalid or expired"));
    assert.ok(line, h.logs.join("\n"));
    assert.equal(JSON.parse(line).level, "error");
    const registration = h.agent.loops().find((l) => l.name === "registration")!;
    const wait = Date.parse(registration.next_run_at!) - Date.now();
    assert.ok(wait > 50_000, `next attempt in ${wait} ms`);
    assert.equal(h.agent.health().status, "degraded");
    assert.equal(h.agent.readiness().status, "not_ready");
  }));

Deno.test("429 with Retry-After delays the next heartbeat accordingly", () =>
  withHarness({}, async (h) => {
    await h.waitFor(() => h.cp.requestsTo("heartbeat").some((r) => r.status === 204));
    h.cp.failNext({ status: 429, path: "/heartbeat", headers: { "Retry-After": "7" } });
    await h.waitFor(() => h.cp.requestsTo("heartbeat").some((r) => r.status === 429));
    await h.waitFor(() =>
      h.agent.loops().find((l) => l.name === "heartbeat")!.last_outcome === "error"
    );
    const heartbeat = h.agent.loops().find((l) => l.name === "heartbeat")!;
    const wait = Date.parse(heartbeat.next_run_at!) - Date.now();
    assert.ok(wait > 6_000 && wait <= 7_000, `next heartbeat in ${wait} ms`);
  }));

Deno.test("a 500 on the discovery report is retried long before the next interval", () =>
  withHarness({
    env: { STOA_DISCOVERY_INTERVAL: "10m" },
    before: (cp) => cp.failNext({ status: 500, path: "/discovery" }),
  }, async (h) => {
    await h.waitFor(
      () => h.cp.requestsTo("discovery").filter((r) => r.status === 200).length >= 1,
      10_000,
    );
    const statuses = h.cp.requestsTo("discovery").map((r) => r.status);
    assert.equal(statuses[0], 500);
    assert.ok(statuses.includes(200));
  }));

Deno.test("discovery reads every page of a large Kong in a handful of calls", () =>
  withHarness({
    realistic: false,
    before: (_cp, kong) =>
      kong.seed({ services: 2_500, routesPerService: 2, pluginsPerService: 1 }),
  }, async (h) => {
    await h.waitFor(() => h.cp.requestsTo("discovery").some((r) => r.status === 200), 10_000);
    const apis = (h.cp.requestsTo("discovery").find((r) => r.status === 200)!.body as {
      apis: unknown[];
    }).apis;
    assert.equal(apis.length, 2_500);
    // Count the calls of one discovery run started now, once no other run is in progress.
    await h.waitFor(() => !h.agent.loops().find((l) => l.name === "discovery")!.running);
    const before = h.kong.requests.length;
    const result = await h.agent.discoverNow();
    assert.equal(result.apis.length, 2_500);
    // Discovery's reads: sync's own reads filter by the ownership tag.
    const listCalls = h.kong.requests.slice(before).filter((r) =>
      r.method === "GET" && r.path !== "/" && !r.query.tags
    ).length;
    // services 3 pages, routes 5 pages, plugins 3 pages.
    assert.equal(listCalls, 11);
  }));

Deno.test("an unreachable gateway makes the agent degraded and not ready, with the reason", () =>
  withHarness({}, async (h) => {
    await h.waitFor(() => h.agent.state.gateway.reachable);
    await h.kong.stop();
    await assert.rejects(() => h.agent.discoverNow(), /unreachable|failed/);
    const health = h.agent.health();
    assert.equal(health.status, "degraded");
    assert.ok(
      health.reasons!.some((r) => r.startsWith("gateway unreachable")),
      health.reasons!.join(),
    );
    assert.equal(h.agent.readiness().status, "not_ready");
  }));

Deno.test("no secret appears in any log line or in /status", () =>
  withHarness({
    cpKeys: ["another-key"],
    kong: { adminToken: "kong-rbac-token-99" },
    env: { STOA_GATEWAY_ADMIN_TOKEN: "wrong-token-123", STOA_CONNECT_TOKEN: "local-op-token" },
    // A peer that echoes the key back in its error must not make us log it.
    before: (cp) =>
      cp.failNext({ status: 400, body: { detail: `unknown key ${CP_KEY}` }, path: "/register" }),
  }, async (h) => {
    await h.waitFor(() => h.logs.some((l) => l.includes("unknown key [REDACTED]")), 10_000);
    await h.waitFor(() => h.logs.some((l) => l.includes("invalid or expired")), 10_000);
    await h.waitFor(() => h.logs.some((l) => l.includes("STOA_GATEWAY_ADMIN_TOKEN")));
    const everything = h.logs.join("\n") + JSON.stringify(h.agent.status()) +
      JSON.stringify(h.agent.health());
    for (const secret of [CP_KEY, "wrong-token-123", "local-op-token"]) {
      assert.ok(!everything.includes(secret), `secret ${secret.slice(0, 3)}… leaked`);
    }
  }));

Deno.test("a key revoked after registration makes the agent not ready, until a call succeeds", () =>
  withHarness({}, async (h) => {
    await h.waitFor(() => h.agent.readiness().status === "ready");
    h.cp.setKeys(["a-new-key-only"]);
    await h.waitFor(() => h.cp.requestsTo("heartbeat").some((r) => r.status === 401));
    await h.waitFor(() => h.agent.readiness().status === "not_ready");
    assert.match(h.agent.readiness().reasons.join(), /rejects STOA_GATEWAY_API_KEY \(401\)/);
    assert.equal(h.agent.health().status, "degraded");
    h.cp.setKeys([CP_KEY]);
    await h.waitFor(() => h.agent.readiness().status === "ready", 90_000);
  }));
