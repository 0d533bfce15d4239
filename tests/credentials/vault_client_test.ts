import assert from "node:assert/strict";
import { VaultClient, VaultError } from "../../src/credentials/vault_client.ts";
import { clearSecrets, redact } from "../../src/observability/redact.ts";
import { VaultFake } from "../fakes/vault_fake.ts";
import { withFakeTime } from "../support/fake_time.ts";

const ROLE = { roleId: "role-1", secretId: "secret-id-123" };

function client(vault: VaultFake, options: Partial<ConstructorParameters<typeof VaultClient>[0]>) {
  return new VaultClient({
    address: "http://vault.test:8200",
    fetch: (input, init) => vault.fetch(new Request(input, init)),
    ...options,
  });
}

Deno.test("a token with plenty of TTL is looked up, not renewed", async () => {
  const vault = new VaultFake();
  vault.addToken("s.static-token", { ttlSeconds: 3600 });
  const vc = client(vault, { token: "s.static-token" });
  await vc.ensureToken();
  assert.deepEqual(vault.requests.map((r) => r.path), ["/v1/auth/token/lookup-self"]);
  assert.ok(vc.status.token_ttl_seconds! >= 3599, String(vc.status.token_ttl_seconds));
  assert.equal(vc.status.auth_method, "token");
  clearSecrets();
});

Deno.test("a token below the threshold is renewed before it expires", () =>
  withFakeTime(async (clock) => {
    const vault = new VaultFake();
    vault.addToken("s.static-token", { ttlSeconds: 900 });
    const vc = client(vault, { token: "s.static-token" });
    await vc.ensureToken();
    assert.equal(vault.requestsTo("renew-self").length, 0);
    await clock.tickAsync(700_000); // 200 s left, below 300 s
    await vc.ensureToken();
    assert.equal(vault.requestsTo("renew-self").length, 1);
    assert.equal(vault.ttlOf("s.static-token"), 900);
    assert.ok(vc.status.last_renewal_at);
    // Still good long after the original expiry.
    await clock.tickAsync(700_000);
    await vc.ensureToken();
    await clock.tickAsync(700_000);
    await vc.ensureToken();
    assert.equal(vault.requestsTo("renew-self").length, 3);
    assert.ok((vault.ttlOf("s.static-token") ?? 0) > 0);
    clearSecrets();
  }));

Deno.test("AppRole: a role granting less than the threshold logs in once per cycle at most", () =>
  withFakeTime(async (clock) => {
    const vault = new VaultFake({ ...ROLE, loginTtlSeconds: 60 });
    const vc = client(vault, ROLE);
    await vc.ensureToken();
    assert.equal(vault.logins, 1, "a fresh token is not renewed at once");
    await clock.tickAsync(30_000);
    await vc.ensureToken();
    assert.equal(vault.requestsTo("renew-self").length, 1);
    assert.equal(vault.logins, 2, "renewal cannot reach the threshold: one new login");
    clearSecrets();
  }));

Deno.test("AppRole: logs in on first use, logs in again when renewal fails", () =>
  withFakeTime(async (clock) => {
    const vault = new VaultFake({ ...ROLE, loginTtlSeconds: 600 });
    const vc = client(vault, ROLE);
    await vc.ensureToken();
    assert.equal(vault.logins, 1);
    assert.equal(vc.status.auth_method, "approle");
    await clock.tickAsync(400_000); // 200 s left
    vault.failRenewals(1);
    await vc.ensureToken();
    assert.equal(vault.requestsTo("renew-self").length, 1);
    assert.equal(vault.logins, 2, "renewal failed: a fresh login");
    await clock.tickAsync(500_000); // the first token has expired by now
    vault.setSecret("consumers/acme", { credentials: [] });
    assert.deepEqual(await vc.readKv("stoa", "consumers/acme"), { credentials: [] });
    clearSecrets();
  }));

Deno.test("AppRole: a token at its maximum TTL is replaced by a login", () =>
  withFakeTime(async (clock) => {
    const vault = new VaultFake({ ...ROLE, loginTtlSeconds: 600, maxTtlSeconds: 700 });
    const vc = client(vault, ROLE);
    await vc.ensureToken();
    await clock.tickAsync(500_000); // 100 s left; renewal can only reach the 700 s cap
    await vc.ensureToken();
    assert.equal(vault.requestsTo("renew-self").length, 1);
    assert.equal(vault.logins, 2);
    clearSecrets();
  }));

Deno.test("AppRole: a token Vault refuses (expired, revoked) is replaced by a login", () =>
  withFakeTime(async (clock) => {
    const vault = new VaultFake({ ...ROLE, loginTtlSeconds: 600, renewable: false });
    const vc = client(vault, ROLE);
    await vc.ensureToken();
    await clock.tickAsync(700_000); // expired between two cycles
    await vc.ensureToken();
    assert.equal(vault.logins, 2);
    assert.equal(vault.requestsTo("renew-self").length, 0);
    vault.revokeAll();
    await vc.ensureToken();
    assert.equal(vault.logins, 3);
    clearSecrets();
  }));

Deno.test("a KV read refused with 403 logs in again once and retries", async () => {
  const vault = new VaultFake(ROLE);
  vault.setSecret("consumers/acme", { credentials: [{ consumer_id: "c" }] });
  const vc = client(vault, ROLE);
  await vc.ensureToken();
  const first = vault.requests.length;
  // Someone revokes the agent's token between the lookup and the read.
  vault.revokeAll();
  const data = await vc.readKv("stoa", "consumers/acme");
  assert.deepEqual(data, { credentials: [{ consumer_id: "c" }] });
  assert.deepEqual(vault.requests.slice(first).map((r) => [r.path, r.status]), [
    ["/v1/stoa/data/consumers/acme", 403],
    ["/v1/auth/approle/login", 200],
    ["/v1/stoa/data/consumers/acme", 200],
  ]);
  clearSecrets();
});

Deno.test("a static token that cannot be renewed keeps working until it expires, with a warning", async () => {
  const vault = new VaultFake();
  vault.addToken("s.fixed-token", { ttlSeconds: 100, renewable: false });
  const vc = client(vault, { token: "s.fixed-token" });
  await vc.ensureToken();
  assert.equal(vault.requestsTo("renew-self").length, 0, "not renewable: not even tried");
  vault.setSecret("consumers/acme", { credentials: [] });
  assert.deepEqual(await vc.readKv("stoa", "consumers/acme"), { credentials: [] });
  clearSecrets();
});

Deno.test("a refused static token is an error that says what to do", async () => {
  const vault = new VaultFake();
  const vc = client(vault, { token: "s.unknown-token" });
  const error = await vc.ensureToken().then(() => undefined, (e) => e);
  assert.ok(error instanceof VaultError);
  assert.equal(error.status, 403);
  assert.match(
    error.message,
    /token lookup failed \(403\): permission denied; the token is expired or revoked/,
  );
  assert.ok(!error.message.includes("s.unknown-token"));
  assert.equal(vc.status.last_error, error.message);
  clearSecrets();
});

Deno.test("wrong AppRole credentials are reported with the variables to check", async () => {
  const vault = new VaultFake(ROLE);
  const vc = client(vault, { roleId: "role-1", secretId: "wrong-secret" });
  await assert.rejects(
    vc.ensureToken(),
    /AppRole login refused \(400\): invalid role or secret ID; check VAULT_ROLE_ID and VAULT_SECRET_ID/,
  );
  clearSecrets();
});

Deno.test("KV v2: a missing secret is null, a missing mount is an error", async () => {
  const vault = new VaultFake({ mount: "stoa" });
  vault.addToken("s.root-token", { ttlSeconds: 0 });
  const vc = client(vault, { token: "s.root-token" });
  await vc.ensureToken();
  assert.equal(vault.requestsTo("renew-self").length, 0, "TTL 0 never expires");
  assert.equal(await vc.readKv("stoa", "consumers/nobody"), null);
  await assert.rejects(
    vc.readKv("kv", "consumers/acme"),
    /Vault has no KV v2 secret engine at kv .*; check VAULT_KV_PATH/,
  );
  clearSecrets();
});

Deno.test("an unreachable Vault names VAULT_ADDR", async () => {
  const vc = new VaultClient({
    address: "http://vault.test:8200",
    token: "s.any-token",
    fetch: () => Promise.reject(new TypeError("error sending request: Connection refused")),
  });
  await assert.rejects(
    vc.ensureToken(),
    /cannot reach Vault: .*connection refused.*; check VAULT_ADDR/i,
  );
  clearSecrets();
});

Deno.test("tokens and secret ids are registered for redaction", async () => {
  const vault = new VaultFake({ ...ROLE });
  const vc = client(vault, ROLE);
  await vc.ensureToken();
  assert.equal(redact("secret is secret-id-123"), "secret is [REDACTED]");
  const lookup = vault.requests.find((r) => r.path.endsWith("lookup-self"));
  assert.ok(lookup?.withToken);
  clearSecrets();
});

Deno.test("a client without any way to authenticate cannot be built", () => {
  assert.throws(
    () => new VaultClient({ address: "http://vault.test" }),
    /needs VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID/,
  );
});
