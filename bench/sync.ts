/**
 * Sync benchmarks with a real agent in this process against the CP double and the Kong emulator
 * (both in-process too: these figures are times and write counts, not memory). Prints one JSON
 * line per scenario:
 *
 * - a first sync of 1,000 routes (creates), then a no-change cycle over 1,000 policies and 1,000
 *   routes (target: 0 writes on the gateway, under 500 ms);
 * - the latency from a `sync-deployment` event to the route being on the emulated Kong and its
 *   ack received by the Control Plane (target: p99 under 250 ms on loopback).
 *
 * Usage: deno run -A bench/sync.ts
 *
 * @module
 */

import { Agent } from "../src/agent/agent.ts";
import { parseConfig } from "../src/config/config.ts";
import { DRIVERS } from "../src/gateways/drivers.ts";
import { ControlPlaneDouble } from "../tests/fakes/control_plane_double.ts";
import { KongEmulator } from "../tests/fakes/kong_emulator.ts";

const KEY = "gw_bench_sync_key";
const COUNT = 1_000;
const EVENTS = 200;

async function withStack(
  env: Record<string, string>,
  prepare: (cp: ControlPlaneDouble, kong: KongEmulator) => void,
  run: (agent: Agent, cp: ControlPlaneDouble, kong: KongEmulator) => Promise<void>,
): Promise<void> {
  const cp = new ControlPlaneDouble({ keys: [KEY] });
  const kong = new KongEmulator({});
  prepare(cp, kong);
  const config = parseConfig({
    STOA_CONTROL_PLANE_URL: await cp.start(),
    STOA_GATEWAY_API_KEY: KEY,
    STOA_GATEWAY_ADMIN_URL: await kong.start(),
    STOA_INSTANCE_NAME: "bench-kong",
    STOA_HEARTBEAT_INTERVAL: "30s",
    STOA_DISCOVERY_INTERVAL: "10m",
    STOA_POLICY_SYNC_INTERVAL: "10m",
    STOA_ROUTE_SYNC_INTERVAL: "10m",
    STOA_STATE_DIR: Deno.makeTempDirSync({ prefix: "stoa-bench-sync-" }),
    LOG_LEVEL: "error",
    ...env,
  }, { hostname: "bench", stdoutIsTerminal: false });
  const agent = new Agent({ config, drivers: DRIVERS });
  agent.start();
  try {
    await cp.waitFor(() => agent.state.gatewayId !== undefined && agent.state.gateway.reachable, {
      timeoutMs: 30_000,
    });
    await run(agent, cp, kong);
  } finally {
    await agent.stop();
    await cp.stop();
    await kong.stop();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function cycles(): Promise<void> {
  await withStack({}, (_cp, kong) => {
    kong.seed({ services: COUNT, routesPerService: 1, pluginsPerService: 0 });
  }, async (agent, cp, kong) => {
    // Let the start-up cycles (nothing to do yet) finish before the desired state appears.
    await cp.waitFor(
      () => cp.requestsTo("routes").length > 0 && cp.requestsTo("config").length > 0,
      {
        timeoutMs: 30_000,
      },
    );
    await agent.discoverNow();
    const gatewayId = agent.state.gatewayId!;
    const services = kong.store().all("services").map((s) => String(s.name));
    for (let i = 0; i < COUNT; i++) {
      cp.addPolicy({
        name: `bench-limit-${i}`,
        policyType: "rate_limit",
        config: { maxRequests: 100 + i, intervalSeconds: 60, apis: [services[i]] },
      });
      cp.addDeployment({
        gatewayId,
        apiName: `bench-api-${i}`,
        apiId: `bench-api-${i}`,
        backendUrl: `http://backend-${i}.internal:8080`,
      });
    }

    let writes = kong.writes;
    let started = performance.now();
    const first = await agent.syncNow();
    const firstMs = performance.now() - started;
    const firstWrites = kong.writes - writes;
    console.log(JSON.stringify({
      scenario: "first sync",
      policies: first.policies.summary,
      routes: first.routes.summary,
      writes: firstWrites,
      ms: Math.round(firstMs),
    }));

    writes = kong.writes;
    started = performance.now();
    const again = await agent.syncNow();
    const againMs = performance.now() - started;
    console.log(JSON.stringify({
      scenario: "no-change cycle",
      policies: again.policies.summary,
      routes: again.routes.summary,
      writes: kong.writes - writes,
      ms: Math.round(againMs),
    }));
  });
}

async function eventLatency(): Promise<void> {
  await withStack(
    { STOA_SSE_ENABLED: "true" },
    (cp) => cp.setDeployMode("sse_only"),
    async (agent, cp, kong) => {
      await cp.waitFor(() => cp.streamsOpen > 0, { timeoutMs: 30_000 });
      const gatewayId = agent.state.gatewayId!;
      const latencies: number[] = [];
      for (let i = 0; i < EVENTS; i++) {
        const acked = cp.requestsTo("route-sync-ack").length;
        const started = performance.now();
        const deployment = cp.addDeployment({
          gatewayId,
          apiName: `event-api-${i}`,
          apiId: `event-api-${i}`,
          backendUrl: `http://event-backend-${i}.internal:8080`,
        });
        await cp.waitFor(() => {
          const acks = cp.requestsTo("route-sync-ack").slice(acked);
          const ack = acks.some((r) =>
            (r.body as { synced_routes: { deployment_id: string; status: string }[] }).synced_routes
              .some((item) => item.deployment_id === deployment.id && item.status === "applied")
          );
          return ack &&
            kong.store().all("routes").some((route) =>
              (route.paths as string[] | null)?.includes(`/apis/event-api-${i}`)
            );
        }, { timeoutMs: 10_000, intervalMs: 1 });
        latencies.push(performance.now() - started);
      }
      latencies.sort((a, b) => a - b);
      console.log(JSON.stringify({
        scenario: "event to live route and ack",
        events: EVENTS,
        p50_ms: Math.round(percentile(latencies, 50) * 10) / 10,
        p99_ms: Math.round(percentile(latencies, 99) * 10) / 10,
        max_ms: Math.round(latencies.at(-1)! * 10) / 10,
      }));
    },
  );
}

await cycles();
await eventLatency();
