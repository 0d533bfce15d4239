/**
 * Runs the Control Plane double as a process, for demos and for running a compiled agent against
 * it:
 *
 * ```sh
 * deno run --allow-net --allow-env tests/fakes/control_plane_server.ts --port 0 --key gw_demo_key
 * ```
 *
 * Prints exactly one line, `CP_DOUBLE_URL=http://127.0.0.1:<port>`, once listening, and stops
 * cleanly on SIGINT or SIGTERM. Without `--key`, the keys come from `GATEWAY_API_KEYS` like on
 * the CP; with neither, every key-checked endpoint answers 503, also like the CP.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { ControlPlaneDouble, type DeployMode } from "./control_plane_double.ts";

const USAGE = `Usage: control_plane_server.ts [options]

  --port <n>          port to listen on (default 0: any free port)
  --hostname <addr>   address to listen on (default 127.0.0.1)
  --key <key>         accepted X-Gateway-Key; repeat or comma-separate (default: $GATEWAY_API_KEYS)
  --deploy-mode <m>   legacy | sse_only | dual (default: $DEPLOY_MODE or legacy)
  --help              show this text`;

const DEPLOY_MODES: readonly DeployMode[] = ["legacy", "sse_only", "dual"];

/** Parsed command line. */
export interface ServerSettings {
  /** Listen port. */
  readonly port: number;
  /** Listen address. */
  readonly hostname: string;
  /** Accepted keys. */
  readonly keys: readonly string[];
  /** `DEPLOY_MODE`. */
  readonly deployMode: DeployMode;
}

/** Reads the command line and environment; throws with a readable message on bad input. */
export function parseServerArgs(
  args: readonly string[],
  env: (name: string) => string | undefined,
): ServerSettings | "help" {
  const { values } = parseArgs({
    args: [...args],
    options: {
      port: { type: "string", default: "0" },
      hostname: { type: "string", default: "127.0.0.1" },
      key: { type: "string", multiple: true },
      "deploy-mode": { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help";
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be an integer between 0 and 65535, got ${values.port}`);
  }
  const deployMode = values["deploy-mode"] ?? env("DEPLOY_MODE") ?? "legacy";
  if (!DEPLOY_MODES.includes(deployMode as DeployMode)) {
    throw new Error(`--deploy-mode must be one of ${DEPLOY_MODES.join(", ")}, got ${deployMode}`);
  }
  const keys = (values.key ?? [env("GATEWAY_API_KEYS") ?? ""])
    .flatMap((key) => key.split(","))
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
  return { port, hostname: values.hostname, keys, deployMode: deployMode as DeployMode };
}

async function main(): Promise<number> {
  let settings: ServerSettings | "help";
  try {
    settings = parseServerArgs(Deno.args, (name) => Deno.env.get(name));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n\n${USAGE}`);
    return 2;
  }
  if (settings === "help") {
    console.log(USAGE);
    return 0;
  }
  const cp = new ControlPlaneDouble(settings);
  const url = await cp.start();
  console.log(`CP_DOUBLE_URL=${url}`);

  const { promise: stopped, resolve: stop } = Promise.withResolvers<void>();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, stop);
  await stopped;
  for (const signal of signals) Deno.removeSignalListener(signal, stop);
  await cp.stop();
  return 0;
}

if (import.meta.main) Deno.exit(await main());
