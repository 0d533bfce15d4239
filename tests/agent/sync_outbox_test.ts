import assert from "node:assert/strict";
import { join } from "node:path";
import { OUTBOX_FILE } from "../../src/sync/outbox.ts";
import { ControlPlaneDouble } from "../fakes/control_plane_double.ts";
import { discoveryOnlyAdapter, FakeSyncAdapter } from "../fakes/fake_sync_adapter.ts";
import { KEY, startAgent } from "./sync_support.ts";

function ackedPolicyIds(cp: ControlPlaneDouble): string[] {
  return cp.requestsTo("sync-ack").filter((r) => r.status === 200).flatMap((r) =>
    (r.body as { synced_policies: { policy_id: string }[] }).synced_policies.map((p) => p.policy_id)
  );
}

Deno.test("acks the Control Plane could not take survive a restart and are delivered once", async () => {
  const cp = new ControlPlaneDouble({ keys: [KEY] });
  const policy = cp.addPolicy({ name: "limit", policyType: "rate_limit" });

  // First run: policies apply, but every sync-ack fails.
  cp.failNext({ status: 503, path: "/sync-ack", count: 1000 });
  const first = await startAgent({ cp });
  const file = join(first.stateDir, OUTBOX_FILE);
  try {
    await cp.waitFor(() => cp.requestsTo("sync-ack").length > 0);
    await cp.waitFor(async () => (await Deno.stat(file).catch(() => null)) !== null);
    assert.ok((first.adapter as FakeSyncAdapter).owned("policy", policy.id));
    const status = first.agent.status() as { sync: { ack_outbox: { pending: number } } };
    assert.equal(status.sync.ack_outbox.pending, 1);
  } finally {
    await first.stop();
  }
  const stored = JSON.parse(await Deno.readTextFile(file));
  assert.deepEqual(stored.acks.map((a: { ack: { policy_id: string } }) => a.ack.policy_id), [
    policy.id,
  ]);
  assert.deepEqual(ackedPolicyIds(cp), []);

  // The CP answers again. The next process cannot sync (its adapter only discovers), so an ack
  // reaching the CP can only come from the outbox.
  while (cp.failuresPending > 0) {
    await cp.fetch(
      new Request("http://cp.test/v1/internal/gateways/x/sync-ack", { method: "POST" }),
    );
  }
  cp.clearRequests();
  const second = await startAgent({
    cp,
    stateDir: first.stateDir,
    adapter: discoveryOnlyAdapter(),
  });
  try {
    await cp.waitFor(() => ackedPolicyIds(cp).length > 0);
    await cp.waitFor(async () => (await Deno.stat(file).catch(() => null)) === null);
    assert.deepEqual(ackedPolicyIds(cp), [policy.id]);
    const details = cp.gateways.list()[0].health_details;
    assert.equal(details.sync_applied, 1);
  } finally {
    await second.stop();
  }

  const third = await startAgent({ cp, stateDir: first.stateDir, adapter: discoveryOnlyAdapter() });
  try {
    await cp.waitFor(() => third.agent.state.gatewayId !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(ackedPolicyIds(cp), [policy.id], "delivered exactly once");
  } finally {
    await third.stop();
  }
});

Deno.test("a corrupt outbox file does not stop the agent", async () => {
  const stateDir = await Deno.makeTempDir({ prefix: "stoa-sync-" });
  await Deno.writeTextFile(join(stateDir, OUTBOX_FILE), "\u0000garbage");
  const t = await startAgent({ stateDir });
  try {
    await t.cp.waitFor(() => t.agent.state.gatewayId !== undefined);
    const status = t.agent.status() as { sync: { ack_outbox: { last_error: string } } };
    assert.match(status.sync.ack_outbox.last_error, /unreadable .* set aside/);
    const names = [...Deno.readDirSync(stateDir)].map((e) => e.name);
    assert.ok(names.some((n) => n.startsWith(`${OUTBOX_FILE}.corrupt-`)), names.join());
  } finally {
    await t.stop();
  }
});
