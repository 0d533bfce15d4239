/**
 * `deno task bench`: the figures recorded in the README.
 *
 * 1. Discovery of 10,000 Kong services (2 routes and 2 plugins each) from the emulator: admin calls,
 *    wall time and peak memory of the discovering process. Targets: at most
 *    ceil(s/1000) + ceil(r/1000) + ceil(p/1000) + 2 calls (52), under 2 s, under 150 MB.
 * 2. Discovery of 2,000 Gravitee APIs and of 2,000 webMethods APIs from their emulators.
 * 3. An idle agent (registered, heartbeating, syncing, a small Kong discovered): resident memory
 *    10 s in and after 45 s idle, when V8 has returned start-up garbage. Target: under 80 MB.
 * 4. Sync on Kong (bench/sync.ts): a first sync of 1,000 policies and 1,000 routes, a no-change
 *    cycle over them (target: 0 writes, under 500 ms), and the latency from a `sync-deployment`
 *    event to the route being live and acknowledged (target: p99 under 250 ms).
 *
 * Every peer runs as its own process; numbers are printed, never asserted.
 *
 * @module
 */

import { AGENT_PERMISSIONS, AGENT_V8_FLAGS } from "../scripts/distribution.ts";
import { ControlPlaneDouble } from "../tests/fakes/control_plane_double.ts";
import { freePort, mb, memoryOf, ROOT, startPeer } from "./support.ts";

interface DiscoveryFigures {
  apis: number;
  paths: number;
  calls: number;
  ms: number;
  rss_before: number;
  peak_rss: number;
}

interface DiscoveryScenario {
  readonly title: string;
  readonly type: "kong" | "gravitee" | "webmethods";
  readonly emulator: string;
  readonly emulatorArgs: string[];
  readonly urlKey: string;
  readonly credentials?: string[];
  /** Admin calls the design allows (printed next to the measured figure). */
  readonly callTarget: string;
  readonly memoryTarget?: string;
  readonly timeTarget?: string;
}

/** Runs bench/discovery.ts three times against one emulator process; prints the median run. */
async function discovery(scenario: DiscoveryScenario): Promise<void> {
  console.log(`\n## ${scenario.title}`);
  const emulator = await startPeer(
    scenario.emulator,
    ["--port", "0", ...scenario.emulatorArgs],
    scenario.urlKey,
  );
  try {
    const runs: DiscoveryFigures[] = [];
    for (let i = 0; i < 3; i++) {
      const { stdout, code } = await new Deno.Command(Deno.execPath(), {
        // -A: reading /proc/self/status for the peak memory needs every permission in Deno.
        args: [
          "run",
          "-A",
          ...AGENT_V8_FLAGS,
          `${ROOT}bench/discovery.ts`,
          "--type",
          scenario.type,
          "--url",
          emulator.url,
          ...(scenario.credentials ?? []),
        ],
        stdout: "piped",
        stderr: "inherit",
      }).output();
      if (code !== 0) throw new Error(`the ${scenario.type} discovery run failed`);
      runs.push(JSON.parse(new TextDecoder().decode(stdout)));
    }
    runs.sort((a, b) => a.ms - b.ms);
    const median = runs[1];
    console.log(`APIs discovered        ${median.apis} (${median.paths} paths)`);
    console.log(`admin calls            ${median.calls} (${scenario.callTarget})`);
    console.log(
      `wall time              ${runs.map((r) => `${r.ms} ms`).join(", ")} (median ${median.ms} ms${
        scenario.timeTarget ? `; target ${scenario.timeTarget}` : ""
      })`,
    );
    console.log(
      `peak memory            ${mb(median.peak_rss)} (process at start ${mb(median.rss_before)}${
        scenario.memoryTarget ? `; target ${scenario.memoryTarget}` : ""
      })`,
    );
  } finally {
    await emulator.stop();
  }
}

const KONG_SERVICES = 10_000;
const pages = (n: number) => Math.ceil(n / 1000);

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
    args: ["run", ...AGENT_PERMISSIONS, ...AGENT_V8_FLAGS, `${ROOT}src/main.ts`],
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
    // V8 gives start-up garbage back only after a while without allocation (its memory reducer):
    // report the memory 10 s in and once settled, 45 s in, with the start-up peak.
    await new Promise((r) => setTimeout(r, 10_000));
    const early = memoryOf(agent.pid);
    await new Promise((r) => setTimeout(r, 35_000));
    const settled = memoryOf(agent.pid);
    const heartbeats = cp.requestsTo("heartbeat").filter((r) => r.status === 204).length;
    console.log(
      `resident memory        ${mb(settled.rss)} after 45 s idle, ${heartbeats} heartbeats (${
        mb(early.rss)
      } after 10 s; start-up peak ${mb(settled.peak)}; target < 80 MB)`,
    );
  } finally {
    agent.kill("SIGTERM");
    await agent.status;
    await kong.stop();
    await cp.stop();
  }
}

/** Runs bench/sync.ts in its own process and prints its figures. */
async function syncCycles(): Promise<void> {
  console.log("\n## Sync (Kong): 1,000 policies and 1,000 routes, and event-to-ack latency");
  const { stdout, code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}bench/sync.ts`],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error("the sync benchmark failed");
  for (const line of new TextDecoder().decode(stdout).trim().split("\n")) {
    const figures = JSON.parse(line);
    if (figures.scenario === "event to live route and ack") {
      console.log(
        `event → route live + acked  p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms, max ${figures.max_ms} ms over ${figures.events} events (target p99 < 250 ms)`,
      );
    } else {
      const target = figures.scenario === "no-change cycle" ? " (target: 0 writes, < 500 ms)" : "";
      console.log(
        `${
          figures.scenario.padEnd(27)
        } ${figures.ms} ms, ${figures.writes} gateway writes; policies ${
          JSON.stringify(figures.policies)
        }, routes ${JSON.stringify(figures.routes)}${target}`,
      );
    }
  }
}

console.log(
  `# stoa-connect benchmarks (Deno ${Deno.version.deno}, ${Deno.build.target}, ${navigator.hardwareConcurrency} cores)`,
);
await discovery({
  title: `Kong discovery: ${KONG_SERVICES} services × 2 routes × 2 plugins`,
  type: "kong",
  emulator: "tests/fakes/kong_emulator_server.ts",
  emulatorArgs: [
    "--services",
    String(KONG_SERVICES),
    "--routes-per-service",
    "2",
    "--plugins-per-service",
    "2",
  ],
  urlKey: "KONG_EMULATOR_URL",
  callTarget: `target ≤ ${pages(KONG_SERVICES) + 2 * pages(2 * KONG_SERVICES) + 2}`,
  timeTarget: "< 2000 ms",
  memoryTarget: "< 150 MB",
});
await discovery({
  title: "Gravitee discovery: 2000 APIs",
  type: "gravitee",
  emulator: "tests/fakes/gravitee_emulator_server.ts",
  emulatorArgs: ["--apis", "2000"],
  urlKey: "GRAVITEE_EMULATOR_URL",
  credentials: ["--user", "admin", "--password", "admin"],
  callTarget: "list pages of 100 + one plan read per API: Management API v2 has no bulk plans call",
});
await discovery({
  title: "webMethods discovery: 2000 APIs",
  type: "webmethods",
  emulator: "tests/fakes/webmethods_emulator_server.ts",
  emulatorArgs: ["--apis", "2000"],
  urlKey: "WEBMETHODS_EMULATOR_URL",
  credentials: ["--user", "Administrator", "--password", "manage"],
  callTarget: "list pages + one detail read per API + batched policy reads",
});
await idleAgent();
await syncCycles();
