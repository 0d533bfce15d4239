/**
 * Tests of the Gravitee adapter's detection, probe and discovery against the emulator, every call
 * checked against the Management API v2 spec.
 *
 * @module
 */

import assert from "node:assert/strict";
import { GatewayHttpError } from "../../../src/gateways/admin_http.ts";
import {
  createGraviteeAdapter,
  detectGravitee,
} from "../../../src/gateways/gravitee/gravitee_adapter.ts";
import { managementRoot } from "../../../src/gateways/gravitee/gravitee_client.ts";
import { GraviteeEmulator } from "../../fakes/gravitee_emulator.ts";
import { KongEmulator } from "../../fakes/kong_emulator.ts";
import { specTest } from "../../support/specs.ts";
import { ADMIN_URL, harness, HARNESS_SPECS } from "./gravitee_harness.ts";

async function rejection(promise: Promise<unknown>): Promise<GatewayHttpError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayHttpError, `not a GatewayHttpError: ${error}`);
    return error;
  }
  throw new Error("expected a rejection");
}

function fixedFetch(status: number, body: string): typeof fetch {
  return () => Promise.resolve(new Response(body || null, { status }));
}

// ---------------------------------------------------------------------------------------------
// Detection and probe
// ---------------------------------------------------------------------------------------------

specTest({
  name: "detectGravitee and probe recognise the Management API; probe checks the environment",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, assertConformant } = await harness({
      emulator: { tier: "universe" },
    });
    const detected = await detectGravitee({
      adminUrl: ADMIN_URL,
      user: "admin",
      password: "admin",
      fetch: gravitee.fetch,
    });
    assert.deepEqual(detected, { type: "gravitee", version: "unknown" });
    assert.deepEqual(await adapter.probe(), {
      type: "gravitee",
      version: "unknown",
      edition: "universe",
    });
    assert.deepEqual(gravitee.requests.map((r) => r.path).slice(1), [
      "/management/v2/organizations/DEFAULT",
      "/management/v2/organizations/DEFAULT/environments/DEFAULT",
      "/management/v2/organizations/DEFAULT/license",
    ]);
    const ghost = createGraviteeAdapter({
      adminUrl: ADMIN_URL,
      user: "admin",
      password: "admin",
      environment: "PROD",
      fetch: gravitee.fetch,
    });
    const error = await rejection(ghost.probe());
    assert.equal(error.status, 404);
    assert.match(error.message, /Environment \[PROD\] cannot be found\./);
    assertConformant();
  },
});

Deno.test("detectGravitee returns null for other gateways and web servers", async () => {
  const kong = new KongEmulator();
  assert.equal(await detectGravitee({ adminUrl: ADMIN_URL, fetch: kong.fetch }), null);
  for (
    const [status, body] of [
      [404, JSON.stringify({ message: "Not Found" })],
      [200, JSON.stringify({ status: "UP" })],
      [200, "<html>Gravitee</html>"],
      [401, JSON.stringify({ message: "Unauthorized", http_status: 401 })],
      [500, ""],
    ] as const
  ) {
    assert.equal(
      await detectGravitee({ adminUrl: ADMIN_URL, fetch: fixedFetch(status, body) }),
      null,
      `${status} ${body}`,
    );
  }
});

Deno.test("detection throws when Gravitee refuses the credentials, naming what to fix", async () => {
  const gravitee = new GraviteeEmulator({ token: "pat-good" });
  const basic = await rejection(
    detectGravitee({
      adminUrl: ADMIN_URL,
      user: "admin",
      password: "wrong",
      fetch: gravitee.fetch,
    }),
  );
  assert.equal(basic.status, 401);
  assert.match(basic.message, /refused the user and password \(401\).*STOA_GATEWAY_ADMIN_PASSWORD/);
  assert.ok(!basic.message.includes("wrong"));
  const bearer = await rejection(
    detectGravitee({ adminUrl: ADMIN_URL, token: "pat-bad", fetch: gravitee.fetch }),
  );
  assert.match(bearer.message, /refused the token \(401\).*STOA_GATEWAY_ADMIN_TOKEN/);
  const none = await rejection(detectGravitee({ adminUrl: ADMIN_URL, fetch: gravitee.fetch }));
  assert.match(none.message, /requires credentials \(401\).*STOA_GATEWAY_ADMIN_USER/);
  // The token wins over user and password, and is sent as a bearer token.
  const adapter = createGraviteeAdapter({
    adminUrl: ADMIN_URL,
    token: "pat-good",
    user: "admin",
    password: "wrong",
    fetch: gravitee.fetch,
  });
  assert.equal((await adapter.probe()).type, "gravitee");
  assert.equal(gravitee.requests.at(-1)!.headers.authorization, "Bearer pat-good");
});

Deno.test("unreachable, slow and aborted calls fail with clear errors", async () => {
  const gravitee = new GraviteeEmulator();
  const url = await gravitee.start();
  await gravitee.stop();
  const down = await rejection(detectGravitee({ adminUrl: url }));
  assert.equal(down.status, undefined);
  assert.match(
    down.message,
    /^Gravitee Management API unreachable: GET http:\/\/127\.0\.0\.1:\d+\/management\/v2\/organizations\/DEFAULT failed: /,
  );
  assert.match(down.message, /port 8083/);
  const slow = new GraviteeEmulator({ latencyMs: 300 });
  const timeout = await rejection(
    createGraviteeAdapter({
      adminUrl: ADMIN_URL,
      user: "admin",
      password: "admin",
      timeoutMs: 50,
      fetch: slow.fetch,
    })
      .probe(),
  );
  assert.match(timeout.message, /timed out after 0\.05 s/);
  const controller = new AbortController();
  const discovery = createGraviteeAdapter({
    adminUrl: ADMIN_URL,
    user: "admin",
    password: "admin",
    fetch: slow.fetch,
  }).discover({ signal: controller.signal });
  controller.abort(new Error("shutting down"));
  await assert.rejects(discovery, /shutting down/);
});

Deno.test("the admin URL may end with /management or /management/v2, and keeps a proxy prefix", () => {
  assert.equal(managementRoot("http://h:8083").href, "http://h:8083/");
  assert.equal(managementRoot("http://h:8083/management/v2/").href, "http://h:8083/");
  assert.equal(managementRoot("http://h/apim/management").href, "http://h/apim");
  assert.equal(managementRoot("http://h/apim/").href, "http://h/apim");
});

// ---------------------------------------------------------------------------------------------
// Discovery
// ---------------------------------------------------------------------------------------------

specTest({
  name:
    "discovery maps v4 and v2 APIs: paths, targets, API and plan flow policies, security, state",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { adapter, assertConformant } = await harness({ seed: (g) => g.realisticSeed() });
    assert.deepEqual(await adapter.discover(), [
      {
        name: "catalog-v2",
        version: "1.4",
        backend_url: "http://catalog.internal:9000",
        paths: ["/catalog"],
        methods: [],
        policies: ["request-content-limit"],
        is_active: true,
      },
      {
        name: "events",
        version: "1.0",
        backend_url: "",
        paths: ["/events/"],
        methods: [],
        policies: [],
        is_active: true,
      },
      {
        name: "legacy-billing",
        version: "1.0",
        backend_url: "http://billing-v1.internal:8000/",
        paths: ["/billing/"],
        methods: [],
        policies: ["keyless"],
        is_active: false,
      },
      {
        name: "orders-api",
        version: "1.0",
        backend_url: "http://orders.internal:8080/api",
        paths: ["/orders/"],
        methods: [],
        policies: ["keyless", "rate-limit", "quota"],
        is_active: true,
      },
      {
        name: "payments-api",
        version: "2.3",
        backend_url: "https://payments.internal:8443/v2",
        paths: ["/payments/"],
        methods: [],
        policies: ["ip-filtering", "api-key", "jwt", "cors"],
        is_active: true,
      },
    ]);
    assertConformant();
  },
});

specTest({
  name:
    "discovery of 2,500 APIs reads every page: ceil(n/100) list calls plus one plans call per API",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, assertConformant } = await harness({
      seed: (g) => g.seed({ apis: 2500 }),
    });
    const apis = await adapter.discover();
    assert.equal(apis.length, 2500);
    assert.equal(new Set(apis.map((api) => api.name)).size, 2500);
    assert.equal(gravitee.calls, 25 + 2500);
    assert.equal(adapter.calls, gravitee.calls);
    assert.equal(gravitee.writes, 0);
    const listPages = gravitee.requests.filter((r) => r.path.endsWith("/apis"));
    assert.deepEqual(
      listPages.map((r) => r.query.page),
      Array.from({ length: 25 }, (_, i) => String(i + 1)),
    );
    assert.ok(listPages.every((r) => r.query.perPage === "100"));
    assert.deepEqual(apis.at(-1), {
      name: "api-02500",
      version: "1.0",
      backend_url: "http://api-02500.internal:8080/api",
      paths: ["/api-02500/"],
      methods: [],
      policies: ["keyless", "rate-limit"],
      is_active: true,
    });
    assertConformant();
  },
});

specTest({
  name: "discovery of an empty environment is one call; an API deleted meanwhile is left out",
  requires: HARNESS_SPECS,
  fn: async () => {
    const empty = await harness();
    assert.deepEqual(await empty.adapter.discover(), []);
    assert.equal(empty.gravitee.calls, 1);
    const { gravitee, adapter } = await harness({ seed: (g) => g.seed({ apis: 3 }) });
    gravitee.failNext(1, 404, { httpStatus: 404, message: "Api not found." }, {
      when: (r) => r.path.endsWith("/plans"),
    });
    assert.equal((await adapter.discover()).length, 2);
  },
});

specTest({
  name: "a failure while reading pages or plans fails the discovery, naming the API or the page",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter } = await harness({ seed: (g) => g.seed({ apis: 150 }) });
    gravitee.failNext(1, 500, undefined, {
      when: (r) => r.path.endsWith("/apis") && r.query.page === "2",
    });
    const page = await rejection(adapter.discover());
    assert.equal(page.status, 500);
    assert.match(
      page.message,
      /failed on GET .*\/apis \(500\): An unexpected error occurred; check the Management API logs/,
    );
    gravitee.failNext(1, 503, undefined, { when: (r) => r.path.endsWith("/plans") });
    const plans = await rejection(adapter.discover());
    assert.match(
      plans.message,
      /^discovery of API 'api-\d+': Gravitee Management API failed on GET .*\/plans \(503\)/,
    );
    const broken = createGraviteeAdapter({
      adminUrl: ADMIN_URL,
      fetch: () => Promise.resolve(Response.json({ data: "nope" })),
    });
    const malformed = await rejection(broken.discover());
    assert.match(
      malformed.message,
      /^Gravitee answered GET .*\/apis with an unexpected body: .*data/,
    );
  },
});

specTest({
  name: "a page count of -1 (count timed out) is read until a short page",
  requires: HARNESS_SPECS,
  fn: async () => {
    const gravitee = new GraviteeEmulator({ users: [] });
    gravitee.seed({ apis: 230, planFlows: false });
    const uncounted: typeof fetch = async (input, init) => {
      const response = await gravitee.fetch(new Request(input, init));
      const body = await response.json();
      if (new URL(new Request(input, init).url).pathname.endsWith("/apis")) {
        body.pagination = { ...body.pagination, totalCount: -1, pageCount: 0 };
      }
      return Response.json(body, { status: response.status });
    };
    const adapter = createGraviteeAdapter({ adminUrl: ADMIN_URL, fetch: uncounted });
    assert.equal((await adapter.discover()).length, 230);
    assert.equal(gravitee.requests.filter((r) => r.path.endsWith("/apis")).length, 3);
  },
});

Deno.test("auto-detection: Kong's probe says 'not Kong', Gravitee's recognises the Management API", async () => {
  const { resolveGateway } = await import("../../../src/gateways/resolve.ts");
  const { GRAVITEE_DRIVER, KONG_DRIVER } = await import("../../../src/gateways/drivers.ts");
  const gravitee = new GraviteeEmulator();
  const resolved = await resolveGateway({
    type: "auto",
    settings: {
      adminUrl: new URL(ADMIN_URL),
      user: "admin",
      password: "admin",
      fetch: gravitee.fetch,
    },
    drivers: {
      kong: KONG_DRIVER,
      gravitee: GRAVITEE_DRIVER,
    },
  });
  assert.deepEqual([resolved.adapter.type, resolved.info.type], ["gravitee", "gravitee"]);
  assert.equal((await resolved.adapter.discover()).length, 0);
});
