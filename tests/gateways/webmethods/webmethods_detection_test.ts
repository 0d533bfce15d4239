/**
 * Detection and probe of webMethods API Gateway (health endpoints, server information), including
 * auto-detection among the drivers.
 *
 * @module
 */

import assert from "node:assert/strict";
import { GatewayHttpError } from "../../../src/gateways/admin_http.ts";
import {
  createWebMethodsAdapter,
  detectWebMethods,
} from "../../../src/gateways/webmethods/webmethods_adapter.ts";
import { serverVersion } from "../../../src/gateways/webmethods/webmethods_detection.ts";
import { restApiBase } from "../../../src/gateways/webmethods/webmethods_client.ts";
import { KONG_DRIVER, WEBMETHODS_DRIVER } from "../../../src/gateways/drivers.ts";
import { resolveGateway } from "../../../src/gateways/resolve.ts";
import { KongEmulator } from "../../fakes/kong_emulator.ts";
import { WebMethodsEmulator } from "../../fakes/webmethods_emulator.ts";
import { ADMIN_URL } from "./webmethods_harness.ts";

const CREDENTIALS = { user: "Administrator", password: "manage" };

/** The error a promise rejects with, which must be a GatewayHttpError. */
async function rejection(promise: Promise<unknown>): Promise<GatewayHttpError> {
  const error = await promise.then(() => undefined, (reason: unknown) => reason);
  assert.ok(error instanceof GatewayHttpError, `expected a GatewayHttpError, got ${error}`);
  return error;
}

/** A fetch answering by path suffix; anything else 404. */
function answering(routes: Record<string, [number, string?]>): typeof fetch {
  return (input, init) => {
    const path = new URL(new Request(input, init).url).pathname;
    const [status, body] = routes[path] ?? [404, ""];
    return Promise.resolve(new Response(body ?? null, { status }));
  };
}

Deno.test("detectWebMethods recognises 10.15 and 11.0 and reads the version", async () => {
  for (const version of ["10.15", "11.0"] as const) {
    const wm = new WebMethodsEmulator({ version });
    const info = await detectWebMethods({ adminUrl: ADMIN_URL, ...CREDENTIALS, fetch: wm.fetch });
    assert.deepEqual(info, { type: "webmethods", version: `${version}.0.0.0` });
    const probed = await createWebMethodsAdapter({
      adminUrl: `${ADMIN_URL}/rest/apigateway/`,
      ...CREDENTIALS,
      fetch: wm.fetch,
    }).probe();
    assert.deepEqual(probed, info);
    assert.deepEqual(wm.requests.map((r) => `${r.method} ${r.path}`), [
      "GET /rest/apigateway/health/engine",
      "GET /rest/apigateway/is/serverinfo",
      "GET /rest/apigateway/health/engine",
      "GET /rest/apigateway/is/serverinfo",
    ]);
    assert.equal(
      wm.requests[0].headers.authorization,
      `Basic ${btoa("Administrator:manage")}`,
    );
  }
});

Deno.test("the REST base is added once, whatever the admin URL looks like", () => {
  for (
    const url of [
      "http://gw:5555",
      "http://gw:5555/",
      "http://gw:5555/rest/apigateway",
      "http://gw:5555/rest/apigateway/",
    ]
  ) {
    assert.equal(restApiBase(url).href, "http://gw:5555/rest/apigateway/");
  }
  assert.equal(restApiBase("https://proxy/wm/").href, "https://proxy/wm/rest/apigateway/");
});

Deno.test("webMethods refusing the credentials is an error naming the settings, not 'not webMethods'", async () => {
  const wm = new WebMethodsEmulator();
  const wrong = await rejection(
    detectWebMethods({
      adminUrl: ADMIN_URL,
      user: "Administrator",
      password: "nope",
      fetch: wm.fetch,
    }),
  );
  assert.equal(wrong.status, 401);
  assert.match(
    wrong.message,
    /refused the credentials \(401\).*STOA_GATEWAY_ADMIN_USER and STOA_GATEWAY_ADMIN_PASSWORD/,
  );
  assert.doesNotMatch(wrong.message, /nope/);
  const none = await rejection(detectWebMethods({ adminUrl: ADMIN_URL, fetch: wm.fetch }));
  assert.match(none.message, /requires credentials \(401\).*set STOA_GATEWAY_ADMIN_USER/);
  const forbidden = await rejection(detectWebMethods({
    adminUrl: ADMIN_URL,
    ...CREDENTIALS,
    fetch: answering({
      "/rest/apigateway/health/engine": [403],
      "/rest/apigateway/health": [200],
    }),
  }));
  assert.match(forbidden.message, /denied .* \(403\).*Administrator role/);
});

Deno.test("anything that is not webMethods is null", async () => {
  const kong = new KongEmulator();
  const others: [string, typeof fetch][] = [
    ["Kong", kong.fetch],
    ["404 everywhere", answering({})],
    ["401 everywhere", () => Promise.resolve(new Response(null, { status: 401 }))],
    ["a web page everywhere", () => Promise.resolve(new Response("<html>hello</html>"))],
    [
      "another product's health",
      answering({ "/rest/apigateway/health/engine": [200, JSON.stringify({ status: "UP" })] }),
    ],
    [
      "a 401 and a web page for health",
      answering({
        "/rest/apigateway/health/engine": [401],
        "/rest/apigateway/health": [200, "<html>login</html>"],
      }),
    ],
  ];
  for (const [what, fetch] of others) {
    assert.equal(
      await detectWebMethods({ adminUrl: ADMIN_URL, ...CREDENTIALS, fetch }),
      null,
      what,
    );
  }
});

Deno.test("a gateway without /health/engine is recognised by its open health check", async () => {
  const info = await detectWebMethods({
    adminUrl: ADMIN_URL,
    ...CREDENTIALS,
    fetch: answering({ "/rest/apigateway/health/engine": [404], "/rest/apigateway/health": [200] }),
  });
  assert.deepEqual(info, { type: "webmethods", version: "unknown" });
});

Deno.test("the version is 'unknown' when server information cannot be read", async () => {
  const wm = new WebMethodsEmulator();
  wm.failNext(1, 500, undefined, { when: (r) => r.path.endsWith("/is/serverinfo") });
  const info = await detectWebMethods({ adminUrl: ADMIN_URL, ...CREDENTIALS, fetch: wm.fetch });
  assert.deepEqual(info, { type: "webmethods", version: "unknown" });
  assert.equal(
    serverVersion({ LicenseDetails: [{ productInformation: { "Product Version": "<string>" } }] }),
    undefined,
  );
  assert.equal(
    serverVersion({
      LicenseDetails: [
        {
          productInformation: {
            "Product Name": "Integration Server",
            "Product Version": "10.15.0.7",
          },
        },
        { productInformation: { "Product Name": "API Gateway", "Product Version": "10.15.0.9" } },
      ],
    }),
    "10.15.0.9",
  );
});

Deno.test("detection and probe throw when nothing answers; probe refuses what is not webMethods", async () => {
  const wm = new WebMethodsEmulator();
  const url = await wm.start();
  await wm.stop();
  const error = await rejection(detectWebMethods({ adminUrl: url, ...CREDENTIALS }));
  assert.equal(error.status, undefined);
  assert.match(
    error.message,
    /^webMethods API Gateway unreachable: GET http:\/\/127\.0\.0\.1:\d+\/rest\/apigateway\/health\/engine failed: /,
  );
  assert.match(error.message, /check STOA_GATEWAY_ADMIN_URL/);
  const notWm = await rejection(
    createWebMethodsAdapter({ adminUrl: ADMIN_URL, ...CREDENTIALS, fetch: answering({}) }).probe(),
  );
  assert.match(notWm.message, /did not answer like webMethods API Gateway.*STOA_GATEWAY_TYPE/);
});

Deno.test("auto-detection skips Kong and picks webMethods with the build's drivers", async () => {
  const wm = new WebMethodsEmulator({ version: "11.0" });
  const resolved = await resolveGateway({
    type: "auto",
    settings: { adminUrl: new URL(ADMIN_URL), ...CREDENTIALS, fetch: wm.fetch },
    drivers: { kong: KONG_DRIVER, webmethods: WEBMETHODS_DRIVER },
  });
  assert.deepEqual(resolved.info, { type: "webmethods", version: "11.0.0.0.0" });
  assert.equal(resolved.adapter.type, "webmethods");
  assert.equal((await resolved.adapter.discover()).length, 0);
});
