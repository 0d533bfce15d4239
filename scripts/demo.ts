/**
 * `deno task demo`: the whole loop on one machine. Starts the Control Plane double and a gateway
 * emulator (Kong by default) seeded with a few realistic APIs, then the real agent as a separate
 * process, and narrates what happens: the registration, the heartbeats and the discovered APIs as
 * the Control Plane received them; then the Control Plane pushes a rate limit, a CORS policy and
 * one deployment, and the demo shows the agent's writes on the gateway and the acknowledgements.
 * Ctrl-C stops everything.
 *
 * Flags: `--gateway kong|gravitee|webmethods` (or STOA_DEMO_GATEWAY); `--duration 30s` stops by
 * itself (used by the tests); `--verbose` shows the agent's own log lines.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { AGENT_PERMISSIONS, AGENT_V8_FLAGS } from "./distribution.ts";
import { parseDuration } from "../src/config/duration.ts";
import { ControlPlaneDouble, type LoggedRequest } from "../tests/fakes/control_plane_double.ts";
import { GraviteeEmulator } from "../tests/fakes/gravitee_emulator.ts";
import { KongEmulator } from "../tests/fakes/kong_emulator.ts";
import { WebMethodsEmulator } from "../tests/fakes/webmethods_emulator.ts";

const DEMO_KEY = "gw_demo_local_key";

/** Last acknowledged status of each policy, to narrate changes only. */
const acked = new Map<string, string>();

/** A gateway emulator the demo can start. */
interface DemoGateway {
  readonly label: string;
  readonly env: Readonly<Record<string, string>>;
  readonly emulator: {
    realisticSeed(): unknown;
    start(): Promise<string>;
    stop(): Promise<void>;
    readonly requests: readonly { readonly method: string; readonly path: string }[];
  };
}

function demoGateway(name: string): DemoGateway | undefined {
  switch (name) {
    case "kong":
      return {
        label: "Kong 3.9.1 (emulated)",
        env: {},
        emulator: new KongEmulator({ version: "3.9.1" }),
      };
    case "gravitee":
      return {
        label: "Gravitee APIM 4.x (emulated)",
        env: { STOA_GATEWAY_ADMIN_USER: "admin", STOA_GATEWAY_ADMIN_PASSWORD: "admin" },
        emulator: new GraviteeEmulator(),
      };
    case "webmethods":
      return {
        label: "webMethods API Gateway 11.0 (emulated)",
        env: { STOA_GATEWAY_ADMIN_USER: "Administrator", STOA_GATEWAY_ADMIN_PASSWORD: "manage" },
        emulator: new WebMethodsEmulator({ version: "11.0" }),
      };
  }
  return undefined;
}
const color = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
const paint = (code: string) => (text: string) => color ? `\x1b[${code}m${text}\x1b[0m` : text;
const bold = paint("1");
const dim = paint("2");
const green = paint("32");
const cyan = paint("36");
const yellow = paint("33");

function say(text: string): void {
  console.log(text);
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((row, r) => {
    const line = row.map((cell, i) => cell.padEnd(widths[i])).join("  ");
    return r === 0 ? bold(line) : line;
  }).map((line) => `    ${line}`).join("\n");
}

/** Prints one line per Control Plane request worth showing. */
function narrate(
  request: LoggedRequest,
  heartbeats: { count: number },
  names: ReadonlyMap<string, string>,
): void {
  const body = request.body as Record<string, unknown> | undefined;
  switch (request.endpoint) {
    case "register": {
      if (request.status !== 201) {
        say(yellow(`  CP ✗ registration answered ${request.status}`));
        return;
      }
      const type = body?.target_gateway_type ? ` (gateway type: ${body.target_gateway_type})` : "";
      say(green(`  CP ✔ registration from ${body?.hostname}, version ${body?.version}${type}`));
      say(dim(`       capabilities: ${(body?.capabilities as string[] | undefined)?.join(", ")}`));
      return;
    }
    case "heartbeat": {
      if (request.status !== 204) {
        say(yellow(`  CP ✗ heartbeat answered ${request.status}`));
        return;
      }
      heartbeats.count++;
      say(
        `  CP ♥ heartbeat #${heartbeats.count}: uptime ${body?.uptime_seconds}s, ` +
          `${body?.discovered_apis} APIs, ${body?.routes_count} routes`,
      );
      return;
    }
    case "sync-ack": {
      const items = (body?.synced_policies ?? []) as {
        policy_id: string;
        status: string;
        error?: string;
      }[];
      for (const item of items) {
        // Every cycle acknowledges every policy; say it once per change of status.
        const key = `${item.status}:${item.error ?? ""}`;
        if (acked.get(item.policy_id) === key) continue;
        acked.set(item.policy_id, key);
        const name = names.get(item.policy_id) ?? item.policy_id;
        const line = `  CP ✔ policy ${name}: ${item.status}${item.error ? ` — ${item.error}` : ""}`;
        say(item.status === "failed" ? yellow(line) : green(line));
      }
      return;
    }
    case "route-sync-ack": {
      const items = (body?.synced_routes ?? []) as {
        deployment_id: string;
        status: string;
        generation?: number;
        error?: string;
        steps?: { name: string; status: string }[];
      }[];
      for (const item of items) {
        const steps = (item.steps ?? []).map((step) => `${step.name}:${step.status}`).join(" ");
        const line = `  CP ✔ deployment ${names.get(item.deployment_id) ?? item.deployment_id} ` +
          `(generation ${item.generation ?? "-"}): ${item.status}${
            item.error ? ` — ${item.error}` : ""
          }`;
        say(item.status === "failed" ? yellow(line) : green(line));
        if (steps) say(dim(`       steps: ${steps}`));
      }
      return;
    }
    case "discovery": {
      const apis = (body?.apis ?? []) as Record<string, unknown>[];
      say(cyan(`  CP ⇢ discovery report: ${apis.length} APIs`));
      const rows = [["NAME", "PATHS", "METHODS", "BACKEND", "POLICIES", "ACTIVE"]];
      for (const api of apis) {
        rows.push([
          String(api.name),
          (api.paths as string[]).join(",") || "-",
          (api.methods as string[]).join(",") || "any",
          String(api.backend_url),
          (api.policies as string[]).join(",") || "-",
          api.is_active ? "yes" : "no",
        ]);
      }
      if (apis.length > 0) say(table(rows));
      return;
    }
  }
}

/** The Control Plane decides: a rate limit, a CORS policy and one deployment for this gateway. */
function pushDesiredState(cp: ControlPlaneDouble, names: Map<string, string>): void {
  const gatewayId = cp.gateways.list()[0].id;
  const limit = cp.addPolicy({
    name: "demo-rate-limit",
    policyType: "rate_limit",
    config: { maxRequests: 100, intervalSeconds: 60 },
  });
  const cors = cp.addPolicy({
    name: "demo-cors",
    policyType: "cors",
    config: { origins: ["https://app.example.com"], methods: ["GET", "POST"] },
  });
  const deployment = cp.addDeployment({
    gatewayId,
    apiName: "weather-api",
    apiId: "weather-api",
    backendUrl: "https://weather.internal:8443/v1",
    methods: ["GET"],
  });
  names.set(limit.id, limit.name).set(cors.id, cors.name).set(deployment.id, "weather-api");
  say(
    bold("\n  The Control Plane now wants: rate limit 100/min, CORS for https://app.example.com,"),
  );
  say(bold("  and the weather-api deployed at /apis/weather-api. The agent picks them up:\n"));
}

async function pipeLines(
  stream: ReadableStream<Uint8Array>,
  show: (line: string) => void,
): Promise<void> {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    const lines = buffer.split("\n");
    buffer = lines.pop()!;
    for (const line of lines) if (line.trim() !== "") show(line);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      duration: { type: "string" },
      verbose: { type: "boolean" },
      gateway: { type: "string", default: Deno.env.get("STOA_DEMO_GATEWAY") || "kong" },
    },
  });
  const gateway = demoGateway(values.gateway);
  if (!gateway) {
    console.error(`demo: --gateway "${values.gateway}" is not one of kong, gravitee, webmethods`);
    Deno.exit(2);
  }
  const duration = values.duration ? parseDuration(values.duration) : undefined;
  if (values.duration && (duration === undefined || duration <= 0)) {
    console.error(`demo: --duration "${values.duration}" is not a duration (e.g. 30s)`);
    Deno.exit(2);
  }

  const cp = new ControlPlaneDouble({ keys: [DEMO_KEY] });
  const emulator = gateway.emulator;
  emulator.realisticSeed();
  const cpUrl = await cp.start();
  const gatewayUrl = await emulator.start();
  const port = freePort();

  say(bold("stoa-connect demo"));
  say(`  Control Plane double  ${cpUrl}`);
  say(`  gateway admin API     ${gatewayUrl} (${gateway.label})`);
  say(`  agent                 http://127.0.0.1:${port}  (try: curl localhost:${port}/health)`);
  say(dim("  Ctrl-C stops everything.\n"));

  const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));
  const agent = new Deno.Command(Deno.execPath(), {
    // Exactly as the compiled binary runs.
    args: ["run", ...AGENT_PERMISSIONS, ...AGENT_V8_FLAGS, main],
    env: {
      STOA_CONTROL_PLANE_URL: cpUrl,
      STOA_GATEWAY_API_KEY: DEMO_KEY,
      STOA_GATEWAY_ADMIN_URL: gatewayUrl,
      STOA_INSTANCE_NAME: `demo-${values.gateway}-01`,
      ...gateway.env,
      STOA_ENVIRONMENT: "demo",
      STOA_HEARTBEAT_INTERVAL: "5s",
      STOA_DISCOVERY_INTERVAL: "20s",
      STOA_POLICY_SYNC_INTERVAL: "3s",
      STOA_ROUTE_SYNC_INTERVAL: "3s",
      STOA_CONNECT_HOST: "127.0.0.1",
      STOA_CONNECT_PORT: String(port),
      STOA_STATE_DIR: Deno.makeTempDirSync({ prefix: "stoa-demo-state-" }),
      LOG_FORMAT: "pretty",
      LOG_LEVEL: values.verbose ? "debug" : "warn",
      NO_COLOR: color ? "" : "1",
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const agentOutput = Promise.all([
    pipeLines(agent.stdout, (line) => say(dim(`  agent │ ${line}`))),
    pipeLines(agent.stderr, (line) => say(yellow(`  agent │ ${line}`))),
  ]);

  const heartbeats = { count: 0 };
  const names = new Map<string, string>();
  let seen = 0;
  let gatewaySeen = 0;
  let pushed = false;
  const ticker = setInterval(() => {
    // What the agent wrote on the gateway (reads are not shown), then what the CP received.
    const calls = emulator.requests;
    for (; gatewaySeen < calls.length; gatewaySeen++) {
      const call = calls[gatewaySeen];
      if (call.method !== "GET") say(`  GW ✎ ${call.method} ${call.path}`);
    }
    const requests = cp.requests;
    for (; seen < requests.length; seen++) narrate(requests[seen], heartbeats, names);
    if (!pushed && cp.requestsTo("discovery").some((r) => r.status === 200)) {
      pushed = true;
      pushDesiredState(cp, names);
    }
  }, 100);

  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    say(dim(`\n  ${reason}: stopping the agent, the emulator and the Control Plane double…`));
    clearInterval(ticker);
    try {
      agent.kill("SIGTERM");
    } catch { /* already gone */ }
    const status = await agent.status;
    await agentOutput;
    await cp.stop();
    await emulator.stop();
    say(dim(`  agent exited with code ${status.code}. Bye.`));
    Deno.exit(status.code === 0 ? 0 : 1);
  };
  Deno.addSignalListener("SIGINT", () => void stop("Ctrl-C"));
  if (duration !== undefined) setTimeout(() => void stop("demo time is up"), duration);
  agent.status.then((status) => {
    if (!stopping) {
      say(yellow(`  the agent exited unexpectedly (code ${status.code})`));
      void stop("agent exited");
    }
  });
}

await main();
