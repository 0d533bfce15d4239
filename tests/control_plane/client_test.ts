import assert from "node:assert/strict";
import { ControlPlaneClient } from "../../src/control_plane/client.ts";
import { ControlPlaneError } from "../../src/control_plane/errors.ts";
import { ControlPlaneDouble } from "../fakes/control_plane_double.ts";

const KEY = "gw_client_test_key";
const REGISTER = {
  hostname: "edge-01",
  mode: "connect" as const,
  version: "0.1.0",
  admin_url: "http://edge-01:8090",
  environment: "production",
  capabilities: ["health_monitoring"],
  deployment_mode: "connect" as const,
  topology: "remote-agent" as const,
};

async function withCp(fn: (cp: ControlPlaneDouble, url: string) => Promise<void>): Promise<void> {
  const cp = new ControlPlaneDouble({ keys: [KEY] });
  const url = await cp.start();
  try {
    await fn(cp, url);
  } finally {
    await cp.stop();
  }
}

async function failure(promise: Promise<unknown>): Promise<ControlPlaneError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ControlPlaneError, String(error));
    return error;
  }
  assert.fail("expected a ControlPlaneError");
}

Deno.test("every endpoint works against the CP double, with a trailing slash in the base URL", () =>
  withCp(async (cp, url) => {
    const client = new ControlPlaneClient({ baseUrl: `${url}/`, apiKey: KEY });
    const gateway = await client.register(REGISTER);
    assert.match(gateway.id, /^[0-9a-f-]{36}$/);
    assert.equal(gateway.name, "edge-01-connect-production");
    await client.heartbeat(gateway.id, {
      uptime_seconds: 5,
      routes_count: 2,
      policies_count: 0,
      discovered_apis: 1,
    });
    const receipt = await client.reportDiscovery(gateway.id, [{
      name: "orders",
      version: "",
      backend_url: "http://orders:8080",
      paths: ["/orders"],
      methods: [],
      policies: [],
      is_active: true,
    }]);
    assert.equal(receipt.apis_received, 1);
    cp.addPolicy({ name: "rl", policyType: "rate_limit", config: { maxRequests: 10 } });
    const config = await client.fetchConfig(gateway.id);
    assert.equal(config.pending_policies.length, 1);
    cp.addDeployment({
      gatewayId: gateway.id,
      apiName: "orders",
      backendUrl: "http://orders:8080",
    });
    const routes = await client.fetchRoutes("edge-01");
    assert.equal(routes.length, 1);
    await client.ackPolicies(gateway.id, {
      synced_policies: [{ policy_id: "p1", status: "applied" }],
      sync_timestamp: "2026-11-26T12:00:00Z",
    });
    const ack = await client.ackRoutes(gateway.id, {
      synced_routes: [{
        deployment_id: (routes[0] as { deployment_id: string }).deployment_id,
        status: "applied",
      }],
      sync_timestamp: "2026-11-26T12:00:00Z",
    });
    assert.deepEqual(ack, { processed: 1, not_found: 0 });
    for (const request of cp.requests) {
      assert.equal(request.headers["x-gateway-key"], KEY);
      assert.ok(!request.path.includes("//"), request.path);
    }
  }));

Deno.test("gateway names and ids are escaped in paths and queries", () =>
  withCp(async (cp, url) => {
    const client = new ControlPlaneClient({ baseUrl: url, apiKey: KEY });
    assert.deepEqual(await client.fetchRoutes("edge 01&x=1"), []);
    assert.equal(cp.requestsTo("routes")[0].query.gateway_name, "edge 01&x=1");
    const error = await failure(client.heartbeat("a/b", {
      uptime_seconds: 1,
      routes_count: 0,
      policies_count: 0,
      discovered_apis: 0,
    }));
    // One escaped segment: the CP rejects it as a non-UUID (422), not as an unknown path.
    assert.equal(error.status, 422);
  }));

Deno.test("401, 503 and 404 carry the Control Plane's detail and what to do", () =>
  withCp(async (cp, url) => {
    const bad = new ControlPlaneClient({ baseUrl: url, apiKey: "wrong-key-000" });
    const refused = await failure(bad.register(REGISTER));
    assert.equal(refused.status, 401);
    assert.equal(refused.unauthorized, true);
    assert.match(
      refused.message,
      /Invalid gateway key — STOA_GATEWAY_API_KEY is invalid or expired/,
    );

    cp.setKeys([]);
    const disabled = await failure(bad.register(REGISTER));
    assert.equal(disabled.status, 503);
    assert.match(disabled.message, /no gateway keys configured/);
    cp.setKeys([KEY]);

    const client = new ControlPlaneClient({ baseUrl: url, apiKey: KEY });
    const missing = await failure(client.fetchConfig("0b7c0000-0000-4000-8000-000000000001"));
    assert.equal(missing.notFound, true);
    assert.match(missing.message, /Gateway instance not found/);
  }));

Deno.test("422 details are flattened into one line", () =>
  withCp(async (_cp, url) => {
    const client = new ControlPlaneClient({ baseUrl: url, apiKey: KEY });
    const error = await failure(
      client.register({ ...REGISTER, hostname: 42 as unknown as string }),
    );
    assert.equal(error.status, 422);
    assert.match(error.message, /body\.hostname: Input should be a valid string/);
  }));

Deno.test("429 and 5xx are transient and keep Retry-After", () =>
  withCp(async (cp, url) => {
    const client = new ControlPlaneClient({ baseUrl: url, apiKey: KEY });
    cp.failNext({ status: 429, headers: { "Retry-After": "12" }, path: "/register" });
    const busy = await failure(client.register(REGISTER));
    assert.equal(busy.transient, true);
    assert.equal(busy.retryAfterMs, 12_000);
    cp.failNext({ status: 502, body: "<html>bad gateway</html>", path: "/register" });
    const proxy = await failure(client.register(REGISTER));
    assert.equal(proxy.transient, true);
    assert.match(proxy.message, /502: <html>bad gateway<\/html>/);
  }));

Deno.test("answers that cannot be used are invalid-response errors", () =>
  withCp(async (cp, url) => {
    const client = new ControlPlaneClient({ baseUrl: url, apiKey: KEY });
    cp.failNext({ status: 201, body: "not json", path: "/register" });
    const text = await failure(client.register(REGISTER));
    assert.equal(text.kind, "invalid-response");
    cp.failNext({ status: 201, body: { id: "" }, path: "/register" });
    const empty = await failure(client.register(REGISTER));
    assert.match(empty.message, /no gateway id/);
    cp.failNext({ status: 200, body: { not: "an array" }, path: "/routes" });
    const routes = await failure(client.fetchRoutes("edge-01"));
    assert.equal(routes.kind, "invalid-response");
  }));

Deno.test("a call that takes longer than the timeout fails as a timeout", () =>
  withCp(async (cp, url) => {
    cp.latencyMs = 1_000;
    const client = new ControlPlaneClient({ baseUrl: url, apiKey: KEY, timeoutMs: 100 });
    const error = await failure(client.register(REGISTER));
    assert.equal(error.kind, "timeout");
    assert.equal(error.transient, true);
    assert.match(error.message, /did not answer in time \(no answer within 0\.1 s\)/);
    cp.latencyMs = 0;
  }));

Deno.test("an unreachable Control Plane is a network error naming the variable to check", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const client = new ControlPlaneClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: KEY });
  const error = await failure(client.register(REGISTER));
  assert.equal(error.kind, "network");
  assert.match(error.message, /cannot reach the Control Plane \(connection refused\)/);
  assert.match(error.message, /check STOA_CONTROL_PLANE_URL/);
});

Deno.test("the events stream opens with the SSE headers and refuses an unknown gateway", () =>
  withCp(async (cp, url) => {
    const client = new ControlPlaneClient({ baseUrl: url, apiKey: KEY });
    const gateway = await client.register(REGISTER);
    const controller = new AbortController();
    const body = await client.openEvents(gateway.id, { signal: controller.signal });
    const request = cp.requestsTo("events")[0];
    assert.equal(request.headers["accept"], "text/event-stream");
    assert.equal(request.headers["cache-control"], "no-cache");
    controller.abort();
    await body.cancel().catch(() => {});
    const missing = await failure(client.openEvents("0b7c0000-0000-4000-8000-000000000009"));
    assert.equal(missing.status, 404);
    assert.equal(missing.endpoint, "events");
  }));
