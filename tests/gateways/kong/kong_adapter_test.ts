/**
 * Tests of the Kong adapter (detection, probe, discovery) against the Kong emulator.
 *
 * @module
 */

import assert from "node:assert/strict";
import { GatewayHttpError } from "../../../src/gateways/admin_http.ts";
import {
  createKongAdapter,
  detectKong,
  type KongAdapterOptions,
} from "../../../src/gateways/kong/kong_adapter.ts";
import { nextPath } from "../../../src/gateways/kong/kong_collection.ts";
import { KongEmulator, type KongEmulatorOptions } from "../../fakes/kong_emulator.ts";

const ADMIN_URL = "http://kong.test:8001";
const TOKEN = "kong-rbac-token-7f3a";

function adapterFor(kong: KongEmulator, options: Partial<KongAdapterOptions> = {}) {
  return createKongAdapter({ adminUrl: ADMIN_URL, fetch: kong.fetch, ...options });
}

/** A fetch that lets `edit` rewrite each JSON answer of the emulator (a misbehaving proxy). */
function editingFetch(
  kong: KongEmulator,
  edit: (body: Record<string, unknown>, url: URL) => unknown,
): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const response = await kong.fetch(request);
    const body = await response.json() as Record<string, unknown>;
    return Response.json(edit(body, new URL(request.url)), { status: response.status });
  };
}

/** A fetch answering every call with the same body, for gateways that are not Kong. */
function fixedFetch(status: number, body: string, contentType = "application/json"): typeof fetch {
  return () =>
    Promise.resolve(new Response(body, { status, headers: { "content-type": contentType } }));
}

async function rejection(promise: Promise<unknown>): Promise<GatewayHttpError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayHttpError, `not a GatewayHttpError: ${error}`);
    return error;
  }
  throw new Error("expected a rejection");
}

// ---------------------------------------------------------------------------------------------
// Detection and probe
// ---------------------------------------------------------------------------------------------

Deno.test("detectKong recognises Kong: version, edition, mode", async () => {
  const cases: [KongEmulatorOptions, Record<string, unknown>][] = [
    [{}, { type: "kong", version: "3.9.1", edition: "community", dbless: false }],
    [{ edition: "enterprise" }, {
      type: "kong",
      version: "3.10.0.1",
      edition: "enterprise",
      dbless: false,
    }],
    [{ dbless: true }, { type: "kong", version: "3.9.1", edition: "community", dbless: true }],
    // Before 3.6 there is no `edition`: Enterprise versions have four numbers.
    [{ version: "3.4.2" }, { type: "kong", version: "3.4.2", edition: "community", dbless: false }],
    [{ version: "3.4.3.12", edition: "enterprise" }, {
      type: "kong",
      version: "3.4.3.12",
      edition: "enterprise",
      dbless: false,
    }],
  ];
  for (const [options, expected] of cases) {
    const kong = new KongEmulator(options);
    assert.deepEqual(await detectKong({ adminUrl: ADMIN_URL, fetch: kong.fetch }), expected);
    assert.deepEqual(await adapterFor(kong).probe(), expected);
    assert.deepEqual(kong.requests.map((r) => `${r.method} ${r.path}`), ["GET /", "GET /"]);
  }
});

Deno.test("detectKong returns null for anything that is not Kong", async () => {
  const others: [number, string, string?][] = [
    [200, JSON.stringify({ name: "gravitee-management-api", version: "4.12.0" })],
    [200, JSON.stringify({ tagline: "Welcome to Tyk" })],
    [200, JSON.stringify(["kong"])],
    [200, "<html><title>Welcome to kong</title></html>", "text/html"],
    [404, JSON.stringify({ message: "Not Found" })],
    [401, JSON.stringify({ message: "Unauthorized", http_status: 401 })],
    [500, ""],
  ];
  for (const [status, body, type] of others) {
    assert.equal(
      await detectKong({ adminUrl: ADMIN_URL, fetch: fixedFetch(status, body, type) }),
      null,
      `${status} ${body}`,
    );
  }
});

Deno.test("detectKong and probe throw when nothing answers", async () => {
  const kong = new KongEmulator();
  const url = await kong.start();
  await kong.stop();
  const error = await rejection(detectKong({ adminUrl: url }));
  assert.equal(error.status, undefined);
  assert.match(
    error.message,
    /^Kong admin API unreachable: GET http:\/\/127\.0\.0\.1:\d+\/ failed: /,
  );
  assert.match(error.message, /check STOA_GATEWAY_ADMIN_URL/);
  const probeError = await rejection(createKongAdapter({ adminUrl: url }).probe());
  assert.match(probeError.message, /unreachable/);
});

Deno.test("probe refuses a URL that is not Kong, naming the settings to check", async () => {
  const adapter = createKongAdapter({
    adminUrl: ADMIN_URL,
    fetch: fixedFetch(200, JSON.stringify({ status: "UP" })),
  });
  const error = await rejection(adapter.probe());
  assert.match(error.message, /GET http:\/\/kong\.test:8001\/ did not answer like Kong/);
  assert.match(error.message, /STOA_GATEWAY_ADMIN_URL/);
  const notFound = await rejection(
    createKongAdapter({ adminUrl: ADMIN_URL, fetch: fixedFetch(404, "{}") }).probe(),
  );
  assert.equal(notFound.status, 404);
  assert.match(notFound.message, /not the proxy \(8000\)/);
});

Deno.test("the token is sent as Kong-Admin-Token on every call; 401s say what to fix", async () => {
  const kong = new KongEmulator({ edition: "enterprise", adminToken: TOKEN });
  kong.realisticSeed();
  const adapter = adapterFor(kong, { token: TOKEN });
  assert.equal((await adapter.probe()).edition, "enterprise");
  assert.equal((await adapter.discover()).length, 4);
  assert.equal(kong.requests.length, 4);
  for (const request of kong.requests) assert.equal(request.headers["kong-admin-token"], TOKEN);

  const wrong = await rejection(adapterFor(kong, { token: "not-the-token" }).probe());
  assert.equal(wrong.status, 401);
  assert.equal(
    wrong.message,
    "Kong admin API refused the token (401) on GET http://kong.test:8001/: check STOA_GATEWAY_ADMIN_TOKEN",
  );
  assert.ok(!wrong.message.includes("not-the-token"));
  const missing = await rejection(adapterFor(kong).discover());
  assert.equal(missing.status, 401);
  assert.match(
    missing.message,
    /^Kong admin API requires a token \(401\) on GET .*: set STOA_GATEWAY_ADMIN_TOKEN/,
  );
  // Detection cannot go on to other gateways: this is Kong, and the token is wrong.
  const detect = await rejection(
    detectKong({ adminUrl: ADMIN_URL, token: "nope", fetch: kong.fetch }),
  );
  assert.match(detect.message, /refused the token \(401\)/);
});

Deno.test("probe and discover give up after timeoutMs and can be aborted", async () => {
  const kong = new KongEmulator({ latencyMs: 300 });
  const slow = await rejection(adapterFor(kong, { timeoutMs: 50 }).probe());
  assert.match(slow.message, /timed out after 0\.05 s/);
  const controller = new AbortController();
  const discovery = adapterFor(kong).discover({ signal: controller.signal });
  controller.abort(new Error("shutting down"));
  await assert.rejects(discovery, /shutting down/);
});

// ---------------------------------------------------------------------------------------------
// Discovery
// ---------------------------------------------------------------------------------------------

Deno.test("discovery maps services, routes and plugins of a realistic gateway", async () => {
  const kong = new KongEmulator();
  kong.realisticSeed();
  const apis = await adapterFor(kong).discover();
  assert.deepEqual(apis, [
    {
      name: "payments-api",
      version: "",
      backend_url: "https://payments.internal:8443/v2",
      paths: ["/payments", "/payments/refunds"],
      methods: ["GET", "POST", "PUT"],
      policies: ["rate-limiting", "key-auth", "cors"],
      is_active: true,
    },
    {
      name: "orders-api",
      version: "",
      backend_url: "http://orders.internal:8080/api",
      paths: ["/orders", "~/orders/(?<id>[0-9]+)$"],
      methods: ["GET", "POST", "PATCH", "DELETE"],
      policies: ["rate-limiting", "request-size-limiting"],
      is_active: true,
    },
    {
      name: "users-api",
      version: "",
      backend_url: "http://users.internal:9000",
      paths: ["/users", "/me"],
      methods: [], // its route accepts every method
      policies: ["cors", "ip-restriction"],
      is_active: true,
    },
    {
      name: "legacy-billing",
      version: "",
      backend_url: "http://billing-v1.internal:8000/",
      paths: ["/billing"],
      methods: ["GET"],
      policies: [],
      is_active: false,
    },
  ]);
});

Deno.test("discovery: unnamed services, duplicates, any-method routes, disabled plugins, orphans", async () => {
  const kong = new KongEmulator();
  const store = kong.store();
  const unnamed = store.create("services", { host: "anon.internal", port: 81 });
  const service = (id: string) => ({ parent: { field: "service" as const, id } });
  store.create("routes", { paths: ["/a", "/b"], methods: ["GET"] }, service(unnamed.id));
  store.create("routes", { paths: ["/b", "/a"], methods: ["GET", "POST"] }, service(unnamed.id));
  store.create("routes", { paths: ["/orphan"] }); // no service: attributed to nothing
  store.create("plugins", { name: "rate-limiting", config: { minute: 1 } }, service(unnamed.id));
  store.create("plugins", { name: "cors", enabled: false }, service(unnamed.id));
  const route = store.all("routes")[0];
  store.create("plugins", {
    name: "rate-limiting",
    route: { id: route.id },
    config: { second: 1 },
  });
  // One route limited to GET, another open to every method: the API accepts every method.
  const mixed = store.create("services", { name: "mixed", host: "mixed.internal" });
  store.create("routes", { paths: ["/m"], methods: ["GET"] }, service(mixed.id));
  store.create("routes", { hosts: ["mixed.example.com"] }, service(mixed.id));
  const apis = await adapterFor(kong).discover();
  assert.deepEqual(apis, [{
    name: unnamed.id,
    version: "",
    backend_url: "http://anon.internal:81",
    paths: ["/a", "/b"],
    methods: ["GET", "POST"],
    policies: ["rate-limiting"],
    is_active: true,
  }, {
    name: "mixed",
    version: "",
    backend_url: "http://mixed.internal:80",
    paths: ["/m"],
    methods: [],
    policies: [],
    is_active: true,
  }]);
});

Deno.test("discovery of 2,500 services reads whole pages: ceil(n/1000) calls per collection", async () => {
  const kong = new KongEmulator();
  kong.seed({ services: 2500, routesPerService: 2, pluginsPerService: 2 });
  const adapter = adapterFor(kong);
  await adapter.probe();
  const apis = await adapter.discover();
  assert.equal(apis.length, 2500);
  // 1 probe + 3 pages of services + 5 of routes + 5 of plugins; never one call per service.
  assert.equal(kong.calls, 1 + 3 + 5 + 5);
  assert.equal(adapter.calls, kong.calls);
  assert.equal(kong.writes, 0);
  assert.ok(
    kong.requests.every((r) => /^\/(services|routes|plugins)?$/.test(r.path)),
    "flat paths only",
  );
  const firstPages = kong.requests.filter((r) => !("offset" in r.query) && r.path !== "/");
  assert.deepEqual(firstPages.map((r) => r.query.size), ["1000", "1000", "1000"]);
  const last = apis.at(-1)!;
  assert.deepEqual(last, {
    name: "svc-02500",
    version: "",
    backend_url: "http://svc-02500.internal:8080/api",
    paths: ["/svc-02500/r1", "/svc-02500/r2"],
    methods: ["GET", "POST"],
    policies: ["rate-limiting", "key-auth"],
    is_active: true,
  });
});

Deno.test("discovery: a collection that is an exact multiple of 1000 costs no extra call", async () => {
  const kong = new KongEmulator();
  kong.seed({ services: 2000, routesPerService: 0, pluginsPerService: 0 });
  assert.equal((await adapterFor(kong).discover()).length, 2000);
  assert.equal(kong.calls, 2 + 1 + 1);
});

Deno.test("discovery of an empty gateway is an empty list, one call per collection", async () => {
  const kong = new KongEmulator();
  assert.deepEqual(await adapterFor(kong).discover(), []);
  assert.equal(kong.calls, 3);
});

Deno.test("a malformed page is an error naming the collection, the page and the problem", async () => {
  const kong = new KongEmulator();
  kong.realisticSeed();
  const broken = editingFetch(kong, (body, url) => {
    if (url.pathname === "/routes") {
      (body.data as Record<string, unknown>[])[1].paths = "/not-a-list";
    }
    return body;
  });
  const error = await rejection(
    createKongAdapter({ adminUrl: ADMIN_URL, fetch: broken }).discover(),
  );
  assert.equal(error.status, 200);
  assert.match(
    error.message,
    /^Kong answered GET http:\/\/kong\.test:8001\/routes \(routes, page 1\) with a malformed page: data\.1\.paths: .*expected array/,
  );
  const html = await rejection(
    createKongAdapter({ adminUrl: ADMIN_URL, fetch: fixedFetch(200, "<html></html>", "text/html") })
      .discover(),
  );
  assert.match(html.message, /malformed page: \(root\): .*expected object/);
});

Deno.test("a 500 in the middle of the pagination fails the discovery with Kong's answer", async () => {
  const kong = new KongEmulator();
  kong.seed({ services: 2500, routesPerService: 0, pluginsPerService: 0 });
  kong.failNext(1, 500, undefined, { when: (r) => r.path === "/services" && "offset" in r.query });
  const error = await rejection(adapterFor(kong).discover());
  assert.equal(error.status, 500);
  assert.equal(
    error.message,
    "Kong admin API failed on GET http://kong.test:8001/services (services, page 2) (500): " +
      `{"message":"An unexpected error occurred"}; check Kong's error log`,
  );
});

Deno.test("an admin URL with a path prefix (reverse proxy) is kept for every page", async () => {
  const kong = new KongEmulator();
  // The proxy serves Kong under /kong-admin only; anything else is a 404 from the proxy.
  const proxy: typeof fetch = (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (!url.pathname.startsWith("/kong-admin/")) {
      return Promise.resolve(Response.json({ error: "no route" }, { status: 404 }));
    }
    url.pathname = url.pathname.slice("/kong-admin".length);
    return kong.fetch(new Request(url, request));
  };
  for (const adminUrl of ["http://gw.test/kong-admin/", "http://gw.test/kong-admin"]) {
    kong.reset();
    kong.seed({ services: 1200, routesPerService: 1, pluginsPerService: 0 });
    const adapter = createKongAdapter({ adminUrl, fetch: proxy });
    assert.equal((await adapter.probe()).type, "kong");
    assert.equal((await adapter.discover()).length, 1200);
    assert.equal(kong.calls, 1 + 2 + 2 + 1, adminUrl);
  }
});

Deno.test("an absolute next (as in Kong's docs) is followed below the configured base URL", async () => {
  const kong = new KongEmulator();
  kong.seed({ services: 1500, routesPerService: 0, pluginsPerService: 0 });
  const absolute = editingFetch(kong, (body) => {
    if (typeof body.next === "string") body.next = `http://localhost:8001${body.next}`;
    return body;
  });
  const apis = await createKongAdapter({ adminUrl: ADMIN_URL, fetch: absolute }).discover();
  assert.equal(apis.length, 1500);
});

Deno.test("a next link that loops is detected instead of read forever", async () => {
  const kong = new KongEmulator();
  const looping = editingFetch(
    kong,
    (body) => ({ ...body, next: "/services?offset=WzEsImEiXQ%3D%3D" }),
  );
  const error = await rejection(
    createKongAdapter({ adminUrl: ADMIN_URL, fetch: looping }).discover(),
  );
  assert.match(error.message, /next link already followed/);
});

Deno.test("a workspace prefixes every entity path, in first pages and in next links", async () => {
  const kong = new KongEmulator({ edition: "enterprise", workspaces: ["team-a"] });
  kong.seed({ services: 1500, routesPerService: 1, pluginsPerService: 1, workspace: "team-a" });
  kong.seed({ services: 3, prefix: "default-ws" });
  const adapter = adapterFor(kong, { workspace: "team-a" });
  assert.equal(adapter.workspace, "team-a");
  await adapter.probe();
  const apis = await adapter.discover();
  assert.equal(apis.length, 1500);
  assert.ok(apis.every((api) => api.name.startsWith("svc-")));
  const paths = kong.requests.map((r) => r.path);
  assert.equal(paths[0], "/", "node information is global");
  assert.ok(paths.slice(1).every((path) => path.startsWith("/team-a/")), paths.join(" "));
  assert.equal(kong.calls, 1 + 2 + 2 + 2);
});

Deno.test("a workspace is added to next links that lack it, and an unknown one is a clear 404", async () => {
  const kong = new KongEmulator({ edition: "enterprise", workspaces: ["team-a"] });
  kong.seed({ services: 1500, routesPerService: 0, pluginsPerService: 0, workspace: "team-a" });
  const withoutPrefix = editingFetch(kong, (body) => {
    if (typeof body.next === "string") body.next = body.next.replace(/^\/team-a/, "");
    return body;
  });
  const adapter = createKongAdapter({
    adminUrl: ADMIN_URL,
    fetch: withoutPrefix,
    workspace: "team-a",
  });
  assert.equal((await adapter.discover()).length, 1500);
  const ghost = await rejection(adapterFor(kong, { workspace: "ghost" }).discover());
  assert.equal(ghost.status, 404);
  assert.match(ghost.message, /check STOA_KONG_WORKSPACE \('ghost'\)/);
});

Deno.test("nextPath: relative, absolute, workspace-prefixed or not", () => {
  assert.equal(nextPath("/services?offset=a%2B&size=1000"), "services?offset=a%2B&size=1000");
  assert.equal(nextPath("http://localhost:8001/routes?offset=x"), "routes?offset=x");
  assert.equal(nextPath("/services?offset=x", "team a"), "team%20a/services?offset=x");
  assert.equal(nextPath("/team%20a/services?offset=x", "team a"), "team%20a/services?offset=x");
  assert.equal(nextPath("/services?offset=x", "services"), "services/services?offset=x");
});
