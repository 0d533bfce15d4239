/**
 * Contract tests of the Kong emulator's DB-less mode: `GET /config` exports like Kong
 * (`kong/db/declarative/export.lua`), `POST /config` validates and replaces everything, answers
 * 304 with `check_hash=1` for the current content and Kong's code-14 error for invalid documents
 * (`kong/api/routes/config.lua`, `fixtures/errors/400-dbless-config-invalid.json`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { KongEmulator } from "./kong_emulator.ts";
import { call, data, EE_310, type Json, kongSpec, OSS_39 } from "./kong_emulator_contract.ts";
import { kongBasicAuthHash } from "./kong_emulator_store.ts";
import { assertValid } from "../support/openapi.ts";
import { specTest } from "../support/specs.ts";

/** A small gateway as a declarative document (flat, references by name). */
const DOCUMENT = {
  _format_version: "3.0",
  services: [{ name: "orders", host: "orders.internal", port: 8080, tags: ["team"] }],
  routes: [{ name: "orders", paths: ["/orders"], service: "orders" }],
  consumers: [{ username: "alice" }],
  plugins: [{ name: "rate-limiting", service: "orders", config: { minute: 5 } }],
  keyauth_credentials: [{ key: "alice-key", consumer: "alice" }],
};

async function exported(kong: KongEmulator): Promise<Json> {
  const answer = await call(kong, "GET", "/config");
  assert.equal(answer.status, 200, answer.text);
  return parseYaml((answer.body as { config: string }).config) as Json;
}

specTest({
  name: "/config is documented in OSS 3.9 and EE 3.10; both answers validate against EE 3.10",
  requires: [OSS_39, EE_310],
  fn: async () => {
    const oss = await kongSpec(OSS_39);
    const ee = await kongSpec(EE_310);
    for (const method of ["GET", "POST"]) {
      assert.ok(oss.hasOperation(method, "/config"), `OSS ${method} /config`);
      assert.ok(ee.hasOperation(method, "/config"), `EE ${method} /config`);
    }
    const kong = new KongEmulator({ dbless: true });
    assertValid(ee.validateRequest("POST", "/config", DOCUMENT), "POST /config body");
    const posted = await call(kong, "POST", "/config", DOCUMENT);
    assert.equal(posted.status, 201, posted.text);
    assertValid(ee.validateResponse("POST", "/config", 201, posted.body), "POST /config 201");
    const read = await call(kong, "GET", "/config");
    assertValid(ee.validateResponse("GET", "/config", 200, read.body), "GET /config 200");
    assert.deepEqual(
      ee.documentedStatuses("POST", "/config"),
      ["201"],
      "304 (check_hash) is undocumented: a spec defect the adapter checks excuse",
    );
  },
});

Deno.test("/config answers 400 on a node with a database, 405 for other methods", async () => {
  const kong = new KongEmulator();
  const message = {
    message: "this endpoint is only available when Kong is configured to not use a database",
  };
  assert.deepEqual((await call(kong, "GET", "/config")).body, message);
  const posted = await call(kong, "POST", "/config", DOCUMENT);
  assert.equal(posted.status, 400);
  assert.deepEqual(posted.body, message);
  assert.equal((await call(new KongEmulator({ dbless: true }), "PUT", "/config", {})).status, 405);
});

Deno.test("POST /config loads everything and answers 201 with the entities by id", async () => {
  const kong = new KongEmulator({ dbless: true });
  kong.realisticSeed();
  const answer = await call(kong, "POST", "/config", DOCUMENT);
  assert.equal(answer.status, 201, answer.text);
  const body = answer.body as Record<string, Record<string, Json>>;
  assert.deepEqual(Object.keys(body).sort(), [
    "consumers",
    "keyauth_credentials",
    "plugins",
    "routes",
    "services",
  ]);
  const [service] = Object.values(body.services);
  assert.equal(body.services[service.id as string], service, "keyed by id");
  assert.equal(service.retries, 5, "defaults filled");
  const [route] = Object.values(body.routes);
  assert.deepEqual(route.service, { id: service.id }, "reference by name resolved");
  // Replace-all: the seeded gateway is gone.
  assert.deepEqual(data(await call(kong, "GET", "/services")).map((s) => s.name), ["orders"]);
  assert.equal(kong.store().count("plugins"), 1);
  const plugin = data(await call(kong, "GET", "/plugins"))[0];
  assert.equal((plugin.config as Json).minute, 5);
  assert.equal((plugin.config as Json).policy, "local", "plugin config defaults filled");
});

Deno.test("GET /config exports like Kong: format 3.0, _transform false, flat, ids, nulls", async () => {
  const kong = new KongEmulator({ dbless: true });
  kong.realisticSeed();
  const document = await exported(kong);
  assert.equal(document._format_version, "3.0");
  assert.equal(document._transform, false);
  assert.deepEqual(
    Object.keys(document).filter((key) => !key.startsWith("_")),
    ["services", "routes", "consumers", "plugins"],
    "parents before children, empty collections left out",
  );
  const services = document.services as Json[];
  const routes = document.routes as Json[];
  assert.equal(typeof routes[0].service, "string", "foreign keys are plain ids");
  assert.ok(services.some((service) => service.id === routes[0].service));
  assert.equal(services.find((s) => s.name === "users-api")!.path, null, "unset fields are null");
  assert.equal((document.plugins as Json[]).length, kong.store().count("plugins"));
});

Deno.test("check_hash=1: the same content answers 304 (no body), a change loads (201)", async () => {
  const kong = new KongEmulator({ dbless: true });
  assert.equal((await call(kong, "POST", "/config?check_hash=1", DOCUMENT)).status, 201);
  const again = await call(kong, "POST", "/config?check_hash=1", DOCUMENT);
  assert.equal(again.status, 304);
  assert.equal(again.text, "");
  // The export (with ids and timestamps) is the same content: 304 as well.
  const roundTrip = await call(kong, "POST", "/config?check_hash=1", await exported(kong));
  assert.equal(roundTrip.status, 304, roundTrip.text);
  // Without check_hash Kong reloads anyway.
  assert.equal((await call(kong, "POST", "/config", DOCUMENT)).status, 201);
  const changed = { ...DOCUMENT, consumers: [{ username: "alice" }, { username: "bob" }] };
  assert.equal((await call(kong, "POST", "/config?check_hash=1", changed)).status, 201);
  assert.equal(kong.store().count("consumers"), 2);
  assert.equal(kong.writes, 5, "every POST /config is a write, 304 included");
});

Deno.test("an export loaded back gives the same state (ids kept, nothing lost)", async () => {
  const kong = new KongEmulator({ dbless: true });
  kong.realisticSeed();
  assert.equal((await call(kong, "POST", "/config", DOCUMENT)).status, 201);
  const before = await exported(kong);
  assert.equal((await call(kong, "POST", "/config", before)).status, 201);
  const after = await exported(kong);
  const withoutTimes = (document: Json) =>
    JSON.parse(JSON.stringify(document, (key, value) => key.endsWith("_at") ? undefined : value));
  assert.deepEqual(withoutTimes(after), withoutTimes(before));
});

Deno.test("nested entities, references by name and the {config: string} form are accepted", async () => {
  const kong = new KongEmulator({ dbless: true });
  const nested = {
    _format_version: "3.0",
    services: [{
      name: "billing",
      url: "http://billing.internal",
      routes: [{ name: "billing", paths: ["/billing"], plugins: [{ name: "cors" }] }],
      plugins: [{ name: "rate-limiting", config: { hour: 100 } }],
    }],
    consumers: [{
      username: "bob",
      basicauth_credentials: [{ username: "bob", password: "hunter2" }],
    }],
  };
  const answer = await call(kong, "POST", "/config", { config: JSON.stringify(nested) });
  assert.equal(answer.status, 201, answer.text);
  const store = kong.store();
  const service = store.find("services", "billing")!;
  const route = store.find("routes", "billing")!;
  assert.deepEqual(route.service, { id: service.id });
  const plugins = store.all("plugins");
  assert.deepEqual(plugins.map((p) => p.name).sort(), ["cors", "rate-limiting"]);
  assert.deepEqual(plugins.find((p) => p.name === "cors")!.route, { id: route.id });
  const consumer = store.find("consumers", "bob")!;
  const credential = store.all("basic-auths")[0];
  assert.deepEqual(credential.consumer, { id: consumer.id });
  assert.equal(
    credential.password,
    kongBasicAuthHash(consumer.id, "hunter2"),
    "hashed: _transform defaults to true",
  );
  const yaml = "_format_version: '3.0'\nconsumers:\n  - username: carol\n";
  assert.equal((await call(kong, "POST", "/config", { config: yaml })).status, 201);
  assert.deepEqual(kong.store().all("consumers").map((c) => c.username), ["carol"]);
});

Deno.test("_transform: false loads basic-auth passwords as given (already hashed)", async () => {
  const kong = new KongEmulator({ dbless: true });
  const consumerId = "5a3f0c1e-6b2d-4e8f-9a7c-1d2e3f4a5b6c";
  const hash = kongBasicAuthHash(consumerId, "s3cret");
  const answer = await call(kong, "POST", "/config", {
    _format_version: "3.0",
    _transform: false,
    consumers: [{ id: consumerId, username: "dave" }],
    basicauth_credentials: [{ username: "dave", password: hash, consumer: consumerId }],
  });
  assert.equal(answer.status, 201, answer.text);
  assert.equal(kong.store().all("basic-auths")[0].password, hash, "not hashed a second time");
  const reloaded = await call(kong, "POST", "/config", await exported(kong));
  assert.equal(reloaded.status, 201);
  assert.equal(kong.store().all("basic-auths")[0].password, hash, "the export round-trips");
});

Deno.test("collections the emulator does not model are kept and exported again", async () => {
  const kong = new KongEmulator({ dbless: true });
  const upstream = { id: "7c1d8e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f", name: "orders-lb" };
  const target = { target: "10.0.0.5:8080", upstream: upstream.id, weight: 100 };
  const answer = await call(kong, "POST", "/config", {
    ...DOCUMENT,
    upstreams: [upstream],
    targets: [target],
  });
  assert.equal(answer.status, 201, answer.text);
  const document = await exported(kong);
  assert.deepEqual(document.upstreams, [upstream]);
  assert.equal((document.targets as Json[])[0].target, "10.0.0.5:8080");
  assert.equal(typeof (document.targets as Json[])[0].id, "string", "ids are given");
});

Deno.test("invalid documents: 400 code 14 with Kong's fields, nothing kept", async () => {
  const kong = new KongEmulator({ dbless: true });
  assert.equal((await call(kong, "POST", "/config", DOCUMENT)).status, 201);
  const cases: [unknown, Json][] = [
    [{ config: "bobby tables" }, {
      error: "failed parsing declarative configuration: expected an object",
    }],
    [{ config: "services: []" }, { _format_version: "required field missing" }],
    [{ _format_version: "9.9" }, { _format_version: "expected one of: 1.1, 2.1, 3.0" }],
    [{ _format_version: "3.0", apis: [] }, { apis: "unknown field" }],
    [{ _format_version: "3.0", services: [{ name: "x" }] }, {
      services: { "1": { host: "required field missing" } },
    }],
    [{ _format_version: "3.0", routes: [{ paths: ["/a"], service: "ghost" }] }, {
      routes: { "1": { service: { name: "ghost", username: "ghost" } } },
    }],
  ];
  for (const [body, fields] of cases) {
    const answer = await call(kong, "POST", "/config", body);
    assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${answer.text}`);
    const error = answer.body as Json;
    assert.equal(error.code, 14);
    assert.equal(error.name, "invalid declarative configuration");
    assert.deepEqual(error.fields, fields, JSON.stringify(body));
    assert.match(String(error.message), /^declarative config is invalid: \{/);
  }
  assert.deepEqual(
    (await call(kong, "POST", "/config", { services: [] })).body,
    { message: "expected a declarative configuration" },
  );
  assert.deepEqual(data(await call(kong, "GET", "/services")).map((s) => s.name), ["orders"]);
});

Deno.test("DB-less entity writes are 405 with Kong's DAO names, credentials included", async () => {
  const kong = new KongEmulator({ dbless: true });
  const cases: [string, string, string][] = [
    ["PUT", "/key-auths/x", "cannot create or update 'keyauth_credentials' entities"],
    ["DELETE", "/basic-auths/x", "cannot delete 'basicauth_credentials' entities"],
    ["POST", "/oauth2", "cannot create 'oauth2_credentials' entities"],
    ["PUT", "/plugins/x", "cannot create or update 'plugins' entities"],
  ];
  for (const [method, path, message] of cases) {
    const answer = await call(kong, method, path, method === "DELETE" ? undefined : {});
    assert.equal(answer.status, 405, `${method} ${path}`);
    assert.deepEqual(answer.body, {
      code: 12,
      name: "operation unsupported",
      message: `${message} when not using a database`,
    });
  }
});
