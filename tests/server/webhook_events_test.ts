/**
 * `POST /webhook/events`: accepted batches, 400 on malformed payloads, 413 above 1 MiB before the
 * rest is read, 405 for other methods, and the counts and latencies exposed as metrics.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Hono } from "hono";
import { Registry } from "prom-client";
import { createWebhookEventsApp, WEBHOOK_MAX_BODY_BYTES } from "../../src/server/webhook_events.ts";
import { WebhookEventMetrics } from "../../src/observability/webhook_metrics.ts";

function setup() {
  const registry = new Registry();
  const metrics = new WebhookEventMetrics({ registry });
  const app = new Hono();
  app.route("/webhook/events", createWebhookEventsApp({ metrics, now: () => new Date(0) }));
  const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
    app.request("/webhook/events", {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    });
  return { registry, metrics, app, post };
}

async function metricLines(registry: Registry, prefix: string): Promise<string[]> {
  return (await registry.metrics()).split("\n").filter((line) => line.startsWith(prefix));
}

Deno.test("a batch is accepted, counted by method and status class, latencies observed", async () => {
  const { registry, post } = setup();
  const response = await post(JSON.stringify({
    events: [
      { httpMethod: "GET", status: 200, totalTime: 12, apiName: "orders", tenantId: "acme" },
      { httpMethod: "post", responseCode: "503", status: "FAILURE", totalTime: 2500 },
      { operationName: "SOAP:quote", status: 200, totalTime: 7 },
    ],
  }));
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { accepted: 3 });
  assert.deepEqual(await metricLines(registry, "stoa_connect_gateway_transactions_total"), [
    'stoa_connect_gateway_transactions_total{method="GET",status_class="2xx"} 1',
    'stoa_connect_gateway_transactions_total{method="POST",status_class="5xx"} 1',
    'stoa_connect_gateway_transactions_total{method="OTHER",status_class="2xx"} 1',
  ]);
  const latency = await metricLines(registry, "stoa_connect_gateway_transaction_duration_seconds");
  assert.ok(
    latency.includes(
      'stoa_connect_gateway_transaction_duration_seconds_count{status_class="2xx"} 2',
    ),
  );
  assert.ok(
    latency.includes(
      'stoa_connect_gateway_transaction_duration_seconds_sum{status_class="5xx"} 2.5',
    ),
  );
  assert.ok(
    latency.includes(
      'stoa_connect_gateway_transaction_duration_seconds_bucket{le="0.025",status_class="2xx"} 2',
    ),
  );
  assert.deepEqual(await metricLines(registry, "stoa_connect_webhook_requests_total"), [
    'stoa_connect_webhook_requests_total{outcome="accepted"} 1',
  ]);
  const all = await registry.metrics();
  assert.equal(all.includes("acme") || all.includes("orders"), false, "no tenant or API labels");
});

Deno.test("empty batches are accepted", async () => {
  const { post } = setup();
  for (const body of ["null", "{}", '{"events": []}']) {
    const response = await post(body);
    assert.equal(response.status, 200, body);
    assert.deepEqual(await response.json(), { accepted: 0 });
  }
});

Deno.test("malformed payloads get 400 with a JSON error that names the problem", async () => {
  const { registry, post } = setup();
  const cases: [string, RegExp][] = [
    ["", /the body is empty/],
    ["{not json", /the body is not JSON/],
    ["[1, 2]", /must be a JSON object/],
    ['{"events": [{"status": "x", "totalTime": 1.5}]}', /^events\[0\]\.totalTime: /],
    ['{"events": [{"eventTimestamp": 12}]}', /^events\[0\]\.eventTimestamp: /],
  ];
  for (const [body, message] of cases) {
    const response = await post(body);
    assert.equal(response.status, 400, body);
    const answer = await response.json();
    assert.equal(answer.error, "invalid_payload");
    assert.match(answer.message, message, body);
  }
  assert.deepEqual(await metricLines(registry, "stoa_connect_webhook_requests_total"), [
    `stoa_connect_webhook_requests_total{outcome="invalid"} ${cases.length}`,
  ]);
  assert.deepEqual(await metricLines(registry, "stoa_connect_gateway_transactions_total"), []);
});

Deno.test("a body over 1 MiB gets 413, from its Content-Length or while streaming", async () => {
  const { registry, post } = setup();
  const big = JSON.stringify({ events: [{ resourcePath: "x".repeat(WEBHOOK_MAX_BODY_BYTES) }] });
  const declared = await post(big, { "content-length": String(big.length) });
  assert.equal(declared.status, 413);
  assert.equal((await declared.json()).error, "payload_too_large");

  let pulled = 0;
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      if (pulled > 100) controller.close();
      else controller.enqueue(chunk);
    },
  });
  const streamed = await post(stream, { "transfer-encoding": "chunked" });
  assert.equal(streamed.status, 413);
  await streamed.body?.cancel();
  assert.ok(pulled < 30, `stopped reading after about 1 MiB, not ${pulled} chunks`);

  const justFits = JSON.stringify({ events: [] }).padEnd(WEBHOOK_MAX_BODY_BYTES, " ");
  assert.equal((await post(justFits)).status, 200);
  assert.deepEqual(await metricLines(registry, "stoa_connect_webhook_requests_total"), [
    'stoa_connect_webhook_requests_total{outcome="too_large"} 2',
    'stoa_connect_webhook_requests_total{outcome="accepted"} 1',
  ]);
});

Deno.test("other methods get 405 with Allow: POST", async () => {
  const { app } = setup();
  for (const method of ["GET", "PUT", "DELETE"]) {
    const response = await app.request("/webhook/events", { method });
    assert.equal(response.status, 405, method);
    assert.equal(response.headers.get("allow"), "POST");
    assert.equal((await response.json()).error, "method_not_allowed");
  }
});

Deno.test("the handler works behind a real socket (the agent's server)", async () => {
  const { app } = setup();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  try {
    const response = await fetch(`http://127.0.0.1:${server.addr.port}/webhook/events`, {
      method: "POST",
      body: JSON.stringify({ events: [{ httpMethod: "GET", status: 204 }] }),
    });
    assert.deepEqual(await response.json(), { accepted: 1 });
  } finally {
    await server.shutdown();
  }
});
