/**
 * Pins the Vault fake to Vault's documented behaviour for the endpoints credential sync uses, so
 * the client's tests against it mean something.
 */

import assert from "node:assert/strict";
import { VaultFake } from "./vault_fake.ts";
import { withFakeTime } from "../support/fake_time.ts";

async function call(
  vault: VaultFake,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; body: any }> {
  const headers = new Headers();
  if (options.token) headers.set("X-Vault-Token", options.token);
  const response = await vault.fetch(
    new Request(`http://vault.test${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    }),
  );
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const LOGIN = { role_id: "role-1", secret_id: "secret-1" };

Deno.test("AppRole login issues a token; wrong credentials get Vault's 400", async () => {
  const vault = new VaultFake({ roleId: "role-1", secretId: "secret-1", loginTtlSeconds: 600 });
  const ok = await call(vault, "PUT", "/v1/auth/approle/login", { body: LOGIN });
  assert.equal(ok.status, 200);
  assert.match(ok.body.auth.client_token, /^hvs\./);
  assert.equal(ok.body.auth.lease_duration, 600);
  assert.equal(ok.body.auth.renewable, true);
  const post = await call(vault, "POST", "/v1/auth/approle/login", { body: LOGIN });
  assert.equal(post.status, 200);

  const wrong = await call(vault, "PUT", "/v1/auth/approle/login", {
    body: { role_id: "role-1", secret_id: "nope" },
  });
  assert.deepEqual(wrong, { status: 400, body: { errors: ["invalid role or secret ID"] } });
  const missing = await call(vault, "PUT", "/v1/auth/approle/login", { body: {} });
  assert.deepEqual(missing.body, { errors: ["missing role_id"] });
  assert.equal(vault.logins, 2);
});

Deno.test("lookup-self reports the TTL as it runs down; expired tokens are refused", () =>
  withFakeTime(async (clock) => {
    const vault = new VaultFake();
    vault.addToken("s.static", { ttlSeconds: 400 });
    const first = await call(vault, "GET", "/v1/auth/token/lookup-self", { token: "s.static" });
    assert.equal(first.status, 200);
    assert.equal(first.body.data.ttl, 400);
    assert.equal(first.body.data.renewable, true);
    await clock.tickAsync(150_000);
    const later = await call(vault, "GET", "/v1/auth/token/lookup-self", { token: "s.static" });
    assert.equal(later.body.data.ttl, 250);
    await clock.tickAsync(250_000);
    const expired = await call(vault, "GET", "/v1/auth/token/lookup-self", { token: "s.static" });
    assert.deepEqual(expired, { status: 403, body: { errors: ["permission denied"] } });
    const none = await call(vault, "GET", "/v1/auth/token/lookup-self");
    assert.equal(none.status, 403);
  }));

Deno.test("renew-self restores the token's period up to its maximum TTL", () =>
  withFakeTime(async (clock) => {
    const vault = new VaultFake();
    vault.addToken("s.t", { ttlSeconds: 600, maxTtlSeconds: 1000 });
    await clock.tickAsync(500_000);
    const renewed = await call(vault, "PUT", "/v1/auth/token/renew-self", {
      token: "s.t",
      body: {},
    });
    assert.equal(renewed.status, 200);
    assert.equal(renewed.body.auth.lease_duration, 500, "capped: 1000 s max, 500 s already used");
    assert.equal(renewed.body.auth.client_token, "s.t");
    assert.ok(renewed.body.warnings?.[0].includes("capped"));
    assert.equal(vault.ttlOf("s.t"), 500);
  }));

Deno.test("renewal failures: the knob, non-renewable and non-expiring tokens", async () => {
  const vault = new VaultFake();
  vault.addToken("s.a", { ttlSeconds: 100 });
  vault.addToken("s.fixed", { ttlSeconds: 100, renewable: false });
  vault.addToken("s.root", { ttlSeconds: 0 });
  vault.failRenewals(1);
  const failed = await call(vault, "POST", "/v1/auth/token/renew-self", { token: "s.a" });
  assert.equal(failed.status, 500);
  const again = await call(vault, "POST", "/v1/auth/token/renew-self", { token: "s.a" });
  assert.equal(again.status, 200);
  const fixed = await call(vault, "POST", "/v1/auth/token/renew-self", { token: "s.fixed" });
  assert.deepEqual(fixed.body, { errors: ["lease is not renewable"] });
  const root = await call(vault, "POST", "/v1/auth/token/renew-self", { token: "s.root" });
  assert.equal(root.status, 400);
  const lookup = await call(vault, "GET", "/v1/auth/token/lookup-self", { token: "s.root" });
  assert.equal(lookup.body.data.ttl, 0, "a token that never expires has TTL 0");
});

Deno.test("KV v2 reads: data and metadata, 404 with no errors, unknown mount, no token", async () => {
  const vault = new VaultFake({ mount: "stoa" });
  vault.addToken("s.t", { ttlSeconds: 0 });
  vault.setSecret("consumers/acme", { credentials: [{ consumer_id: "c1", key: "k" }] });
  vault.setSecret("consumers/acme", { credentials: [] });
  const read = await call(vault, "GET", "/v1/stoa/data/consumers/acme", { token: "s.t" });
  assert.equal(read.status, 200);
  assert.deepEqual(read.body.data.data, { credentials: [] });
  assert.equal(read.body.data.metadata.version, 2);

  const missing = await call(vault, "GET", "/v1/stoa/data/consumers/other", { token: "s.t" });
  assert.deepEqual(missing, { status: 404, body: { errors: [] } });
  const mount = await call(vault, "GET", "/v1/secret/data/consumers/acme", { token: "s.t" });
  assert.equal(mount.status, 404);
  assert.match(mount.body.errors[0], /no handler for route "secret\/data\/consumers\/acme"/);
  const anonymous = await call(vault, "GET", "/v1/stoa/data/consumers/acme");
  assert.equal(anonymous.status, 403);
  vault.revoke("s.t");
  const revoked = await call(vault, "GET", "/v1/stoa/data/consumers/acme", { token: "s.t" });
  assert.equal(revoked.status, 403);
  vault.addToken("s.u", { ttlSeconds: 0 });
  vault.revokeAll();
  assert.equal((await call(vault, "GET", "/v1/stoa/data/x", { token: "s.u" })).status, 403);
  vault.deleteSecret("consumers/acme");
});

Deno.test("the request log records method, path, status and whether a token was sent", async () => {
  const vault = new VaultFake();
  vault.addToken("s.t", { ttlSeconds: 0 });
  await call(vault, "GET", "/v1/auth/token/lookup-self", { token: "s.t" });
  await call(vault, "DELETE", "/v1/stoa/data/x", { token: "s.t" });
  assert.deepEqual(vault.requests, [
    { method: "GET", path: "/v1/auth/token/lookup-self", withToken: true, status: 200 },
    { method: "DELETE", path: "/v1/stoa/data/x", withToken: true, status: 405 },
  ]);
  assert.equal(vault.requestsTo("lookup-self").length, 1);
  assert.ok(!JSON.stringify(vault.requests).includes("s.t"));
});

Deno.test("the fake also serves over a real socket", async () => {
  const vault = new VaultFake();
  vault.addToken("s.t", { ttlSeconds: 0 });
  const url = await vault.start();
  try {
    const response = await fetch(`${url}/v1/auth/token/lookup-self`, {
      headers: { "X-Vault-Token": "s.t" },
    });
    assert.equal(response.status, 200);
    await response.body?.cancel();
  } finally {
    await vault.stop();
  }
});
