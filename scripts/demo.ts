/**
 * `deno task demo`: the whole loop on one machine. Starts the Control Plane double and a Kong
 * Admin API emulator seeded with a few realistic services, then the real agent as a separate
 * process, and narrates what the Control Plane receives: the registration, the heartbeats and the
 * discovered APIs. Ctrl-C stops everything.
 *
 * Flags: `--duration 30s` stops by itself (used by the tests); `--verbose` shows the agent's own
 * log lines.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { parseDuration } from "../src/config/duration.ts";
import { ControlPlaneDouble, type LoggedRequest } from "../tests/fakes/control_plane_double.ts";
import { KongEmulator } from "../tests/fakes/kong_emulator.ts";

const DEMO_KEY = "gw_demo_local_key";
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
function narrate(request: LoggedRequest, heartbeats: { count: number }): void {
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
    options: { duration: { type: "string" }, verbose: { type: "boolean" } },
  });
  const duration = values.duration ? parseDuration(values.duration) : undefined;
  if (values.duration && (duration === undefined || duration <= 0)) {
    console.error(`demo: --duration "${values.duration}" is not a duration (e.g. 30s)`);
    Deno.exit(2);
  }

  const cp = new ControlPlaneDouble({ keys: [DEMO_KEY] });
  const kong = new KongEmulator({ version: "3.9.1" });
  kong.realisticSeed();
  const cpUrl = await cp.start();
  const kongUrl = await kong.start();
  const port = freePort();

  say(bold("stoa-connect demo"));
  say(`  Control Plane double  ${cpUrl}`);
  say(
    `  Kong Admin API        ${kongUrl} (emulated Kong 3.9.1, ${
      kong.store().count("services")
    } services)`,
  );
  say(`  agent                 http://127.0.0.1:${port}  (try: curl localhost:${port}/health)`);
  say(dim("  Ctrl-C stops everything.\n"));

  const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));
  const agent = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-read",
      "--allow-write",
      "--allow-sys=hostname,osUptime,systemMemoryInfo",
      main,
    ],
    env: {
      STOA_CONTROL_PLANE_URL: cpUrl,
      STOA_GATEWAY_API_KEY: DEMO_KEY,
      STOA_GATEWAY_ADMIN_URL: kongUrl,
      STOA_INSTANCE_NAME: "demo-kong-01",
      STOA_ENVIRONMENT: "demo",
      STOA_HEARTBEAT_INTERVAL: "5s",
      STOA_DISCOVERY_INTERVAL: "20s",
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
  let seen = 0;
  const ticker = setInterval(() => {
    const requests = cp.requests;
    for (; seen < requests.length; seen++) narrate(requests[seen], heartbeats);
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
    await kong.stop();
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
