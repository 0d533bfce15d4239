/**
 * `deno task bench`: the figures recorded in the README.
 *
 * 1. Discovery of 10,000 Kong services (2 routes and 2 plugins each) from the emulator: admin calls,
 *    wall time and peak memory of the discovering process. Targets: at most
 *    ceil(s/1000) + ceil(r/1000) + ceil(p/1000) + 2 calls (52), under 2 s, under 150 MB.
 * 2. An idle agent (registered, heartbeating, a small Kong discovered): resident memory after it
 *    settled. Target: under 80 MB.
 *
 * Every peer runs as its own process; numbers are printed, never asserted.
 *
 * @module
 */

import { ControlPlaneDouble } from "../tests/fakes/control_plane_double.ts";
import { freePort, mb, memoryOf, ROOT, startPeer } from "./support.ts";

const AGENT_PERMISSIONS = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-sys=hostname,osUptime,systemMemoryInfo",
];

interface DiscoveryFigures {
  apis: number;
  routes: number;
  calls: number;
  ms: number;
  rss_before: number;
  peak_rss: number;
}

async function kongDiscovery(services: number): Promise<void> {
  console.log(`\n## Kong discovery: ${services} services × 2 routes × 2 plugins`);
  const kong = await startPeer("tests/fakes/kong_emulator_server.ts", [
    "--port",
    "0",
    "--services",
    String(services),
    "--routes-per-service",
    "2",
    "--plugins-per-service",
    "2",
  ], "KONG_EMULATOR_URL");
  try {
    const pages = (n: number) => Math.ceil(n / 1000);
    const target = pages(services) + pages(services * 2) + pages(services * 2) + 2;
    const runs: DiscoveryFigures[] = [];
    for (let i = 0; i < 3; i++) {
      const { stdout, code } = await new Deno.Command(Deno.execPath(), {
        // -A: reading /proc/self/status for the peak memory needs every permission in Deno.
        args: ["run", "-A", `${ROOT}bench/kong_discovery.ts`, kong.url],
        stdout: "piped",
        stderr: "inherit",
      }).output();
      if (code !== 0) throw new Error("the discovery run failed");
      runs.push(JSON.parse(new TextDecoder().decode(stdout)));
    }
    runs.sort((a, b) => a.ms - b.ms);
    const median = runs[1];
    console.log(`APIs discovered        ${median.apis} (${median.routes} route paths)`);
    console.log(`admin calls            ${median.calls} (target ≤ ${target})`);
    console.log(
      `wall time              ${
        runs.map((r) => `${r.ms} ms`).join(", ")
      } (median ${median.ms} ms; target < 2000 ms)`,
    );
    console.log(
      `peak memory            ${mb(median.peak_rss)} (process at start ${
        mb(median.rss_before)
      }; target < 150 MB)`,
    );
  } finally {
    await kong.stop();
  }
}

async function idleAgent(): Promise<void> {
  console.log("\n## Idle agent");
  const cp = new ControlPlaneDouble({ keys: ["gw_bench_key"] });
  const cpUrl = await cp.start();
  const kong = await startPeer("tests/fakes/kong_emulator_server.ts", [
    "--port",
    "0",
    "--realistic",
  ], "KONG_EMULATOR_URL");
  const port = freePort();
  const agent = new Deno.Command(Deno.execPath(), {
    args: ["run", ...AGENT_PERMISSIONS, `${ROOT}src/main.ts`],
    env: {
      STOA_CONTROL_PLANE_URL: cpUrl,
      STOA_GATEWAY_API_KEY: "gw_bench_key",
      STOA_GATEWAY_ADMIN_URL: kong.url,
      STOA_CONNECT_HOST: "127.0.0.1",
      STOA_CONNECT_PORT: String(port),
      STOA_HEARTBEAT_INTERVAL: "1s",
      STOA_STATE_DIR: Deno.makeTempDirSync({ prefix: "stoa-bench-" }),
      LOG_LEVEL: "warn",
      LOG_FORMAT: "json",
    },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  try {
    await cp.waitFor(() => cp.requestsTo("heartbeat").filter((r) => r.status === 204).length >= 3, {
      timeoutMs: 30_000,
    });
    await cp.waitFor(() => cp.requestsTo("discovery").some((r) => r.status === 200), {
      timeoutMs: 30_000,
    });
    // Let start-up garbage be collected and the heap settle.
    await new Promise((r) => setTimeout(r, 10_000));
    const memory = memoryOf(agent.pid);
    const heartbeats = cp.requestsTo("heartbeat").filter((r) => r.status === 204).length;
    console.log(
      `resident memory        ${mb(memory.rss)} after ${heartbeats} heartbeats (peak ${
        mb(memory.peak)
      }; target < 80 MB)`,
    );
  } finally {
    agent.kill("SIGTERM");
    await agent.status;
    await kong.stop();
    await cp.stop();
  }
}

console.log(
  `# stoa-connect benchmarks (Deno ${Deno.version.deno}, ${Deno.build.target}, ${navigator.hardwareConcurrency} cores)`,
);
await kongDiscovery(10_000);
await idleAgent();
