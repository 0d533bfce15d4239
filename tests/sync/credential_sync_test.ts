import assert from "node:assert/strict";
import { VaultClient } from "../../src/credentials/vault_client.ts";
import { CredentialSync } from "../../src/sync/credential_sync.ts";
import { kindReport } from "../../src/sync/sync_report.ts";
import { clearSecrets } from "../../src/observability/redact.ts";
import { FakeSyncAdapter } from "../fakes/fake_sync_adapter.ts";
import { VaultFake } from "../fakes/vault_fake.ts";

function setUp() {
  const vault = new VaultFake({ roleId: "role", secretId: "secret-id-1" });
  const adapter = new FakeSyncAdapter();
  const client = new VaultClient({
    address: "http://vault.test",
    roleId: "role",
    secretId: "secret-id-1",
    fetch: (input, init) => vault.fetch(new Request(input, init)),
  });
  const sync = new CredentialSync({
    vault: client,
    mount: "stoa",
    tenantId: "acme",
    adapter: () => Promise.resolve(adapter),
  });
  return { vault, adapter, sync };
}

const alice = {
  consumer_id: "alice",
  api_name: "orders",
  auth_type: "key-auth",
  key: "key-alice-1",
};
const bob = { consumer_id: "bob", api_name: "orders", auth_type: "key-auth", key: "key-bob-1" };
const carol = { consumer_id: "carol", api_name: "orders", auth_type: "key-auth", key: "key-carol" };

Deno.test("credentials are created, rotated and deleted when gone from Vault", async () => {
  const { vault, adapter, sync } = setUp();
  vault.setSecret("consumers/acme", { credentials: [alice, bob, carol] });
  const created = await sync.run();
  assert.deepEqual(created.results?.map((r) => [r.id, r.status]), [
    ["alice", "applied"],
    ["bob", "applied"],
    ["carol", "applied"],
  ]);

  vault.setSecret("consumers/acme", {
    credentials: [{ ...alice, key: "key-alice-2" }, bob],
  });
  const rotated = await sync.run();
  assert.deepEqual(rotated.plan?.items.map((i) => [i.id, i.action]), [
    ["alice", "update"],
    ["bob", "unchanged"],
    ["carol", "delete"],
  ]);
  assert.equal(adapter.owned("credential", "carol"), undefined);
  const fields = adapter.owned("credential", "alice")!.fields as { credentials: { key: string }[] };
  assert.equal(fields.credentials[0].key, "key-alice-2");

  const before = adapter.writes.length;
  await sync.run();
  assert.equal(adapter.writes.length, before, "an unchanged cycle writes nothing");
  clearSecrets();
});

Deno.test("no secret in Vault deletes every consumer, only once the next cycle confirms", async () => {
  const { vault, adapter, sync } = setUp();
  vault.setSecret("consumers/acme", { credentials: [alice, bob] });
  await sync.run();
  vault.deleteSecret("consumers/acme");
  const held = await sync.run();
  assert.equal(held.status, "held");
  assert.equal(adapter.objects("credential").length, 2);
  const confirmed = await sync.run();
  assert.equal(confirmed.status, "ok");
  assert.equal(adapter.objects("credential").length, 0);
  clearSecrets();
});

Deno.test("keys and secrets never appear in the report", async () => {
  const { vault, sync } = setUp();
  vault.setSecret("consumers/acme", {
    credentials: [{
      consumer_id: "dave",
      auth_type: "basic-auth",
      key: "dave-user",
      secret: "pa55-word",
    }],
  });
  const outcome = await sync.run({ dryRun: true });
  const text = JSON.stringify(kindReport(outcome));
  assert.ok(!text.includes("pa55-word"), text);
  assert.ok(!text.includes("dave-user"), text);
  assert.ok(text.includes("[REDACTED]"));
  clearSecrets();
});

Deno.test("an unreadable Vault fails the kind and touches nothing", async () => {
  const { vault, adapter, sync } = setUp();
  vault.setSecret("consumers/acme", { credentials: [alice] });
  await sync.run();
  const wrong = new CredentialSync({
    vault: new VaultClient({
      address: "http://vault.test",
      roleId: "role",
      secretId: "wrong",
      fetch: (input, init) => vault.fetch(new Request(input, init)),
    }),
    mount: "stoa",
    tenantId: "acme",
    adapter: () => Promise.resolve(adapter),
  });
  const outcome = await wrong.run();
  assert.equal(outcome.status, "failed");
  assert.match(outcome.error!, /AppRole login refused/);
  assert.equal(adapter.objects("credential").length, 1);
  clearSecrets();
});

Deno.test("an invalid credential is failed and keeps the consumer's existing objects", async () => {
  const { vault, adapter, sync } = setUp();
  vault.setSecret("consumers/acme", { credentials: [alice, bob] });
  await sync.run();
  vault.setSecret("consumers/acme", {
    credentials: [{ ...alice, auth_type: "jwt" }, bob],
  });
  const outcome = await sync.run();
  const item = outcome.results?.find((r) => r.id === "alice");
  assert.equal(item?.status, "failed");
  assert.match(item!.error!, /unsupported auth_type "jwt"/);
  assert.ok(adapter.owned("credential", "alice"), "not deleted");
  clearSecrets();
});
