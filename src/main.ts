/**
 * `stoa-connect`: the agent's entry point. Reads and validates the configuration (exit 2 when it is
 * invalid, naming every bad variable), starts the local server and the loops, and shuts down
 * cleanly on SIGINT/SIGTERM.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Agent } from "./agent/agent.ts";
import { agentHelp } from "./cli/agent_help.ts";
import { healthcheck } from "./cli/healthcheck.ts";
import { type Config, parseConfig } from "./config/config.ts";
import { ConfigError } from "./config/config_error.ts";
import { loadEnvironment } from "./config/environment.ts";
import { SECRET_VARIABLES } from "./config/variables.ts";
import { DRIVERS } from "./gateways/drivers.ts";
import { log, setupLogging } from "./observability/logger.ts";
import { registerSecret } from "./observability/redact.ts";
import { createApp } from "./server/app.ts";
import { ListenError, startServer } from "./server/serve.ts";
import { VERSION } from "./version.ts";

/** Longest time shutdown may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 4_500;

function fail(code: number, message: string): never {
  console.error(`stoa-connect: ${message}`);
  Deno.exit(code);
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}

function readConfig(envFile: string | undefined): Config {
  const loaded = loadEnvironment({ env: Deno.env.toObject(), envFile });
  for (const name of SECRET_VARIABLES) registerSecret(loaded.values[name]);
  return parseConfig(loaded.values, {
    hostname: hostname(),
    stdoutIsTerminal: Deno.stdout.isTerminal(),
  }, loaded.problems);
}

async function run(config: Config): Promise<void> {
  const agent = new Agent({ config, drivers: DRIVERS });
  await setupLogging({
    level: config.logLevel,
    format: config.logFormat,
    context: () => ({
      instance: config.instanceName,
      gateway_id: agent.state.gatewayId ?? "unregistered",
    }),
  });
  const logger = log("agent");

  let server;
  try {
    server = startServer({
      hostname: config.connectHost,
      port: config.connectPort,
      app: (remoteAddress) =>
        createApp({
          agent: {
            health: () => agent.health(),
            readiness: () => agent.readiness(),
            status: () => agent.status(),
            metrics: () => agent.metrics.expose(),
            discoverNow: () => agent.discoverNow(),
            syncNow: (options) => agent.syncNow(options),
            webhookEvents: agent.webhookEvents,
          },
          token: config.connectToken,
          remoteAddress,
        }),
    });
  } catch (error) {
    if (error instanceof ListenError) {
      logger.error("{error}", { error: error.message });
      Deno.exit(1);
    }
    throw error;
  }
  logger.info("listening on {url} (/health /readyz /status /metrics)", {
    url: server.url.toString(),
  });
  agent.start();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("{signal} received: stopping", { signal });
    const deadline = setTimeout(() => {
      logger.warn("shutdown took too long; exiting now");
      Deno.exit(0);
    }, SHUTDOWN_DEADLINE_MS);
    await agent.stop();
    await server.shutdown();
    clearTimeout(deadline);
    logger.info("stopped");
    Deno.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(signal, () => void shutdown(signal));
    } catch {
      // SIGTERM cannot be listened to on Windows; SIGINT (Ctrl-C) still works there.
    }
  }
}

/** Where the local agent answers: its bind address, or loopback when it binds every interface. */
function localAgentUrl(host: string | undefined, port: string): string {
  const bound = host?.trim();
  if (!bound || bound === "0.0.0.0" || bound === "::" || bound === "[::]") {
    return `http://127.0.0.1:${port}`;
  }
  return `http://${bound.includes(":") && !bound.startsWith("[") ? `[${bound}]` : bound}:${port}`;
}

async function main(args: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
        "env-file": { type: "string" },
        url: { type: "string" },
        ready: { type: "boolean" },
      },
    });
  } catch (error) {
    fail(2, `${error instanceof Error ? error.message : error}\nRun 'stoa-connect --help'.`);
  }
  const { values, positionals } = parsed;
  if (values.version) {
    console.log(`stoa-connect ${VERSION}`);
    return;
  }
  if (values.help) {
    console.log(agentHelp());
    return;
  }
  const [command, ...rest] = positionals;
  if (command === "healthcheck") {
    const port = Deno.env.get("STOA_CONNECT_PORT") || "8090";
    const result = await healthcheck({
      url: values.url ?? localAgentUrl(Deno.env.get("STOA_CONNECT_HOST"), port),
      ready: values.ready ?? false,
    });
    console.log(result.message);
    Deno.exit(result.code);
  }
  if (command !== undefined || rest.length > 0) {
    fail(2, `unknown command '${positionals.join(" ")}'\nRun 'stoa-connect --help'.`);
  }
  let config: Config;
  try {
    config = readConfig(values["env-file"]);
  } catch (error) {
    if (error instanceof ConfigError) fail(2, error.message);
    throw error;
  }
  await run(config);
}

if (import.meta.main) {
  await main(Deno.args);
}
