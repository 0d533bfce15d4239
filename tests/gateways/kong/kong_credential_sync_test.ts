/**
 * Consumer credentials on a Kong with a database, against the emulator: consumers and their
 * key-auth, basic-auth and OAuth2 credentials created, rotated, updated and deleted with Vault,
 * secrets never shown, other consumers never touched.
 *
 * @module
 */

import assert from "node:assert/strict";
import { basicAuthHash } from "../../../src/gateways/kong/kong_credentials.ts";
import { KongEmulator } from "../../fakes/kong_emulator.ts";
import { call } from "../../fakes/kong_emulator_contract.ts";
import {
  actions,
  adapterFor,
  credential,
  seededKong,
  statuses,
  writesDuring,
} from "./kong_sync_fixtures.ts";

const ALICE_KEY = credential({ consumerId: "alice", key: "alice-api-key-0001" });
const ALICE_BASIC = credential({
  consumerId: "alice",
  authType: "basic-auth",
  key: "alice",
  secret: "correct horse battery",
  apiName: "billing-api",
});
const BOB_OAUTH = credential({
  consumerId: "bob",
  authType: "oauth2",
  key: "bob-client",
  secret: "bob-client-secret-1",
});
const SECRETS = ["alice-api-key-0001", "correct horse battery", "bob-client-secret-1"];

Deno.test("Vault consumers become tagged Kong consumers with their credentials", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  const plan = await adapter.planCredentials([ALICE_KEY, ALICE_BASIC, BOB_OAUTH]);
  assert.deepEqual(actions(plan), [
    ["alice", "create", "consumer stoa-alice"],
    ["bob", "create", "consumer stoa-bob"],
  ]);
  assert.deepEqual(plan.items[0].changes, [
    { field: "consumer.username", after: "stoa-alice" },
    { field: "key-auth (orders-api)", after: "[REDACTED]" },
    { field: "basic-auth (billing-api)", after: { username: "alice", password: "[REDACTED]" } },
  ]);
  assert.deepEqual(statuses(await adapter.apply(plan)), [
    ["alice", "applied"],
    ["bob", "applied"],
  ]);
  const alice = kong.store().find("consumers", "stoa-alice")!;
  assert.deepEqual(alice.tags, ["stoa-managed", "stoa-consumer:alice"]);
  const [key] = kong.store().all("key-auths");
  assert.equal(key.key, "alice-api-key-0001");
  assert.deepEqual(key.consumer, { id: alice.id });
  assert.deepEqual(key.tags, ["stoa-managed", "stoa-consumer:alice"]);
  const [basic] = kong.store().all("basic-auths");
  assert.equal(basic.password, basicAuthHash(alice.id, "correct horse battery"));
  const [oauth] = kong.store().all("oauth2");
  assert.deepEqual(
    [oauth.name, oauth.client_id, oauth.client_secret, oauth.hash_secret],
    ["orders-api", "bob-client", "bob-client-secret-1", false],
  );
});

Deno.test("unchanged credentials write nothing; plans never show a secret", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  const first = await adapter.planCredentials([ALICE_KEY, ALICE_BASIC, BOB_OAUTH]);
  await adapter.apply(first);
  const writes = await writesDuring(kong, async () => {
    const plan = await adapter.planCredentials([ALICE_KEY, ALICE_BASIC, BOB_OAUTH]);
    assert.deepEqual(plan.items.map((item) => item.action), ["unchanged", "unchanged"]);
    await adapter.apply(plan);
  });
  assert.equal(writes, 0);
  const rotated = await adapter.planCredentials([
    { ...ALICE_KEY, key: "alice-api-key-0002" },
    { ...ALICE_BASIC, secret: "new password" },
  ]);
  for (const shown of [first, rotated]) {
    const text = JSON.stringify(shown);
    for (const secret of [...SECRETS, "alice-api-key-0002", "new password"]) {
      assert.equal(text.includes(secret), false, `${secret} appears in the plan`);
    }
  }
});

Deno.test("a new key rotates (new created, old deleted); a new secret updates in place", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  await adapter.apply(await adapter.planCredentials([ALICE_KEY, ALICE_BASIC, BOB_OAUTH]));
  const basicBefore = kong.store().all("basic-auths")[0];
  const oauthBefore = kong.store().all("oauth2")[0];
  const plan = await adapter.planCredentials([
    { ...ALICE_KEY, key: "alice-api-key-0002" },
    { ...ALICE_BASIC, secret: "new password" },
    { ...BOB_OAUTH, secret: "rotated-secret" },
  ]);
  assert.deepEqual(plan.items[0].changes, [
    { field: "key-auth (orders-api)", after: "[REDACTED]" },
    {
      field: "basic-auth (billing-api)",
      before: { username: "alice", password: "[REDACTED]" },
      after: { username: "alice", password: "[REDACTED]" },
    },
    { field: "key-auth", before: "[REDACTED]" },
  ]);
  const started = kong.requests.length;
  assert.deepEqual(statuses(await adapter.apply(plan)), [
    ["alice", "applied"],
    ["bob", "applied"],
  ]);
  const aliceWrites = kong.requests.slice(started)
    .filter((r) => r.method !== "GET" && !r.path.includes("oauth2"))
    .map((r) => `${r.method} ${r.path.split("/")[1]}`);
  assert.deepEqual(aliceWrites, ["PUT key-auths", "PUT basic-auths", "DELETE key-auths"]);
  assert.deepEqual(kong.store().all("key-auths").map((k) => k.key), ["alice-api-key-0002"]);
  const basicAfter = kong.store().all("basic-auths")[0];
  assert.equal(basicAfter.id, basicBefore.id);
  assert.notEqual(basicAfter.password, basicBefore.password);
  const oauthAfter = kong.store().all("oauth2")[0];
  assert.equal(oauthAfter.id, oauthBefore.id);
  assert.equal(oauthAfter.client_secret, "rotated-secret");
});

Deno.test("consumers gone from Vault are deleted with their credentials; others stay", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  await adapter.apply(await adapter.planCredentials([ALICE_KEY, ALICE_BASIC, BOB_OAUTH]));
  // A hand-made consumer with its own key, and a Go-agent consumer (stoa-managed only).
  await call(kong, "PUT", "/consumers/partner-app/key-auth/0f0e0d0c-0b0a-4909-8807-060504030201", {
    key: "partner-key",
  });
  await call(kong, "PUT", "/consumers/stoa-legacy", { tags: ["stoa-managed"] });
  const plan = await adapter.planCredentials([BOB_OAUTH]);
  assert.deepEqual(actions(plan), [
    ["bob", "unchanged", "consumer stoa-bob"],
    ["alice", "delete", "consumer stoa-alice"],
  ]);
  assert.deepEqual(statuses(await adapter.apply(plan)), [
    ["bob", "unchanged"],
    ["alice", "removed"],
  ]);
  assert.equal(kong.store().find("consumers", "stoa-alice"), undefined);
  assert.equal(kong.store().count("basic-auths"), 0, "cascade");
  assert.deepEqual(kong.store().all("key-auths").map((k) => k.key), ["partner-key"]);
  assert.ok(kong.store().find("consumers", "stoa-legacy"), "objects without an id tag stay");
  assert.ok(kong.store().find("consumers", "partner-app"));
});

Deno.test("what Vault gets wrong or Kong cannot hold fails the consumer only", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  const plan = await adapter.planCredentials([
    credential({ consumerId: "carol", authType: "basic-auth", key: "carol" }),
    credential({ consumerId: "dave", key: "shared-key" }),
    credential({ consumerId: "erin", key: "shared-key" }),
    credential({ consumerId: "frank", authType: "oauth2", key: "app", secret: "a" }),
    credential({ consumerId: "frank", authType: "oauth2", key: "app", secret: "b", apiName: "x" }),
    BOB_OAUTH,
  ]);
  assert.deepEqual(plan.items.map((item) => item.error), [
    "the basic-auth credential of orders-api has no password (secret) in Vault",
    undefined,
    "the key-auth key of orders-api is already used by consumer dave; Kong matches a key to one consumer only",
    "the oauth2 client id is given for orders-api and x with different secrets; Kong keeps one secret per client id",
    undefined,
  ]);
  // A key taken by a consumer stoa-connect does not own: Kong refuses (409), per consumer.
  await call(kong, "POST", "/consumers/partner-app/oauth2", { name: "p", client_id: "bob-client" });
  const results = await adapter.apply(plan);
  assert.deepEqual(results.map((r) => [r.id, r.status]), [
    ["carol", "failed"],
    ["dave", "applied"],
    ["erin", "failed"],
    ["frank", "failed"],
    ["bob", "failed"],
  ]);
  assert.match(
    results[4].error!,
    /^cannot create oauth2 credential of orders-api: Kong already has an object with the same unique value that stoa-connect does not own \(UNIQUE violation detected on '\{client_id="bob-client"\}'\)/,
  );
});

Deno.test("a key Kong refuses is never quoted back: errors redact keys and secrets", async () => {
  const kong = seededKong();
  const adapter = adapterFor(kong);
  await call(kong, "POST", "/consumers/partner-app/key-auth", { key: "taken-key-0123456789" });
  const results = await adapter.apply(
    await adapter.planCredentials([credential({ consumerId: "eve", key: "taken-key-0123456789" })]),
  );
  assert.equal(results[0].status, "failed");
  assert.equal(results[0].error!.includes("taken-key-0123456789"), false, results[0].error);
  assert.match(results[0].error!, /UNIQUE violation detected on '\{key="\[REDACTED\]"\}'/);
});

Deno.test("a credential type whose plugin Kong does not load fails its consumers, clearly", async () => {
  const kong = new KongEmulator({ plugins: ["key-auth", "basic-auth", "rate-limiting"] });
  const adapter = adapterFor(kong);
  const plan = await adapter.planCredentials([ALICE_KEY, BOB_OAUTH]);
  assert.deepEqual(plan.items.map((item) => [item.id, item.action, item.error]), [
    ["alice", "create", undefined],
    [
      "bob",
      "create",
      "Kong does not serve oauth2 credentials: the oauth2 plugin is not loaded (add it to the plugins setting of kong.conf)",
    ],
  ]);
  assert.deepEqual((await adapter.apply(plan)).map((r) => r.status), ["applied", "failed"]);
  assert.equal((await call(kong, "GET", "/oauth2")).status, 404, "as Kong: no plugin, no endpoint");
});
