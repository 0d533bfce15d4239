/**
 * Runs the webMethods API Gateway emulator as a process, for the demo, benchmarks and manual checks:
 *
 * ```sh
 * deno run --allow-net tests/fakes/webmethods_emulator_server.ts --port 0 \
 *   [--apis N] [--realistic] [--version 10.15|11.0] [--user U --password P]
 * ```
 *
 * Prints exactly one line, `WEBMETHODS_EMULATOR_URL=http://127.0.0.1:<port>`, once listening, and
 * stops on SIGTERM or SIGINT. The REST API is below `/rest/apigateway`; the default credentials are
 * `Administrator` / `manage`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { WebMethodsEmulator, type WebMethodsVersion } from "./webmethods_emulator.ts";

const USAGE = "usage: webmethods_emulator_server.ts [--port N] [--apis N] [--realistic] " +
  "[--version 10.15|11.0] [--user U] [--password P]";

/** Parsed command line of the emulator server. */
export interface ServerArgs {
  /** Port to listen on (0 = any free port). */
  readonly port: number;
  /** Generated APIs to seed (0 = none). */
  readonly apis: number;
  /** Seed the small realistic gateway. */
  readonly realistic: boolean;
  /** Product line. */
  readonly version: WebMethodsVersion;
  /** Administrator user. */
  readonly user: string;
  /** Its password. */
  readonly password: string;
}

/** Parses and checks the command line; throws an error naming the bad option. */
export function parseServerArgs(args: readonly string[]): ServerArgs {
  const { values } = parseArgs({
    args: [...args],
    options: {
      port: { type: "string", default: "0" },
      apis: { type: "string", default: "0" },
      realistic: { type: "boolean", default: false },
      version: { type: "string", default: "10.15" },
      user: { type: "string", default: "Administrator" },
      password: { type: "string", default: "manage" },
    },
    strict: true,
    allowPositionals: false,
  });
  const integer = (name: string, value: string, max: number): number => {
    if (!/^\d+$/.test(value) || Number(value) > max) {
      throw new Error(`--${name} must be an integer between 0 and ${max}, got '${value}'`);
    }
    return Number(value);
  };
  if (values.version !== "10.15" && values.version !== "11.0") {
    throw new Error(`--version must be 10.15 or 11.0, got '${values.version}'`);
  }
  return {
    port: integer("port", values.port, 65535),
    apis: integer("apis", values.apis, 100_000),
    realistic: values.realistic,
    version: values.version,
    user: values.user,
    password: values.password,
  };
}

async function main(): Promise<void> {
  let args: ServerArgs;
  try {
    args = parseServerArgs(Deno.args);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n${USAGE}`);
    Deno.exit(2);
  }
  const gateway = new WebMethodsEmulator({
    version: args.version,
    user: args.user,
    password: args.password,
  });
  if (args.realistic) gateway.realisticSeed();
  if (args.apis > 0) gateway.seed({ apis: args.apis });
  const url = await gateway.start({ port: args.port });
  console.log(`WEBMETHODS_EMULATOR_URL=${url}`);
  await untilStopped(["SIGTERM", "SIGINT"]);
  await gateway.stop();
}

/** Resolves on the first of `signals`, then stops listening for them. */
function untilStopped(signals: readonly Deno.Signal[]): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      for (const signal of signals) Deno.removeSignalListener(signal, stop);
      resolve();
    };
    for (const signal of signals) Deno.addSignalListener(signal, stop);
  });
}

if (import.meta.main) await main();
