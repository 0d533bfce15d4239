/**
 * Normalisation of webMethods transactional events (reference-agent.md §8.3 and the §9.4 telemetry
 * items), in the Go agent's field names and in webMethods' own.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  normaliseEvent,
  readWebhookPayload,
} from "../../../src/gateways/webmethods/webmethods_telemetry.ts";
import { readSpecJson, specTest } from "../../support/specs.ts";

const NOW = new Date("2026-05-01T12:00:00Z");

Deno.test("an event in the Go agent's shape is normalised field by field", () => {
  const event = normaliseEvent({
    eventTimestamp: "1777636800123",
    apiId: "api-1",
    apiName: "orders",
    operationName: "getOrders",
    httpMethod: "GET",
    resourcePath: "/orders",
    status: 200,
    totalTime: 42,
    tenantId: "acme",
  }, NOW);
  assert.deepEqual(event, {
    timestamp: new Date(1777636800123),
    method: "GET",
    path: "/orders",
    status: 200,
    latency_ms: 42,
    tenant_id: "acme",
    api_name: "orders",
    api_id: "api-1",
  });
});

Deno.test("timestamps are strict epoch milliseconds; anything else is the receipt time", () => {
  const at = (eventTimestamp: string) => normaliseEvent({ eventTimestamp }, NOW).timestamp;
  assert.deepEqual(at("-1000"), new Date(-1000));
  assert.deepEqual(at("+5"), new Date(5));
  for (const bad of ["123abc", "", "abc", "1.5e3", " 12"]) assert.deepEqual(at(bad), NOW, bad);
  assert.deepEqual(
    normaliseEvent({ creationDate: 1487229288461 }, NOW).timestamp,
    new Date(1487229288461),
  );
});

Deno.test("method falls back to the operation name; empty optional fields are left out", () => {
  const event = normaliseEvent(
    { operationName: "SOAP:getQuote", apiName: "", tenantId: null },
    NOW,
  );
  assert.deepEqual(event, {
    timestamp: NOW,
    method: "SOAP:getQuote",
    path: "",
    status: 0,
    latency_ms: 0,
  });
});

Deno.test("the payload is {events: [...]}; null, {} and no events are an empty batch", () => {
  for (const body of [null, {}, { events: null }, { events: [] }, { other: 1 }]) {
    assert.deepEqual(readWebhookPayload(body, NOW), { events: [] }, JSON.stringify(body));
  }
  const two = readWebhookPayload({ events: [{ status: 500 }, { status: 201, totalTime: 3 }] }, NOW);
  assert.ok("events" in two);
  assert.deepEqual(two.events.map((e) => e.status), [500, 201]);
});

Deno.test("a known field of the wrong type, or a body that is not an object, is refused by position", () => {
  const cases: [unknown, RegExp][] = [
    [[], /must be a JSON object/],
    ["events", /must be a JSON object/],
    [{ events: {} }, /^events: /],
    [
      { events: [{ status: 200 }, { eventTimestamp: 1777636800123 }] },
      /^events\[1\]\.eventTimestamp: /,
    ],
    [{ events: [{ totalTime: 1.5 }] }, /^events\[0\]\.totalTime: /],
    [{ events: [{ totalTime: -3 }] }, /^events\[0\]\.totalTime: /],
    [{ events: [{ status: true }] }, /^events\[0\]\.status: /],
    [{ events: [{ apiName: 7 }] }, /^events\[0\]\.apiName: /],
  ];
  for (const [body, message] of cases) {
    const result = readWebhookPayload(body, NOW);
    assert.ok("error" in result, JSON.stringify(body));
    assert.match(result.error, message);
  }
});

specTest({
  name:
    "webMethods' own transactional events (Swagger example) are read, HTTP code from responseCode",
  requires: ["webmethods/swagger-11.0/APIGatewayTransactionalEvent.json"],
  fn: async () => {
    const spec = await readSpecJson<
      {
        paths: Record<
          string,
          Record<string, { responses: Record<string, { examples?: Record<string, string> }> }>
        >;
      }
    >(
      "webmethods",
      "swagger-11.0",
      "APIGatewayTransactionalEvent.json",
    );
    const example = JSON.parse(
      spec.paths["/transactionalEvents/_search"].get.responses["200"].examples!["application/json"],
    );
    const result = readWebhookPayload(example, NOW);
    assert.ok("events" in result);
    assert.deepEqual(result.events, [{
      timestamp: new Date(1487229288461),
      method: "post",
      path: "",
      status: 200,
      latency_ms: 1386,
      api_name: "PetStoreTest",
      api_id: "73c40484-678a-4fb0-a56c-21119869e5f4",
    }]);
  },
});
