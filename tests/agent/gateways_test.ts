/**
 * The agent end to end on Gravitee and webMethods: detection (explicit and auto), registration with
 * the gateway type, discovery reported to the Control Plane, and a gateway-wide rate limit applied
 * through the sync engine, acknowledged, then unchanged on the next cycle.
 *
 * @module
 */

import assert from "node:assert/strict";
import { GraviteeEmulator } from "../fakes/gravitee_emulator.ts";
import { WebMethodsEmulator } from "../fakes/webmethods_emulator.ts";
import { type Harness, withHarness } from "./agent_harness.ts";

interface Emulator {
  realisticSeed(): unknown;
  start(): Promise<string>;
  stop(): Promise<void>;
}

const GATEWAYS = [
  {
    type: "gravitee",
    create: (): Emulator => new GraviteeEmulator(),
    env: { STOA_GATEWAY_ADMIN_USER: "admin", STOA_GATEWAY_ADMIN_PASSWORD: "admin" },
  },
  {
    type: "webmethods",
    create: (): Emulator => new WebMethodsEmulator(),
    env: { STOA_GATEWAY_ADMIN_USER: "Administrator", STOA_GATEWAY_ADMIN_PASSWORD: "manage" },
  },
] as const;

async function policyAcks(h: Harness): Promise<{ policy_id: string; status: string }[]> {
  await h.waitFor(() => h.cp.requestsTo("sync-ack").some((r) => r.status === 200), 10_000);
  const body = h.cp.requestsTo("sync-ack").at(-1)!.body as {
    synced_policies: { policy_id: string; status: string }[];
  };
  return body.synced_policies;
}

for (const gateway of GATEWAYS) {
  for (const mode of ["explicit", "auto"] as const) {
    Deno.test(`${gateway.type} (${mode} type): registers, discovers and applies a gateway-wide rate limit`, async () => {
      const emulator = gateway.create();
      emulator.realisticSeed();
      const adminUrl = await emulator.start();
      try {
        await withHarness({
          adminUrl,
          env: {
            ...gateway.env,
            STOA_GATEWAY_TYPE: mode === "explicit" ? gateway.type : "auto",
            STOA_POLICY_SYNC_INTERVAL: "10m",
          },
        }, async (h) => {
          await h.waitFor(
            () =>
              h.cp.requestsTo("register").some((r) =>
                (r.body as Record<string, unknown>).target_gateway_type === gateway.type
              ),
            10_000,
          );
          await h.waitFor(() => h.cp.requestsTo("discovery").some((r) => r.status === 200), 10_000);
          const reported = (h.cp.requestsTo("discovery").find((r) => r.status === 200)!.body as {
            apis: { name: string }[];
          }).apis;
          assert.ok(reported.length > 0, "the realistic seed has APIs");
          assert.equal(h.agent.state.gateway.info?.type, gateway.type);

          const policy = h.cp.addPolicy({
            name: `${gateway.type}-rate-limit`,
            policyType: "rate_limit",
            config: { maxRequests: 100, intervalSeconds: 60 },
          });
          const first = await h.agent.syncNow({ dryRun: false });
          assert.equal(first.policies.status, "ok", JSON.stringify(first.policies));
          const applied = first.policies.items.filter((i) => i.id === policy.id);
          assert.ok(applied.length > 0, JSON.stringify(first.policies));
          for (const item of applied) assert.equal(item.status, "applied", JSON.stringify(item));
          const acks = await policyAcks(h);
          assert.deepEqual(
            acks.filter((a) => a.policy_id === policy.id).map((a) => a.status),
            ["applied"],
          );

          const second = await h.agent.syncNow({ dryRun: true });
          assert.equal(second.policies.summary.create, 0, JSON.stringify(second.policies));
          assert.equal(second.policies.summary.update, 0, JSON.stringify(second.policies));
          assert.ok(second.policies.summary.unchanged >= 1);
        });
      } finally {
        await emulator.stop();
      }
    });
  }
}
