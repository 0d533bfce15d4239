/**
 * The agent end to end on Gravitee and webMethods: detection (explicit and auto), registration with
 * the gateway type, discovery reported to the Control Plane, and a gateway-wide rate limit applied
 * through the sync engine, acknowledged, then unchanged on the next cycle.
 *
 * @module
 */

import assert from "node:assert/strict";
import { GraviteeEmulator } from "../fakes/gravitee_emulator.ts";
import { KongEmulator } from "../fakes/kong_emulator.ts";
import { WebMethodsEmulator } from "../fakes/webmethods_emulator.ts";
import { type Harness, waitForFirstSyncCycles, withHarness } from "./agent_harness.ts";

interface Emulator {
  realisticSeed(): unknown;
  start(): Promise<string>;
  stop(): Promise<void>;
  readonly requests: readonly { readonly method: string }[];
}

const KONG = {
  type: "kong",
  create: (): Emulator => new KongEmulator(),
  env: {},
} as const;

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
          await waitForFirstSyncCycles(h);

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

function writes(emulator: Emulator): number {
  return emulator.requests.filter((r) => r.method !== "GET").length;
}

for (const gateway of [KONG, ...GATEWAYS]) {
  Deno.test(`${gateway.type}: a deployment is created, left alone when unchanged, removed (after the hold) when undeployed; a disabled policy is removed`, async () => {
    const emulator = gateway.create();
    emulator.realisticSeed();
    const adminUrl = await emulator.start();
    try {
      await withHarness({
        adminUrl,
        env: {
          ...gateway.env,
          STOA_GATEWAY_TYPE: gateway.type,
          STOA_POLICY_SYNC_INTERVAL: "10m",
          STOA_ROUTE_SYNC_INTERVAL: "10m",
        },
      }, async (h) => {
        await h.waitFor(() => h.agent.state.gatewayId !== undefined, 10_000);
        await h.waitFor(() => h.cp.requestsTo("discovery").some((r) => r.status === 200), 10_000);
        await waitForFirstSyncCycles(h);
        const deployment = h.cp.addDeployment({
          gatewayId: h.agent.state.gatewayId!,
          apiName: "lifecycle-api",
          apiId: "lifecycle-api",
          backendUrl: "http://lifecycle.internal:8080",
          methods: ["GET"],
        });
        const policy = h.cp.addPolicy({
          name: "lifecycle-limit",
          policyType: "rate_limit",
          config: { maxRequests: 10, intervalSeconds: 60 },
        });

        const plan = await h.agent.syncNow({ dryRun: true });
        const before = writes(emulator);
        assert.equal(plan.routes.items.find((i) => i.id === deployment.id)?.action, "create");
        const created = await h.agent.syncNow();
        assert.equal(writes(emulator) > before, true, "the deployment and policy were written");
        assert.equal(
          created.routes.items.find((i) => i.id === deployment.id)?.status,
          "applied",
          JSON.stringify(created.routes),
        );
        assert.equal(h.cp.deployments.byId(deployment.id)?.sync_status, "synced");

        const quiet = writes(emulator);
        const again = await h.agent.syncNow();
        assert.equal(again.routes.summary.unchanged, 1, JSON.stringify(again.routes));
        assert.equal(writes(emulator), quiet, "an unchanged cycle writes nothing");

        h.cp.updatePolicy(policy.id, { enabled: false });
        h.cp.undeploy(deployment.id);
        const held = await h.agent.syncNow();
        assert.equal(held.routes.status, "held", JSON.stringify(held.routes));
        const removed = await h.agent.syncNow();
        assert.equal(
          removed.routes.items.find((i) => i.id === deployment.id)?.status,
          "removed",
          JSON.stringify(removed.routes),
        );
        const policyItems = [...held.policies.items, ...removed.policies.items]
          .filter((i) => i.id === policy.id);
        assert.ok(policyItems.some((i) => i.status === "removed"), JSON.stringify(policyItems));
        const finalPlan = await h.agent.syncNow({ dryRun: true });
        assert.equal(finalPlan.routes.items.length, 0, JSON.stringify(finalPlan.routes));
      });
    } finally {
      await emulator.stop();
    }
  });
}
