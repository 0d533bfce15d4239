/**
 * Pins the Control Plane double to `control-plane-contract.md`, one test per rule of the §14
 * checklist and the cross-cutting conventions of §1: if the double drifts from the CP, the agent's
 * tests against it stop meaning anything.
 */

import assert from "node:assert/strict";
import {
  ControlPlaneDouble,
  type ControlPlaneDoubleOptions,
  type JsonObject,
} from "./control_plane_double.ts";
import { parseServerArgs } from "./control_plane_server.ts";
import { pythonJsonDumps } from "./control_plane/python_format.ts";

const KEY = "gw_test_key";
const BASE = "http://cp.test/v1/internal/gateways";
const NO_KEYS_TEXT = "Gateway registration disabled (no GATEWAY_API_KEYS configured)";
const PYTHON_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;
const PYDANTIC_DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // deno-lint-ignore no-explicit-any
  readonly body: any;
}

function double(options: Partial<ControlPlaneDoubleOptions> = {}): ControlPlaneDouble {
  return new ControlPlaneDouble({ keys: [KEY], ...options });
}

/** One call through `cp.fetch`; a string body is sent verbatim, `key: null` omits the header. */
async function call(
  cp: ControlPlaneDouble,
  method: string,
  path: string,
  options: { body?: unknown; key?: string | null; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers = new Headers(options.headers);
  const key = options.key === undefined ? KEY : options.key;
  if (key !== null) headers.set("X-Gateway-Key", key);
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const response = await cp.fetch(new Request(`${BASE}${path}`, { method, headers, body }));
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

const REGISTRATION = {
  hostname: "kong-edge-01",
  mode: "connect",
  version: "0.1.0",
  admin_url: "http://kong-edge-01:8090",
  environment: "production",
  capabilities: ["policy_sync", "health_monitoring"],
};

async function register(cp: ControlPlaneDouble, overrides: JsonObject = {}): Promise<JsonObject> {
  const answer = await call(cp, "POST", "/register", { body: { ...REGISTRATION, ...overrides } });
  assert.equal(answer.status, 201, answer.text);
  return answer.body;
}

/** Longest a test waits for stream data: a broken double must fail a test, not hang it. */
const STREAM_TIMEOUT_MS = 2000;

async function withTimeout<T>(promise: Promise<T>, ms: number, describe: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(describe())), Math.max(ms, 0));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads SSE frames (text up to each blank CRLF line) from a response body. */
class FrameReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = "";
  /** Everything received so far, for byte-level assertions. */
  raw = "";

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
  }

  /** The next frame without its terminating `\r\n\r\n`, or `null` when the stream ended. */
  async next(): Promise<string | null> {
    const deadline = Date.now() + STREAM_TIMEOUT_MS;
    while (!this.#buffer.includes("\r\n\r\n")) {
      const { value, done } = await withTimeout(
        this.#reader.read(),
        deadline - Date.now(),
        () => `no complete CRLF-terminated frame; received ${JSON.stringify(this.raw)}`,
      );
      if (done) return null;
      const text = this.#decoder.decode(value, { stream: true });
      this.#buffer += text;
      this.raw += text;
    }
    const end = this.#buffer.indexOf("\r\n\r\n");
    const frame = this.#buffer.slice(0, end);
    this.#buffer = this.#buffer.slice(end + 4);
    return frame;
  }

  /** The next frame that is not a comment. */
  async nextEvent(): Promise<string | null> {
    for (;;) {
      const frame = await this.next();
      if (frame === null || !frame.startsWith(":")) return frame;
    }
  }

  async close(): Promise<void> {
    await this.#reader.cancel();
  }
}

async function openStream(
  cp: ControlPlaneDouble,
  gatewayId: string,
): Promise<{ response: Response; frames: FrameReader }> {
  const response = await cp.fetch(
    new Request(`${BASE}/${gatewayId}/events`, {
      headers: { "X-Gateway-Key": KEY, accept: "text/event-stream" },
    }),
  );
  assert.equal(response.status, 200);
  return { response, frames: new FrameReader(response.body!) };
}

// --- §1.2 / §1.3 validation comes first ---------------------------------------------------

Deno.test("a missing X-Gateway-Key is a 422 in FastAPI's shape, even with no keys configured", async () => {
  const cp = double({ keys: [] });
  const answer = await call(cp, "POST", "/register", { body: REGISTRATION, key: null });
  assert.equal(answer.status, 422);
  assert.deepEqual(answer.body, {
    detail: [{
      type: "missing",
      loc: ["header", "X-Gateway-Key"],
      msg: "Field required",
      input: null,
    }],
  });
});

Deno.test("a bad body with a wrong key is a 422, not a 401", async () => {
  const cp = double();
  const answer = await call(cp, "POST", "/register", { body: { hostname: 7 }, key: "wrong" });
  assert.equal(answer.status, 422);
  assert.deepEqual(answer.body.detail.map((issue: JsonObject) => [issue.type, issue.loc]), [
    ["string_type", ["body", "hostname"]],
    ["missing", ["body", "mode"]],
    ["missing", ["body", "version"]],
    ["missing", ["body", "admin_url"]],
  ]);
  // pydantic reports the whole object as the input of a missing field.
  assert.deepEqual(answer.body.detail[1].input, { hostname: 7 });
});

Deno.test("a non-UUID gateway id is a 422 uuid_parsing in the path, before the key check", async () => {
  const cp = double({ keys: [] });
  const answer = await call(cp, "POST", "/not-a-uuid/heartbeat", { body: { uptime_seconds: 1 } });
  assert.equal(answer.status, 422);
  const [issue] = answer.body.detail;
  assert.equal(issue.type, "uuid_parsing");
  assert.deepEqual(issue.loc, ["path", "gateway_id"]);
  assert.equal(issue.input, "not-a-uuid");
  assert.match(issue.msg, /^Input should be a valid UUID, invalid character: .*found `n` at 1$/);
  assert.equal(issue.msg, `Input should be a valid UUID, ${issue.ctx.error}`);
});

Deno.test("uppercase and 32-digit gateway ids are accepted and echoed in canonical form", async () => {
  const cp = double();
  const gateway = await register(cp);
  const id = String(gateway.id);
  const simple = id.replaceAll("-", "").toUpperCase();
  const answer = await call(cp, "POST", `/${simple}/discovery`, { body: {} });
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.body, { gateway_id: id, apis_received: 0 });
});

Deno.test("explicit null for a non-nullable field is a 422; nullable fields accept it", async () => {
  const cp = double();
  const bad = await call(cp, "POST", "/register", {
    body: { ...REGISTRATION, environment: null, capabilities: null, tenant_id: null },
  });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.body.detail.map((issue: JsonObject) => [issue.type, issue.loc]), [
    ["string_type", ["body", "environment"]],
    ["list_type", ["body", "capabilities"]],
  ]);
  const gateway = await register(cp, { tenant_id: null, public_url: null });
  const heartbeat = await call(cp, "POST", `/${gateway.id}/heartbeat`, {
    body: { uptime_seconds: 1, routes_count: null, error_rate: null },
  });
  assert.equal(heartbeat.status, 422);
  assert.deepEqual(heartbeat.body.detail, [{
    type: "int_type",
    loc: ["body", "routes_count"],
    msg: "Input should be a valid integer",
    input: null,
  }]);
});

Deno.test("an empty or null body is a 422 missing body", async () => {
  const cp = double();
  const gateway = await register(cp);
  for (const body of [undefined, "null"]) {
    const answer = await call(cp, "POST", `/${gateway.id}/heartbeat`, { body });
    assert.equal(answer.status, 422);
    assert.deepEqual(answer.body.detail, [
      { type: "missing", loc: ["body"], msg: "Field required", input: null },
    ]);
  }
});

Deno.test("undecodable JSON is reported alone as json_invalid", async () => {
  const cp = double();
  const answer = await call(cp, "POST", "/register", { body: "{bad", key: null });
  assert.equal(answer.status, 422);
  assert.deepEqual(answer.body.detail, [{
    type: "json_invalid",
    loc: ["body", 1],
    msg: "JSON decode error",
    input: {},
    ctx: { error: "Expecting property name enclosed in double quotes" },
  }]);
});

Deno.test("types are lax like pydantic: int accepts '5' and 5.0, not 5.5 or 'five'", async () => {
  const cp = double();
  const gateway = await register(cp);
  const accepted = await call(cp, "POST", `/${gateway.id}/heartbeat`, {
    body: { uptime_seconds: "5", routes_count: 3.0, error_rate: "0.25", unknown_field: [1] },
  });
  assert.equal(accepted.status, 204);
  const details = cp.gateways.byId(String(gateway.id))!.health_details;
  assert.equal(details.uptime_seconds, 5);
  assert.equal(details.routes_count, 3);
  assert.equal(details.error_rate, 0.25);
  assert.equal("unknown_field" in details, false);

  const rejected = await call(cp, "POST", `/${gateway.id}/heartbeat`, {
    body: { uptime_seconds: 5.5, routes_count: "five" },
  });
  assert.equal(rejected.status, 422);
  assert.deepEqual(rejected.body.detail.map((issue: JsonObject) => issue.type), [
    "int_from_float",
    "int_parsing",
  ]);
  const strings = await call(cp, "POST", "/register", {
    body: { ...REGISTRATION, version: 1, capabilities: ["ok", 2] },
  });
  assert.deepEqual(strings.body.detail.map((issue: JsonObject) => issue.loc), [
    ["body", "version"],
    ["body", "capabilities", 1],
  ]);
});

// --- §2 keys, §1.3 texts -------------------------------------------------------------------

Deno.test("without configured keys every key-checked endpoint answers 503 with the exact text", async () => {
  const cp = double();
  const gateway = await register(cp);
  cp.setKeys("  , ");
  const id = gateway.id;
  const calls: [string, string, unknown][] = [
    ["POST", "/register", REGISTRATION],
    ["POST", `/${id}/heartbeat`, { uptime_seconds: 1 }],
    ["POST", `/${id}/discovery`, {}],
    ["GET", `/${id}/config`, undefined],
    ["POST", `/${id}/sync-ack`, { sync_timestamp: "t" }],
    ["POST", `/${id}/route-sync-ack`, { sync_timestamp: "t" }],
    ["GET", `/${id}/events`, undefined],
    ["POST", "/cleanup", undefined],
  ];
  for (const [method, path, body] of calls) {
    const answer = await call(cp, method, path, { body });
    assert.equal(answer.status, 503, path);
    assert.equal(answer.text, JSON.stringify({ detail: NO_KEYS_TEXT }), path);
  }
  // /routes does not consult GATEWAY_API_KEYS at all.
  assert.equal((await call(cp, "GET", "/routes", { key: null })).status, 200);
});

Deno.test("a key outside the list is a 401 with the exact text; any listed key works for any gateway", async () => {
  const cp = double({ keys: "gw_a, gw_b" });
  const answer = await call(cp, "POST", "/register", { body: REGISTRATION, key: "gw_c" });
  assert.equal(answer.status, 401);
  assert.equal(answer.text, '{"detail":"Invalid gateway key"}');
  const gateway = await call(cp, "POST", "/register", { body: REGISTRATION, key: "gw_a" });
  const heartbeat = await call(cp, "POST", `/${gateway.body.id}/heartbeat`, {
    body: { uptime_seconds: 1 },
    key: "gw_b",
  });
  assert.equal(heartbeat.status, 204);
  // The key check comes before the gateway lookup.
  const unknown = await call(cp, "POST", `/${crypto.randomUUID()}/heartbeat`, {
    body: { uptime_seconds: 1 },
    key: "gw_c",
  });
  assert.equal(unknown.status, 401);
});

Deno.test("unknown gateways get the 404 text on every per-gateway endpoint except route-sync-ack", async () => {
  const cp = double();
  const unknown = crypto.randomUUID();
  const calls: [string, string, unknown][] = [
    ["POST", `/${unknown}/heartbeat`, { uptime_seconds: 1 }],
    ["POST", `/${unknown}/discovery`, {}],
    ["GET", `/${unknown}/config`, undefined],
    ["POST", `/${unknown}/sync-ack`, { sync_timestamp: "t" }],
    ["GET", `/${unknown}/events`, undefined],
  ];
  for (const [method, path, body] of calls) {
    const answer = await call(cp, method, path, { body });
    assert.equal(answer.status, 404, path);
    assert.equal(answer.text, '{"detail":"Gateway instance not found"}', path);
  }
  const ack = await call(cp, "POST", `/${unknown}/route-sync-ack`, {
    body: {
      synced_routes: [{ deployment_id: crypto.randomUUID(), status: "applied" }],
      sync_timestamp: "t",
    },
  });
  assert.equal(ack.status, 200);
  assert.deepEqual(ack.body, { processed: 0, not_found: 1 });
});

// --- §3 register ------------------------------------------------------------------------

Deno.test("register answers 201 with the full gateway object of a connect agent", async () => {
  const cp = double();
  const gateway = await register(cp);
  assert.match(
    String(gateway.id),
    /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  assert.deepEqual(Object.keys(gateway).sort(), [
    "auth_config",
    "base_url",
    "capabilities",
    "created_at",
    "deleted_at",
    "deleted_by",
    "deployment_mode",
    "display_name",
    "enabled",
    "endpoints",
    "environment",
    "gateway_type",
    "health_details",
    "id",
    "last_health_check",
    "mode",
    "name",
    "protected",
    "public_url",
    "source",
    "status",
    "tags",
    "target_gateway_type",
    "target_gateway_url",
    "tenant_id",
    "topology",
    "ui_url",
    "updated_at",
    "version",
    "visibility",
  ]);
  assert.equal(gateway.name, "kong-edge-01-connect-production");
  assert.equal(gateway.display_name, "STOA Gateway (connect)");
  assert.equal(gateway.gateway_type, "stoa");
  assert.equal(gateway.mode, "connect");
  assert.equal(gateway.status, "online");
  assert.equal(gateway.source, "self_register");
  assert.equal(gateway.deployment_mode, "connect");
  assert.equal(gateway.topology, "remote-agent");
  assert.equal(gateway.target_gateway_type, "kong", "guessed from the hostname");
  assert.deepEqual(gateway.auth_config, { type: "gateway_key" });
  assert.deepEqual(gateway.tags, ["mode:connect", "auto-registered"]);
  assert.deepEqual(gateway.endpoints, {
    admin_url: "http://kong-edge-01:8090",
    health_url: "http://kong-edge-01:8090/health",
  });
  assert.equal(gateway.protected, false);
  assert.equal(gateway.enabled, true);
  assert.equal(gateway.deleted_at, null);
  for (const field of ["created_at", "updated_at", "last_health_check"]) {
    assert.match(String(gateway[field]), PYDANTIC_DATETIME, field);
  }
  const details = gateway.health_details as JsonObject;
  assert.equal(details.mode, "connect");
  assert.equal(details.hostname, "kong-edge-01");
  assert.match(String(details.registered_at), PYTHON_ISO);
});

Deno.test("modes are normalised but the name keeps the raw mode minus underscores", async () => {
  const cp = double();
  const edge = await register(cp, { hostname: "gw", mode: "EDGE_MCP", environment: "dev" });
  assert.equal(edge.name, "gw-EDGEMCP-dev");
  assert.equal(edge.mode, "edge-mcp");
  assert.equal(edge.gateway_type, "stoa_edge_mcp");
  assert.equal(edge.deployment_mode, "edge");
  const odd = await register(cp, { hostname: "gw", mode: "weird-mode", environment: "dev" });
  assert.equal(odd.name, "gw-weird-mode-dev");
  assert.equal(odd.mode, "edge-mcp", "an unknown mode silently becomes edge-mcp");
  assert.equal(odd.gateway_type, "stoa");
});

Deno.test("explicit topology values are stored, invalid ones ignored in favour of the guess", async () => {
  const cp = double();
  const explicit = await register(cp, {
    hostname: "agent-1",
    target_gateway_type: "Gravitee",
    deployment_mode: "connect",
  });
  assert.equal(explicit.target_gateway_type, "gravitee");
  const invalid = await register(cp, {
    hostname: "agent-2",
    environment: "staging",
    admin_url: "http://wm-host-wm:8090",
    target_gateway_type: "nginx",
  });
  assert.equal(invalid.target_gateway_type, "stoa", "no known word in name or URLs");
  const again = await register(cp, { hostname: "agent-1" });
  assert.equal(again.target_gateway_type, "gravitee", "stored explicit value wins over a guess");
});

Deno.test("registration is idempotent per derived name and merges health details", async () => {
  const cp = double();
  const first = await register(cp);
  await call(cp, "POST", `/${first.id}/heartbeat`, { body: { uptime_seconds: 30 } });
  const second = await register(cp, { version: "0.2.0", capabilities: [] });
  assert.equal(second.id, first.id);
  assert.equal(second.version, "0.2.0");
  assert.deepEqual(second.capabilities, []);
  assert.equal((second.health_details as JsonObject).uptime_seconds, 30, "merged, not replaced");
  const otherEnvironment = await register(cp, { environment: "staging" });
  assert.notEqual(otherEnvironment.id, first.id);
  assert.equal(otherEnvironment.name, "kong-edge-01-connect-staging");
});

Deno.test("URL fields: present null clears, absent keeps; an https base_url survives", async () => {
  const cp = double();
  await register(cp, { public_url: "https://kong.example.com", ui_url: "https://ui.example.com" });
  const kept = await register(cp, { ui_url: null });
  assert.equal(kept.public_url, "https://kong.example.com");
  assert.equal(kept.ui_url, null);
  assert.equal((kept.endpoints as JsonObject).ui_url, undefined);
  assert.equal((kept.endpoints as JsonObject).public_url, "https://kong.example.com");
  const secured = await register(cp, { admin_url: "https://agent.example.com" });
  assert.equal(secured.base_url, "https://agent.example.com", "http base_url is replaced");
  const again = await register(cp, { admin_url: "http://internal:8090" });
  assert.equal(again.base_url, "https://agent.example.com", "https base_url is kept");
});

Deno.test("a soft-deleted gateway gets 404 heartbeats and is resurrected with the same id", async () => {
  const cp = double();
  const gateway = await register(cp);
  const id = String(gateway.id);
  cp.purgeGateway(id);
  assert.equal(cp.gateways.byId(id)!.deleted, true);
  const heartbeat = await call(cp, "POST", `/${id}/heartbeat`, { body: { uptime_seconds: 1 } });
  assert.equal(heartbeat.status, 404);
  const back = await register(cp, { admin_url: "https://agent.example.com" });
  assert.equal(back.id, id);
  assert.equal(back.deleted_at, null);
  assert.equal(back.deleted_by, null);
  assert.equal(back.status, "online");
  assert.equal(cp.gateways.byId(id)!.deleted, false);
  const again = await call(cp, "POST", `/${id}/heartbeat`, { body: { uptime_seconds: 1 } });
  assert.equal(again.status, 204);
});

Deno.test("cancel-and-replace evicts a sibling; the evicted one comes back without evicting", async () => {
  const cp = double();
  const old = await register(cp, { hostname: "kong-a" });
  const fresh = await register(cp, { hostname: "kong-b" });
  const evicted = cp.gateways.byId(String(old.id))!;
  assert.equal(evicted.deleted, true);
  assert.equal(evicted.deleted_by, "replaced-by:kong-b-connect-production");
  const heartbeat = await call(cp, "POST", `/${old.id}/heartbeat`, { body: { uptime_seconds: 1 } });
  assert.equal(heartbeat.status, 404);
  const back = await register(cp, { hostname: "kong-a" });
  assert.equal(back.id, old.id);
  assert.equal(cp.gateways.byId(String(fresh.id))!.deleted, false);
  // Environment aliases count as the same environment; another target type does not.
  const aliased = await register(cp, { hostname: "kong-c", environment: "prod" });
  assert.equal(cp.gateways.byId(String(back.id))!.deleted_by, "replaced-by:kong-c-connect-prod");
  await register(cp, { hostname: "gravitee-d", environment: "prod" });
  assert.equal(cp.gateways.byId(String(aliased.id))!.deleted, false);
});

Deno.test("an ArgoCD row of the same type and environment is adopted with its own id and name", async () => {
  const cp = double();
  const argo = cp.addGateway({ name: "stoa-connect-prod", source: "argocd", environment: "prod" });
  const adopted = await register(cp, { environment: "production" });
  assert.equal(adopted.id, argo.id);
  assert.equal(adopted.name, "stoa-connect-prod");
  assert.equal(adopted.source, "argocd");
  assert.equal(adopted.base_url, REGISTRATION.admin_url);
});

// --- §4, §5, §8.4 liveness and reports -------------------------------------------------------

Deno.test("heartbeat answers 204 with an empty body and merges metrics into health_details", async () => {
  const cp = double();
  const gateway = await register(cp);
  const answer = await call(cp, "POST", `/${gateway.id}/heartbeat`, {
    body: { uptime_seconds: 42, routes_count: 3, policies_count: 2, discovered_apis: 7 },
  });
  assert.equal(answer.status, 204);
  assert.equal(answer.text, "");
  const details = cp.gateways.byId(String(gateway.id))!.health_details;
  assert.equal(details.uptime_seconds, 42);
  assert.equal(details.routes_count, 3);
  assert.equal(details.policies_count, 2);
  assert.equal(details.discovered_apis_count, 7);
  assert.equal(details.requests_total, null);
  assert.equal(details.error_rate, null);
  assert.match(String(details.last_heartbeat), PYTHON_ISO);
  assert.equal(details.hostname, "kong-edge-01", "registration details are kept");

  // Edge runtimes report MCP tools, not discovered APIs, through the same field.
  const edge = await register(cp, { hostname: "edge-1", mode: "edge_mcp" });
  await call(cp, "POST", `/${edge.id}/heartbeat`, {
    body: { uptime_seconds: 1, discovered_apis: 4 },
  });
  const edgeDetails = cp.gateways.byId(String(edge.id))!.health_details;
  assert.equal(edgeDetails.mcp_tools_count, 4);
  assert.equal("discovered_apis_count" in edgeDetails, false);
});

Deno.test("discovery stores the normalised list; sync-ack stores results and counts", async () => {
  const cp = double();
  const gateway = await register(cp);
  const discovery = await call(cp, "POST", `/${gateway.id}/discovery`, {
    body: { apis: [{ name: "orders", paths: ["/orders"] }, { name: "" }] },
  });
  assert.equal(discovery.status, 200);
  assert.deepEqual(discovery.body, { gateway_id: gateway.id, apis_received: 2 });
  const details = cp.gateways.byId(String(gateway.id))!.health_details;
  assert.equal(details.discovered_apis_count, 2);
  assert.deepEqual((details.discovered_apis as JsonObject[])[0], {
    name: "orders",
    version: "",
    backend_url: "",
    paths: ["/orders"],
    methods: [],
    policies: [],
    is_active: true,
  });

  const ack = await call(cp, "POST", `/${gateway.id}/sync-ack`, {
    body: {
      synced_policies: [
        { policy_id: "p1", status: "applied" },
        { policy_id: "p2", status: "removed" },
        { policy_id: "p3", status: "failed", error: "no such plugin" },
        { policy_id: "p4", status: "other" },
      ],
      sync_timestamp: "2026-07-31T06:52:18Z",
    },
  });
  assert.equal(ack.status, 200);
  assert.deepEqual(ack.body, { gateway_id: gateway.id, applied: 1, removed: 1, failed: 1 });
  const after = cp.gateways.byId(String(gateway.id))!.health_details;
  assert.equal(after.last_sync, "2026-07-31T06:52:18Z");
  assert.equal(after.sync_failed, 1);
  assert.deepEqual((after.last_sync_results as JsonObject[])[0], {
    policy_id: "p1",
    status: "applied",
    error: null,
  });
});

// --- §6 config ------------------------------------------------------------------------------

Deno.test("config serves every policy to a tenant-less gateway, disabled included, by priority then name", async () => {
  const cp = double();
  const gateway = await register(cp);
  cp.addPolicy({ name: "zeta", policyType: "cors", priority: 10, tenantId: "acme" });
  cp.addPolicy({
    name: "alpha",
    policyType: "logging",
    priority: 50,
    enabled: false,
    tenantId: "globex",
  });
  cp.addPolicy({
    name: "beta",
    policyType: "rate_limit",
    config: { maxRequests: 100, intervalSeconds: 60 },
  });
  cp.addPolicy({ name: "aardvark", policyType: "ip_filter", priority: 100 });
  const answer = await call(cp, "GET", `/${gateway.id}/config`);
  assert.equal(answer.status, 200);
  assert.deepEqual(Object.keys(answer.body), [
    "gateway_id",
    "name",
    "environment",
    "tenant_id",
    "pending_deployments",
    "pending_policies",
  ]);
  assert.deepEqual(answer.body.pending_policies.map((p: JsonObject) => p.name), [
    "zeta",
    "alpha",
    "aardvark",
    "beta",
  ]);
  const beta = answer.body.pending_policies[3];
  assert.deepEqual(Object.keys(beta), [
    "id",
    "name",
    "policy_type",
    "config",
    "priority",
    "enabled",
  ]);
  assert.deepEqual(beta.config, { maxRequests: 100, intervalSeconds: 60 });
  assert.equal(answer.body.pending_policies[1].enabled, false);
});

Deno.test("config serves a tenant gateway its tenant's and platform-wide policies, and all deployments newest first", async () => {
  const cp = double();
  const gateway = await register(cp, { tenant_id: "acme" });
  cp.addPolicy({ name: "mine", policyType: "cors", tenantId: "acme" });
  cp.addPolicy({ name: "theirs", policyType: "cors", tenantId: "globex" });
  cp.addPolicy({ name: "platform", policyType: "logging" });
  const first = cp.addDeployment({
    gatewayId: String(gateway.id),
    apiName: "one",
    backendUrl: "http://one",
  });
  const second = cp.addDeployment({
    gatewayId: String(gateway.id),
    apiName: "two",
    backendUrl: "http://two",
    status: "error",
  });
  const answer = await call(cp, "GET", `/${gateway.id}/config`);
  assert.deepEqual(answer.body.pending_policies.map((p: JsonObject) => p.name), [
    "mine",
    "platform",
  ]);
  assert.deepEqual(answer.body.pending_deployments.map((d: JsonObject) => [d.id, d.sync_status]), [
    [second.id, "error"],
    [first.id, "pending"],
  ]);
  assert.deepEqual(answer.body.pending_deployments[1].desired_state, first.desired_state);
  assert.equal(answer.body.tenant_id, "acme");
});

// --- §8.1 / §8.2 routes ----------------------------------------------------------------------

Deno.test("desired_state is catalog-shaped, built like the CP", () => {
  const cp = double();
  const gateway = cp.addGateway({ name: "gw-connect-dev", environment: "dev" });
  const spec = {
    openapi: "3.0.0",
    servers: [{ url: "http://pets.internal:8080" }],
    paths: { "/pets": { get: {}, post: {} }, "/pets/{id}": { delete: {}, parameters: [] } },
  };
  const deployment = cp.addDeployment({
    gatewayId: gateway.id,
    apiName: "Pet Store",
    openapiSpec: spec,
    tenantId: "acme",
  });
  const state = deployment.desired_state;
  assert.deepEqual(Object.keys(state), [
    "spec_hash",
    "version",
    "api_name",
    "api_id",
    "api_catalog_id",
    "tenant_id",
    "backend_url",
    "methods",
    "activated",
    "openapi_spec",
    "desired_source",
    "git_sync_status",
    "desired_commit_sha",
    "desired_git_path",
    "target_gateway_name",
    "target_environment",
    "target_source",
  ]);
  assert.equal(state.api_name, "Pet Store");
  assert.equal(state.api_id, "pet-store");
  assert.equal(state.api_catalog_id, deployment.api_catalog_id);
  assert.equal(state.backend_url, "http://pets.internal:8080", "first OpenAPI server");
  assert.deepEqual(state.methods, ["DELETE", "GET", "POST"]);
  assert.match(String(state.spec_hash), /^[0-9a-f]{64}$/);
  assert.deepEqual(state.openapi_spec, spec);
  assert.equal(state.target_gateway_name, "gw-connect-dev");
  assert.equal(deployment.sync_status, "pending");
  assert.equal(deployment.desired_generation, 1);
});

Deno.test("/routes delivers synced and pending deployments only, with every key of a route item", async () => {
  const cp = double();
  const gateway = await register(cp);
  const gatewayId = String(gateway.id);
  const pending = cp.addDeployment({
    gatewayId,
    apiName: "pending-api",
    backendUrl: "http://p",
    tenantId: "acme",
  });
  cp.addDeployment({ gatewayId, apiName: "synced-api", backendUrl: "http://s", status: "synced" });
  for (const status of ["error", "drifted", "syncing", "deleting"] as const) {
    cp.addDeployment({ gatewayId, apiName: `${status}-api`, backendUrl: "http://x", status });
  }
  cp.addDeployment({ gatewayId, apiName: "no-backend" });
  const answer = await call(cp, "GET", "/routes?gateway_name=kong-edge-01-connect-production", {
    key: null,
  });
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.body.map((item: JsonObject) => item.name), ["pending-api", "synced-api"]);
  assert.deepEqual(answer.body[0], {
    id: pending.api_catalog_id,
    api_id: "pending-api",
    deployment_id: pending.id,
    gateway_instance_id: gatewayId,
    name: "pending-api",
    tenant_id: "acme",
    path_prefix: "/apis/pending-api",
    backend_url: "http://p",
    methods: ["GET", "POST", "PUT", "DELETE"],
    spec_hash: pending.desired_state.spec_hash,
    openapi_spec: null,
    activated: true,
    generation: 1,
  });
});

Deno.test("/routes finds a gateway by name, then by reported hostname; unknown names get []", async () => {
  const cp = double();
  const mine = await register(cp);
  const other = await register(cp, { hostname: "gravitee-1", environment: "dev" });
  cp.addDeployment({ gatewayId: String(mine.id), apiName: "mine", backendUrl: "http://m" });
  cp.addDeployment({ gatewayId: String(other.id), apiName: "other", backendUrl: "http://o" });
  const byHostname = await call(cp, "GET", "/routes?gateway_name=kong-edge-01", {
    key: "anything",
  });
  assert.deepEqual(byHostname.body.map((item: JsonObject) => item.name), ["mine"]);
  const unknown = await call(cp, "GET", "/routes?gateway_name=nobody");
  assert.equal(unknown.status, 200);
  assert.deepEqual(unknown.body, []);
  const everyone = await call(cp, "GET", "/routes", { key: null });
  assert.deepEqual(everyone.body.map((item: JsonObject) => item.name), ["mine", "other"]);
});

Deno.test("/routes strict mode answers 401 to a missing or wrong key", async () => {
  const cp = double({ routesAdminKey: "admin" });
  assert.equal((await call(cp, "GET", "/routes", { key: null })).status, 401);
  const wrong = await call(cp, "GET", "/routes", { key: KEY });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.text, '{"detail":"Invalid gateway key"}');
  assert.equal((await call(cp, "GET", "/routes", { key: "admin" })).status, 200);
  cp.setRoutesAdminKey(null);
  assert.equal((await call(cp, "GET", "/routes", { key: null })).status, 200);
});

Deno.test("a malformed stored desired_state makes /routes a 500", async () => {
  const cp = double();
  const gateway = cp.addGateway({ name: "gw" });
  cp.addDeployment({
    gatewayId: gateway.id,
    apiName: "broken",
    desiredState: { api_name: "broken", backend_url: "http://b", tenant_id: null },
  });
  const answer = await call(cp, "GET", "/routes");
  assert.equal(answer.status, 500);
  assert.equal(answer.text, '{"detail":"Internal server error."}');
});

// --- §8.3 route-sync-ack -------------------------------------------------------------------

async function ackRoutes(
  cp: ControlPlaneDouble,
  gatewayId: string,
  routes: JsonObject[],
): Promise<JsonObject> {
  const answer = await call(cp, "POST", `/${gatewayId}/route-sync-ack`, {
    body: { synced_routes: routes, sync_timestamp: "2026-07-31T06:52:18Z" },
  });
  assert.equal(answer.status, 200, answer.text);
  return answer.body;
}

Deno.test("route-sync-ack counts bad ids, unknown and foreign deployments as not_found", async () => {
  const cp = double();
  const mine = await register(cp);
  const other = await register(cp, { hostname: "gravitee-2" });
  const foreign = cp.addDeployment({
    gatewayId: String(other.id),
    apiName: "x",
    backendUrl: "http://x",
  });
  const counts = await ackRoutes(cp, String(mine.id), [
    { deployment_id: "not-a-uuid", status: "applied" },
    { deployment_id: crypto.randomUUID(), status: "applied" },
    { deployment_id: foreign.id, status: "applied" },
  ]);
  assert.deepEqual(counts, { processed: 0, not_found: 3 });
  assert.equal(cp.deployments.byId(foreign.id)!.sync_status, "pending");
});

Deno.test("an applied ack syncs the deployment, prepends event_emitted and records generations", async () => {
  const cp = double();
  const gateway = await register(cp);
  const deployment = cp.addDeployment({
    gatewayId: String(gateway.id),
    apiName: "a",
    backendUrl: "http://a",
  });
  const counts = await ackRoutes(cp, String(gateway.id), [{
    deployment_id: deployment.id.toUpperCase(),
    status: "applied",
    generation: 1,
    steps: [{ name: "agent_received", status: "success" }],
  }]);
  assert.deepEqual(counts, { processed: 1, not_found: 0 });
  const row = cp.deployments.byId(deployment.id)!;
  assert.equal(row.sync_status, "synced");
  assert.equal(row.synced_generation, 1);
  assert.equal(row.attempted_generation, 1);
  assert.notEqual(row.last_sync_success, null);
  assert.equal(row.sync_steps.length, 2);
  const [cpStep, agentStep] = row.sync_steps;
  assert.equal(cpStep.name, "event_emitted");
  assert.equal(cpStep.status, "success");
  assert.equal(cpStep.detail, "deployment dispatched to agent");
  assert.match(String(cpStep.started_at), PYTHON_ISO);
  assert.deepEqual(agentStep, { name: "agent_received", status: "success" });
});

Deno.test("applied with a failed step becomes an error carrying that step's detail", async () => {
  const cp = double();
  const gateway = await register(cp);
  const gatewayId = String(gateway.id);
  const detailed = cp.addDeployment({ gatewayId, apiName: "a", backendUrl: "http://a" });
  const bare = cp.addDeployment({ gatewayId, apiName: "b", backendUrl: "http://b" });
  await ackRoutes(cp, gatewayId, [
    {
      deployment_id: detailed.id,
      status: "applied",
      error: "ignored",
      steps: [{ name: "api_synced", status: "failed", detail: "kong config reload failed (400)" }],
    },
    {
      deployment_id: bare.id,
      status: "applied",
      steps: [{ name: "api_synced", status: "failed" }],
    },
  ]);
  assert.equal(cp.deployments.byId(detailed.id)!.sync_status, "error");
  assert.equal(cp.deployments.byId(detailed.id)!.sync_error, "kong config reload failed (400)");
  assert.equal(cp.deployments.byId(bare.id)!.sync_error, "Step 'api_synced' failed");
  // An error deployment is no longer delivered by /routes.
  assert.deepEqual((await call(cp, "GET", "/routes")).body, []);
});

Deno.test("an ack for a stale generation is ignored and counted nowhere", async () => {
  const cp = double();
  const gateway = await register(cp);
  const deployment = cp.addDeployment({
    gatewayId: String(gateway.id),
    apiName: "a",
    backendUrl: "http://a",
    desiredGeneration: 3,
  });
  const counts = await ackRoutes(cp, String(gateway.id), [
    { deployment_id: deployment.id, status: "applied", generation: 2 },
  ]);
  assert.deepEqual(counts, { processed: 0, not_found: 0 });
  const row = cp.deployments.byId(deployment.id)!;
  assert.equal(row.sync_status, "pending");
  assert.equal(row.last_sync_attempt, null);
});

Deno.test("a failed re-ack keeps a stable synced deployment synced", async () => {
  const cp = double();
  const gateway = await register(cp);
  const gatewayId = String(gateway.id);
  const stable = cp.addDeployment({
    gatewayId,
    apiName: "stable",
    backendUrl: "http://s",
    status: "synced",
    desiredGeneration: 3,
  });
  const counts = await ackRoutes(cp, gatewayId, [
    { deployment_id: stable.id, status: "failed", error: "webmethods rebooting", generation: 3 },
  ]);
  assert.deepEqual(counts, { processed: 1, not_found: 0 });
  const row = cp.deployments.byId(stable.id)!;
  assert.equal(row.sync_status, "synced");
  assert.equal(row.sync_error, null);
  assert.deepEqual(row.sync_steps, [], "steps are not stored for a preserved deployment");
  assert.notEqual(row.last_sync_attempt, null);
});

Deno.test("for a newer generation only connectivity errors keep a synced deployment synced", async () => {
  const cp = double();
  const gateway = await register(cp);
  const gatewayId = String(gateway.id);
  const seed = (apiName: string) =>
    cp.addDeployment({
      gatewayId,
      apiName,
      backendUrl: "http://x",
      status: "synced",
      desiredGeneration: 4,
      syncedGeneration: 3,
    });
  const unreachable = seed("unreachable");
  const rejected = seed("rejected");
  await ackRoutes(cp, gatewayId, [
    {
      deployment_id: unreachable.id,
      status: "applied",
      generation: 4,
      steps: [{ name: "adapter_connected", status: "failed", detail: "dial tcp: I/O Timeout" }],
    },
    { deployment_id: rejected.id, status: "failed", error: "schema violation", generation: 4 },
  ]);
  const kept = cp.deployments.byId(unreachable.id)!;
  assert.equal(kept.sync_status, "synced");
  assert.equal(kept.synced_generation, 3);
  assert.equal(kept.attempted_generation, 4);
  const failed = cp.deployments.byId(rejected.id)!;
  assert.equal(failed.sync_status, "error");
  assert.equal(failed.sync_error, "schema violation");
  assert.equal(failed.attempted_generation, 4);
});

Deno.test("route-sync-ack statuses other than applied and failed are ignored", async () => {
  const cp = double();
  const gateway = await register(cp);
  const deployment = cp.addDeployment({
    gatewayId: String(gateway.id),
    apiName: "a",
    backendUrl: "http://a",
  });
  const counts = await ackRoutes(cp, String(gateway.id), [
    { deployment_id: deployment.id, status: "skipped" },
  ]);
  assert.deepEqual(counts, { processed: 0, not_found: 0 });
  assert.equal(cp.deployments.byId(deployment.id)!.sync_status, "pending");
});

Deno.test("route-sync-ack still works for a soft-deleted gateway", async () => {
  const cp = double();
  const gateway = await register(cp);
  const deployment = cp.addDeployment({
    gatewayId: String(gateway.id),
    apiName: "a",
    backendUrl: "http://a",
  });
  cp.purgeGateway(String(gateway.id));
  const counts = await ackRoutes(cp, String(gateway.id), [
    { deployment_id: deployment.id, status: "applied" },
  ]);
  assert.deepEqual(counts, { processed: 1, not_found: 0 });
});

Deno.test("redeploying bumps the generation only when the desired state changes; force-sync always does", () => {
  const cp = double();
  const gateway = cp.addGateway({ name: "gw" });
  const first = cp.addDeployment({
    gatewayId: gateway.id,
    apiName: "a",
    backendUrl: "http://a",
    status: "synced",
  });
  const same = cp.addDeployment({ gatewayId: gateway.id, apiName: "a", backendUrl: "http://a" });
  assert.equal(same.id, first.id);
  assert.equal(same.desired_generation, 1);
  assert.equal(same.sync_status, "synced");
  const changed = cp.addDeployment({
    gatewayId: gateway.id,
    apiName: "a",
    backendUrl: "http://a2",
  });
  assert.equal(changed.id, first.id);
  assert.equal(changed.desired_generation, 2);
  assert.equal(changed.sync_status, "pending");
  const forced = cp.forceSync(first.id);
  assert.equal(forced.desired_generation, 3);
  assert.equal(cp.undeploy(first.id)!.sync_status, "deleting");
});

// --- §9 SSE --------------------------------------------------------------------------------

Deno.test("the event stream is CRLF-framed with Python-style ping comments over a real socket", async () => {
  const cp = double({ sse: { pingIntervalMs: 20, idleHeartbeatMs: 60_000 } });
  const url = await cp.start();
  try {
    const registered = await fetch(`${url}/v1/internal/gateways/register`, {
      method: "POST",
      headers: { "X-Gateway-Key": KEY, "content-type": "application/json" },
      body: JSON.stringify(REGISTRATION),
    });
    const gateway = await registered.json();
    const response = await fetch(`${url}/v1/internal/gateways/${gateway.id}/events`, {
      headers: { "X-Gateway-Key": KEY, accept: "text/event-stream", "cache-control": "no-cache" },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal(response.headers.get("x-accel-buffering"), "no");
    const frames = new FrameReader(response.body!);
    try {
      const ping = await frames.next();
      assert.match(ping!, /^: ping - \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00:00$/);
      await frames.next();
      assert.match(frames.raw, /^(: ping - [^\r\n]+\r\n\r\n)+/);
      assert.equal(frames.raw.replaceAll("\r\n", "").includes("\n"), false, "no bare LF");
      assert.equal(cp.streamsOpen, 1);
    } finally {
      await frames.close();
    }
    await cp.waitFor(() => cp.streamsOpen === 0);
  } finally {
    await cp.stop();
  }
});

Deno.test("an idle stream sends `event: heartbeat` with Python-serialised data", async () => {
  const cp = double({ sse: { pingIntervalMs: 60_000, idleHeartbeatMs: 20 } });
  const gateway = await register(cp);
  const { frames } = await openStream(cp, String(gateway.id));
  try {
    assert.equal(await frames.next(), 'event: heartbeat\r\ndata: {"status": "connected"}');
    assert.equal(await frames.next(), 'event: heartbeat\r\ndata: {"status": "connected"}');
    assert.equal(frames.raw.includes("id:"), false);
    assert.equal(frames.raw.includes("retry:"), false);
  } finally {
    await frames.close();
  }
});

Deno.test("with DEPLOY_MODE sse_only a deploy publishes sync-deployment with the raw desired_state", async () => {
  const cp = double({
    deployMode: "sse_only",
    sse: { pingIntervalMs: 60_000, idleHeartbeatMs: 60_000 },
  });
  const gateway = await register(cp);
  const { frames } = await openStream(cp, String(gateway.id));
  try {
    const deployment = cp.addDeployment({
      gatewayId: String(gateway.id),
      apiName: "Café API",
      apiId: "cafe",
      backendUrl: "http://cafe:8080",
    });
    const frame = await frames.next();
    const expected = pythonJsonDumps({
      deployment_id: deployment.id,
      api_catalog_id: deployment.api_catalog_id,
      gateway_instance_id: gateway.id,
      sync_status: "pending",
      desired_state: deployment.desired_state,
    });
    assert.equal(frame, `event: sync-deployment\r\ndata: ${expected}`);
    const data = frame!.slice(frame!.indexOf("data: ") + 6);
    assert.match(data, /^\{"deployment_id": "/);
    assert.ok(data.includes('"api_name": "Caf\\u00e9 API"'), "json.dumps escapes non-ASCII");
    const payload = JSON.parse(data);
    assert.equal(payload.desired_state.api_name, "Café API", "catalog-shaped, not route-shaped");
    assert.equal(payload.desired_state.api_id, "cafe");
    assert.equal("path_prefix" in payload.desired_state, false);
  } finally {
    await frames.close();
  }
});

Deno.test("in legacy mode deploys publish nothing; unchanged redeploys re-emit in dual mode", async () => {
  const cp = double({ sse: { pingIntervalMs: 60_000, idleHeartbeatMs: 40 } });
  const gateway = await register(cp);
  const gatewayId = String(gateway.id);
  const { frames } = await openStream(cp, gatewayId);
  try {
    const first = cp.addDeployment({
      gatewayId,
      apiName: "a",
      backendUrl: "http://a",
      status: "synced",
    });
    assert.equal(await frames.next(), 'event: heartbeat\r\ndata: {"status": "connected"}');
    cp.setDeployMode("dual");
    cp.addDeployment({ gatewayId, apiName: "a", backendUrl: "http://a" });
    const frame = await frames.next();
    assert.ok(frame!.startsWith("event: sync-deployment\r\n"));
    const payload = JSON.parse(frame!.split("data: ")[1]);
    assert.equal(payload.deployment_id, first.id);
    assert.equal(payload.sync_status, "synced", "unchanged desired state keeps its status");
  } finally {
    await frames.close();
  }
});

Deno.test("pushEvent reaches only the gateway's open streams and only subscribed types", async () => {
  const cp = double({ sse: { pingIntervalMs: 60_000, idleHeartbeatMs: 60_000 } });
  const gateway = await register(cp);
  const other = await register(cp, { hostname: "gravitee-3" });
  const gatewayId = String(gateway.id);
  assert.equal(cp.pushEvent(gatewayId, "sync-deployment", { lost: true }), 0, "no replay");
  const { frames } = await openStream(cp, gatewayId);
  try {
    assert.equal(cp.pushEvent(String(other.id), "sync-deployment", {}), 0);
    assert.equal(cp.pushEvent(gatewayId, "not-subscribed", {}), 0);
    assert.equal(cp.pushEvent(gatewayId, "undeploy", "line one\nline two"), 1);
    assert.equal(await frames.next(), "event: undeploy\r\ndata: line one\r\ndata: line two");
  } finally {
    await frames.close();
  }
});

Deno.test("connecting with a bad key, an unknown or a purged gateway fails before the stream", async () => {
  const cp = double();
  const gateway = await register(cp);
  const wrongKey = await call(cp, "GET", `/${gateway.id}/events`, { key: "nope" });
  assert.equal(wrongKey.status, 401);
  assert.equal(wrongKey.headers.get("content-type"), "application/json");
  const unknown = await call(cp, "GET", `/${crypto.randomUUID()}/events`);
  assert.equal(unknown.status, 404);
  cp.purgeGateway(String(gateway.id));
  const purged = await call(cp, "GET", `/${gateway.id}/events`);
  assert.equal(purged.status, 404);
  assert.equal(purged.body.detail, "Gateway instance not found");
  assert.equal((await call(cp, "GET", "/x/events", { key: null })).status, 422);
  assert.equal(cp.streamsOpen, 0);
});

Deno.test("dropStreams ends streams cleanly or as a cut connection", async () => {
  const cp = double({ sse: { pingIntervalMs: 60_000, idleHeartbeatMs: 60_000 } });
  const first = String((await register(cp)).id);
  const second = String((await register(cp, { hostname: "gravitee-4" })).id);
  const clean = await openStream(cp, first);
  const cut = await openStream(cp, second);
  assert.equal(cp.streamsOpen, 2);
  const cleanEnd = clean.frames.next();
  const cutEnd = cut.frames.next();
  assert.equal(cp.dropStreams(first), 1);
  assert.equal(await cleanEnd, null, "clean end of stream");
  assert.equal(cp.dropStreams(second, { abort: true }), 1);
  await assert.rejects(cutEnd, /dropped/);
  assert.equal(cp.streamsOpen, 0);
  assert.equal(cp.dropStreams(), 0);
});

// --- knobs ------------------------------------------------------------------------------------

Deno.test("failNext answers the next matching requests with the scheduled failure", async () => {
  const cp = double();
  const gateway = await register(cp);
  cp.failNext({ status: 503, path: "heartbeat", count: 2, headers: { "Retry-After": "2" } });
  cp.failNext({ status: 502, path: /\/config$/, body: "<html>bad gateway</html>" });
  const path = `/${gateway.id}/heartbeat`;
  const first = await call(cp, "POST", path, { body: { uptime_seconds: 1 } });
  assert.equal(first.status, 503);
  assert.equal(first.headers.get("retry-after"), "2");
  assert.equal(first.text, '{"detail":"Database service unavailable. Please retry later."}');
  assert.equal((await call(cp, "POST", path, { body: { uptime_seconds: 1 } })).status, 503);
  assert.equal((await call(cp, "POST", path, { body: { uptime_seconds: 1 } })).status, 204);
  const config = await call(cp, "GET", `/${gateway.id}/config`);
  assert.equal(config.status, 502);
  assert.equal(config.text, "<html>bad gateway</html>");
  assert.equal(cp.failuresPending, 0);
  assert.equal(cp.gateways.byId(String(gateway.id))!.health_details.uptime_seconds, 1);
  assert.deepEqual(cp.requestsTo("heartbeat").map((r) => [r.status, r.injected]), [
    [503, true],
    [503, true],
    [204, false],
  ]);
});

Deno.test("the request log keeps method, path, query, headers, parsed body and status", async () => {
  const cp = double();
  const gateway = await register(cp);
  await call(cp, "GET", "/routes?gateway_name=a&gateway_name=kong-edge-01", {
    headers: { "user-agent": "stoa-connect/0.1.0" },
  });
  const [registration] = cp.requestsTo("register");
  assert.equal(registration.method, "POST");
  assert.equal(registration.path, "/v1/internal/gateways/register");
  assert.equal(registration.headers["x-gateway-key"], KEY);
  assert.deepEqual(registration.body, REGISTRATION);
  assert.equal(registration.status, 201);
  assert.ok(registration.time instanceof Date);
  const [routes] = cp.requestsTo("routes");
  assert.deepEqual(routes.query, { gateway_name: "kong-edge-01" });
  assert.equal(routes.headers["user-agent"], "stoa-connect/0.1.0");
  assert.equal(routes.body, undefined);
  assert.equal(cp.requests.length, 2);
  assert.equal(gateway.name, "kong-edge-01-connect-production");
  cp.clearRequests();
  assert.equal(cp.requests.length, 0);
});

Deno.test("latencyMs delays every answer", async () => {
  const cp = double({ latencyMs: 40 });
  const started = performance.now();
  await call(cp, "GET", "/routes");
  assert.ok(performance.now() - started >= 35);
});

Deno.test("trailing slashes redirect with 307, wrong methods get 405, unknown paths 404", async () => {
  const cp = double();
  const redirect = await call(cp, "POST", "/register/?x=1", { body: REGISTRATION });
  assert.equal(redirect.status, 307);
  assert.equal(redirect.headers.get("location"), `${BASE}/register?x=1`);
  const wrongMethod = await call(cp, "GET", "/register");
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get("allow"), "POST");
  assert.equal(wrongMethod.text, '{"detail":"Method Not Allowed"}');
  const missing = await call(cp, "GET", "/credentials");
  assert.equal(missing.status, 404);
  assert.equal(missing.text, '{"detail":"Not Found"}');
  assert.deepEqual(cp.requests.map((r) => [r.endpoint, r.status]), [
    [null, 307],
    ["register", 405],
    [null, 404],
  ]);
});

Deno.test("responses of 1000 bytes or more are gzipped when the client accepts gzip", async () => {
  const cp = double();
  const gateway = cp.addGateway({ name: "gw" });
  for (let index = 0; index < 10; index++) {
    cp.addDeployment({ gatewayId: gateway.id, apiName: `api-${index}`, backendUrl: "http://b" });
  }
  const small = await cp.fetch(
    new Request(`${BASE}/routes?gateway_name=none`, {
      headers: { "accept-encoding": "gzip" },
    }),
  );
  assert.equal(small.headers.get("content-encoding"), null);
  assert.equal(await small.text(), "[]");
  const large = await cp.fetch(
    new Request(`${BASE}/routes`, {
      headers: { "accept-encoding": "gzip, br" },
    }),
  );
  assert.equal(large.headers.get("content-encoding"), "gzip");
  const text = await new Response(large.body!.pipeThrough(new DecompressionStream("gzip"))).text();
  assert.equal(JSON.parse(text).length, 10);
  const plain = await cp.fetch(new Request(`${BASE}/routes`));
  assert.equal(plain.headers.get("content-encoding"), null);
  await plain.body?.cancel();
  const stream = await cp.fetch(
    new Request(`${BASE}/${gateway.id}/events`, {
      headers: { "X-Gateway-Key": KEY, "accept-encoding": "gzip" },
    }),
  );
  assert.equal(stream.headers.get("content-encoding"), null, "the event stream is never gzipped");
  await stream.body?.cancel();
});

Deno.test("the health worker marks silent gateways offline, heartbeats revive them, purge deletes them", async () => {
  let clock = new Date("2026-07-31T06:00:00.000Z");
  const cp = double({
    now: () => clock,
    healthWorker: { heartbeatTimeoutMs: 90_000, purgeAfterMs: 7 * 86_400_000 },
  });
  const gateway = await register(cp);
  const id = String(gateway.id);
  clock = new Date(clock.getTime() + 60_000);
  assert.deepEqual(cp.runHealthCheck(), { markedOffline: [], purged: [] });
  clock = new Date(clock.getTime() + 31_000);
  assert.deepEqual(cp.runHealthCheck(), { markedOffline: [id], purged: [] });
  const offline = cp.gateways.byId(id)!;
  assert.equal(offline.status, "offline");
  assert.equal(offline.health_details.offline_reason, "heartbeat_timeout");
  assert.equal(offline.health_details.marked_offline_at, "2026-07-31T06:01:31.000000+00:00");

  await call(cp, "POST", `/${id}/heartbeat`, { body: { uptime_seconds: 100 } });
  assert.equal(cp.gateways.byId(id)!.status, "online");

  clock = new Date(clock.getTime() + 8 * 86_400_000);
  assert.deepEqual(cp.runHealthCheck(), { markedOffline: [id], purged: [id] });
  assert.equal(cp.gateways.byId(id)!.deleted_by, "system:auto-purge");
  assert.equal(
    (await call(cp, "POST", `/${id}/heartbeat`, { body: { uptime_seconds: 1 } })).status,
    404,
  );
});

Deno.test("POST /cleanup purges unprotected gateways offline for longer than the purge age", async () => {
  const cp = double({ healthWorker: { purgeAfterMs: 86_400_000 } });
  const longAgo = new Date(Date.now() - 2 * 86_400_000);
  cp.addGateway({ name: "old-offline", status: "offline", lastHealthCheck: longAgo });
  cp.addGateway({
    name: "old-protected",
    status: "offline",
    lastHealthCheck: longAgo,
    protected: true,
  });
  cp.addGateway({ name: "recent-offline", status: "offline" });
  cp.addGateway({ name: "old-online", lastHealthCheck: longAgo });
  const answer = await call(cp, "POST", "/cleanup");
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.body, { purged_count: 1, purged_instances: ["old-offline"] });
  assert.equal(cp.gateways.byName("old-offline")!.deleted_by, "system:manual-cleanup");
  assert.deepEqual(cp.gateways.list().map((row) => row.name), [
    "old-protected",
    "recent-offline",
    "old-online",
  ]);
});

Deno.test("waitFor resolves once the predicate holds and rejects after its timeout", async () => {
  const cp = double();
  let ready = false;
  const timer = setTimeout(() => (ready = true), 20);
  await cp.waitFor(() => ready, { timeoutMs: 1000 });
  clearTimeout(timer);
  await assert.rejects(cp.waitFor(() => false, { timeoutMs: 30, message: "never" }), /never/);
});

Deno.test("pythonJsonDumps matches Python's json.dumps defaults", () => {
  assert.equal(
    pythonJsonDumps({ a: [1, 2.5, true, null], "é": "tab\there \u2028 \ud83d\ude00", n: 1e-7 }),
    '{"a": [1, 2.5, true, null], "\\u00e9": "tab\\there \\u2028 \\ud83d\\ude00", "n": 1e-07}',
  );
  assert.equal(pythonJsonDumps({}), "{}");
  assert.equal(pythonJsonDumps('quote " and \\ and \u007f'), '"quote \\" and \\\\ and \\u007f"');
});

// --- the runnable entry --------------------------------------------------------------------

Deno.test("control_plane_server parses flags and falls back to the CP's environment variables", () => {
  const env = (values: Record<string, string>) => (name: string) => values[name];
  assert.deepEqual(parseServerArgs(["--port", "0", "--key", "a,b", "--key", "c"], env({})), {
    port: 0,
    hostname: "127.0.0.1",
    keys: ["a", "b", "c"],
    deployMode: "legacy",
  });
  const fromEnv = parseServerArgs([], env({ GATEWAY_API_KEYS: " k1 , ,k2", DEPLOY_MODE: "dual" }));
  assert.deepEqual(fromEnv, {
    port: 0,
    hostname: "127.0.0.1",
    keys: ["k1", "k2"],
    deployMode: "dual",
  });
  assert.equal(parseServerArgs(["--help"], env({})), "help");
  assert.throws(() => parseServerArgs(["--port", "x"], env({})), /--port/);
  assert.throws(() => parseServerArgs(["--deploy-mode", "push"], env({})), /--deploy-mode/);
  assert.throws(() => parseServerArgs(["--bogus"], env({})));
});

Deno.test("control_plane_server prints its URL, serves, and exits cleanly on SIGTERM", async () => {
  const script = new URL("./control_plane_server.ts", import.meta.url);
  const root = new URL("../../", import.meta.url);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      script.pathname,
      "--port",
      "0",
      "--key",
      "gw_demo_key",
    ],
    cwd: root.pathname,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  try {
    const deadline = Date.now() + 15_000;
    while (!output.includes("\n")) {
      const { value, done } = await withTimeout(
        lines.read(),
        deadline - Date.now(),
        () => `no URL line on stdout; got ${JSON.stringify(output)}`,
      );
      if (done) break;
      output += value;
    }
    const match = /^CP_DOUBLE_URL=(http:\/\/127\.0\.0\.1:\d+)\n$/.exec(output);
    assert.ok(match, `unexpected output: ${output}`);
    const answer = await fetch(`${match[1]}/v1/internal/gateways/register`, {
      method: "POST",
      headers: { "X-Gateway-Key": "gw_demo_key", "content-type": "application/json" },
      body: JSON.stringify(REGISTRATION),
    });
    assert.equal(answer.status, 201);
    await answer.body?.cancel();
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    const rest = await lines.read();
    await lines.cancel();
    const stderr = await new Response(child.stderr).text();
    assert.equal(status.code, 0, stderr);
    assert.equal(rest.done, true, "nothing but the URL line on stdout");
  }
});
