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
import { parseCommandLineOrExit, parseIntegerFlag, serveUntilSignalled } from "./emulator_cli.ts";
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
  if (values.version !== "10.15" && values.version !== "11.0") {
    throw new Error(`--version must be 10.15 or 11.0, got '${values.version}'`);
  }
  return {
    port: parseIntegerFlag({ name: "port", value: values.port, max: 65535 }),
    apis: parseIntegerFlag({ name: "apis", value: values.apis, max: 100_000 }),
    realistic: values.realistic,
    version: values.version,
    user: values.user,
    password: values.password,
  };
}

async function main(): Promise<void> {
  const args = parseCommandLineOrExit({ args: Deno.args, parse: parseServerArgs, usage: USAGE });
  const gateway = new WebMethodsEmulator({
    version: args.version,
    user: args.user,
    password: args.password,
  });
  if (args.realistic) gateway.realisticSeed();
  if (args.apis > 0) gateway.seed({ apis: args.apis });
  await serveUntilSignalled({
    emulator: gateway,
    port: args.port,
    urlVariable: "WEBMETHODS_EMULATOR_URL",
  });
}

if (import.meta.main) await main();
