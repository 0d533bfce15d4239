import assert from "node:assert/strict";
import { FakeSyncAdapter } from "../fakes/fake_sync_adapter.ts";
import { VaultFake } from "../fakes/vault_fake.ts";
import { lastCapabilities, startAgent } from "./sync_support.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const VAULT_ENV = {
  STOA_TENANT_ID: "acme",
  VAULT_ADDR: "http://vault.test",
  VAULT_ROLE_ID: "role-acme",
  VAULT_SECRET_ID: "secret-id-acme-42",
  STOA_CREDENTIAL_SYNC_INTERVAL: "50ms",
};

Deno.test("with Vault and a tenant, consumer credentials are synced and announced", async () => {
  const vault = new VaultFake({ roleId: "role-acme", secretId: "secret-id-acme-42" });
  vault.setSecret("consumers/acme", {
    credentials: [
      { consumer_id: "alice", api_name: "orders", auth_type: "key-auth", key: "alice-key-1" },
      {
        consumer_id: "bob",
        api_name: "orders",
        auth_type: "basic-auth",
        key: "bob",
        secret: "bob-pass-1",
      },
    ],
  });
  const t = await startAgent({ vault, env: VAULT_ENV });
  const adapter = t.adapter as FakeSyncAdapter;
  try {
    await t.cp.waitFor(() => adapter.objects("credential").length === 2);
    await t.cp.waitFor(() => lastCapabilities(t.cp).includes("credential_sync"));
    assert.deepEqual(lastCapabilities(t.cp), [
      "health_monitoring",
      "api_discovery",
      "policy_sync",
      "route_sync",
      "credential_sync",
    ]);
    assert.equal(vault.logins, 1);

    // Alice's key is rotated, Bob leaves.
    vault.setSecret("consumers/acme", {
      credentials: [
        { consumer_id: "alice", api_name: "orders", auth_type: "key-auth", key: "alice-key-2" },
      ],
    });
    await t.cp.waitFor(() => adapter.objects("credential").length === 1);
    const alice = adapter.owned("credential", "alice")!.fields as {
      credentials: { key: string }[];
    };
    assert.equal(alice.credentials[0].key, "alice-key-2");

    const status = t.agent.status() as Json;
    assert.equal(status.sync.credentials.mode, "poll");
    assert.equal(status.sync.vault.auth_method, "approle");
    const text = JSON.stringify(status);
    for (const secret of ["secret-id-acme-42", "alice-key-2", "bob-pass-1"]) {
      assert.ok(!text.includes(secret), `${secret} leaked into /status`);
    }
    const report = await t.agent.syncNow({ dryRun: true });
    assert.equal(report.credentials.status, "ok");
    assert.ok(!JSON.stringify(report).includes("alice-key-2"));
  } finally {
    await t.stop();
  }
});

Deno.test("without VAULT_ADDR, credential sync is off and says why", async () => {
  const t = await startAgent();
  try {
    await t.cp.waitFor(() => t.agent.state.gatewayId !== undefined);
    const report = await t.agent.syncNow();
    assert.equal(report.credentials.status, "skipped");
    assert.equal(report.credentials.error, "credential sync is off: VAULT_ADDR is not set");
    assert.ok(!lastCapabilities(t.cp).includes("credential_sync"));
    const loops = (t.agent.status() as Json).loops;
    assert.equal(loops["credential-sync"], undefined);
  } finally {
    await t.stop();
  }
});
