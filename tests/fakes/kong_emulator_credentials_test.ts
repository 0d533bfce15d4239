/**
 * Contract tests of the Kong emulator's consumer credentials (key-auth, basic-auth, OAuth2): the
 * endpoints the agent calls are documented (EE 3.10 and `plugin-apis/`), answers validate against
 * their schemas, and Kong's rules hold (generated keys and secrets, basic-auth hashing, unique
 * keys, cascade from the consumer).
 *
 * @module
 */

import assert from "node:assert/strict";
import { KongEmulator } from "./kong_emulator.ts";
import { call, data, EE_310, type Json, kongSpec, OAUTH2_API } from "./kong_emulator_contract.ts";
import { kongBasicAuthHash } from "./kong_emulator_store.ts";
import { assertValid, type OpenApiSpec } from "../support/openapi.ts";
import { specTest } from "../support/specs.ts";

const KEY_AUTH_API = "kong/plugin-apis/key-auth.openapi.yaml";
const BASIC_AUTH_API = "kong/plugin-apis/basic-auth.openapi.yaml";
const CONSUMER = "b6f3e1d2-4c5a-4b7e-8f90-1a2b3c4d5e6f";
const CREDENTIAL = "c7a4f2e3-5d6b-4c8f-9a01-2b3c4d5e6f70";

async function withConsumer(): Promise<KongEmulator> {
  const kong = new KongEmulator();
  const created = await call(kong, "PUT", `/consumers/${CONSUMER}`, { username: "alice" });
  assert.equal(created.status, 200, created.text);
  return kong;
}

/** Calls the emulator and checks request and answer against `spec`. */
async function checked(
  spec: OpenApiSpec,
  kong: KongEmulator,
  method: string,
  path: string,
  body?: unknown,
) {
  if (body !== undefined) {
    assertValid(spec.validateRequest(method, path, body), `${method} ${path}`);
  }
  const answer = await call(kong, method, path, body);
  assert.ok(answer.status < 300, `${method} ${path}: ${answer.status} ${answer.text}`);
  assertValid(
    spec.validateResponse(method, path, answer.status, answer.body),
    `${method} ${path} → ${answer.status}`,
  );
  return answer;
}

specTest({
  name: "credential calls of the agent are documented; GET /oauth2 is a spec gap",
  requires: [EE_310, OAUTH2_API, KEY_AUTH_API, BASIC_AUTH_API],
  fn: async () => {
    const ee = await kongSpec(EE_310);
    const oauth2 = await kongSpec(OAUTH2_API);
    const keyAuth = await kongSpec(KEY_AUTH_API);
    const basicAuth = await kongSpec(BASIC_AUTH_API);
    for (const [method, path] of [["GET", "/key-auths"], ["PUT", `/key-auths/${CREDENTIAL}`]]) {
      assert.ok(ee.hasOperation(method, path), `EE ${method} ${path}`);
      assert.ok(keyAuth.hasOperation(method, path), `key-auth API ${method} ${path}`);
    }
    for (
      const [method, path] of [["GET", "/basic-auths"], ["DELETE", `/basic-auths/${CREDENTIAL}`]]
    ) {
      assert.ok(ee.hasOperation(method, path), `EE ${method} ${path}`);
      assert.ok(basicAuth.hasOperation(method, path), `basic-auth API ${method} ${path}`);
    }
    assert.ok(oauth2.hasOperation("PUT", `/oauth2/${CREDENTIAL}`));
    assert.ok(oauth2.hasOperation("DELETE", `/consumers/${CONSUMER}/oauth2/${CREDENTIAL}`));
    // Kong lists OAuth2 applications at GET /oauth2 (EE's GetEndpoints example lists "/oauth2"),
    // but neither spec documents the list: the adapter's checks excuse exactly this call.
    assert.equal(oauth2.hasOperation("GET", "/oauth2"), false);
    assert.equal(ee.hasOperation("GET", "/oauth2"), false);
    const kong = await withConsumer();
    assert.equal((await call(kong, "GET", "/oauth2")).status, 200, "the emulator serves it");
  },
});

specTest({
  name: "key-auth: generated or given keys, PUT upsert with tags, lists, unique keys (409)",
  requires: [EE_310],
  fn: async () => {
    const ee = await kongSpec(EE_310);
    const kong = await withConsumer();
    const generated = await checked(ee, kong, "POST", `/consumers/${CONSUMER}/key-auth`, {});
    assert.match((generated.body as Json).key as string, /^[A-Za-z0-9]{32}$/);
    const put = await checked(ee, kong, "PUT", `/key-auths/${CREDENTIAL}`, {
      key: "alice-key-1",
      consumer: { id: CONSUMER },
      tags: ["stoa-managed"],
    });
    assert.equal(put.status, 200);
    assert.deepEqual((put.body as Json).consumer, { id: CONSUMER });
    assert.equal("updated_at" in (put.body as Json), false, "credentials carry created_at only");
    const tagged = await checked(ee, kong, "GET", "/key-auths?tags=stoa-managed");
    assert.deepEqual(data(tagged).map((c) => c.key), ["alice-key-1"]);
    const nested = await checked(ee, kong, "GET", `/consumers/alice/key-auth`);
    assert.equal(data(nested).length, 2);
    const duplicate = await call(kong, "POST", "/key-auths", {
      key: "alice-key-1",
      consumer: { id: CONSUMER },
    });
    assert.equal(duplicate.status, 409);
    assert.deepEqual((duplicate.body as Json).fields, { key: "alice-key-1" });
    const missing = await call(kong, "POST", "/key-auths", { key: "k" });
    assert.deepEqual((missing.body as Json).fields, { consumer: "required field missing" });
    await checked(ee, kong, "DELETE", `/key-auths/${CREDENTIAL}`);
    assert.equal((await call(kong, "DELETE", `/key-auths/${CREDENTIAL}`)).status, 204);
  },
});

specTest({
  name: "basic-auth: Kong stores SHA-1(password + consumer id); PATCH without password keeps it",
  requires: [EE_310],
  fn: async () => {
    const ee = await kongSpec(EE_310);
    const kong = await withConsumer();
    const created = await checked(ee, kong, "PUT", `/basic-auths/${CREDENTIAL}`, {
      username: "alice",
      password: "correct horse",
      consumer: { id: CONSUMER },
    });
    const hash = kongBasicAuthHash(CONSUMER, "correct horse");
    assert.equal((created.body as Json).password, hash);
    assert.match(hash, /^[0-9a-f]{40}$/);
    const patched = await call(kong, "PATCH", `/basic-auths/${CREDENTIAL}`, { tags: ["x"] });
    assert.equal((patched.body as Json).password, hash);
    const listed = await checked(ee, kong, "GET", "/basic-auths");
    assert.equal(data(listed)[0].password, hash);
  },
});

specTest({
  name: "oauth2: client id and secret generated, name required, PUT with consumer, nested delete",
  requires: [OAUTH2_API],
  fn: async () => {
    const api = await kongSpec(OAUTH2_API);
    const kong = await withConsumer();
    const generated = await checked(api, kong, "POST", `/consumers/${CONSUMER}/oauth2`, {
      name: "orders",
    });
    const body = generated.body as Json;
    assert.match(body.client_id as string, /^[A-Za-z0-9]{32}$/);
    assert.match(body.client_secret as string, /^[A-Za-z0-9]{32}$/);
    assert.equal(body.hash_secret, false);
    const put = await checked(api, kong, "PUT", `/oauth2/${CREDENTIAL}`, {
      name: "billing",
      client_id: "billing-app",
      client_secret: "s3cret",
      consumer: { id: CONSUMER },
      tags: ["stoa-managed"],
    });
    assert.equal((put.body as Json).client_secret, "s3cret");
    const noName = await call(kong, "POST", "/oauth2", { consumer: { id: CONSUMER } });
    assert.deepEqual((noName.body as Json).fields, { name: "required field missing" });
    await checked(api, kong, "DELETE", `/consumers/${CONSUMER}/oauth2/${CREDENTIAL}`);
    assert.equal(kong.store().count("oauth2"), 1);
  },
});

Deno.test("deleting a consumer deletes its credentials and plugins (cascade)", async () => {
  const kong = await withConsumer();
  await call(kong, "PUT", `/key-auths/${CREDENTIAL}`, { key: "k1", consumer: { id: CONSUMER } });
  await call(kong, "POST", "/basic-auths", {
    username: "alice",
    password: "p",
    consumer: { id: CONSUMER },
  });
  await call(kong, "POST", "/oauth2", { name: "app", consumer: { id: CONSUMER } });
  await call(kong, "POST", `/consumers/${CONSUMER}/plugins`, {
    name: "rate-limiting",
    config: { minute: 1 },
  });
  assert.equal((await call(kong, "DELETE", `/consumers/${CONSUMER}`)).status, 204);
  for (const kind of ["key-auths", "basic-auths", "oauth2", "plugins"] as const) {
    assert.equal(kong.store().count(kind), 0, kind);
  }
  const orphan = await call(kong, "PUT", `/key-auths/${CREDENTIAL}`, {
    key: "k1",
    consumer: { id: CONSUMER },
  });
  assert.equal(orphan.status, 400);
  assert.equal((orphan.body as Json).code, 4, "foreign key violation");
});

specTest({
  name: "OAuth2 plugin API defect: unset redirect_uris and tags (null) fail its unpatched schema",
  requires: [OAUTH2_API],
  fn: async () => {
    const unpatched = await kongSpec(OAUTH2_API, false);
    const kong = await withConsumer();
    const answer = await call(kong, "POST", `/consumers/${CONSUMER}/oauth2`, { name: "orders" });
    assert.deepEqual(
      unpatched.validateResponse("POST", `/consumers/${CONSUMER}/oauth2`, 201, answer.body).errors,
      ["/redirect_uris must be array", "/tags must be array"],
    );
  },
});

Deno.test("credential endpoints exist only while their plugin is loaded (404 otherwise)", async () => {
  const kong = new KongEmulator({ plugins: ["key-auth"] });
  assert.equal((await call(kong, "GET", "/key-auths")).status, 200);
  for (const path of ["/basic-auths", "/oauth2", "/consumers/x/oauth2", `/oauth2/${CREDENTIAL}`]) {
    assert.deepEqual((await call(kong, "GET", path)).body, { message: "Not found" }, path);
  }
});
