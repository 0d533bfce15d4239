/**
 * Runs the Gravitee Management API emulator as a process, for the demo, the benchmark and manual
 * checks:
 *
 * ```sh
 * deno run --allow-net tests/fakes/gravitee_emulator_server.ts --port 0 \
 *   [--apis N] [--realistic] [--user admin --password admin] [--token T] [--no-auth]
 * ```
 *
 * Prints exactly one line, `GRAVITEE_EMULATOR_URL=http://127.0.0.1:<port>`, once listening, and
 * stops on SIGTERM or SIGINT.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { parseCommandLineOrExit, parseIntegerFlag, serveUntilSignalled } from "./emulator_cli.ts";
import { GraviteeEmulator } from "./gravitee_emulator.ts";

const USAGE = "usage: gravitee_emulator_server.ts [--port N] [--apis N] [--realistic] " +
  "[--user U --password P] [--token T] [--no-auth]";

/** Parsed command line of the emulator server. */
export interface ServerArgs {
  /** Port to listen on (0 = any free port). */
  readonly port: number;
  /** v4 APIs to seed (0 = none). */
  readonly apis: number;
  /** Seed the small realistic environment. */
  readonly realistic: boolean;
  /** Accepted basic-auth users (none with `--no-auth`). */
  readonly users: readonly { readonly user: string; readonly password: string }[];
  /** Accepted bearer token. */
  readonly token?: string;
}

/** Parses and checks the command line; throws an error naming the bad option. */
export function parseServerArgs(args: readonly string[]): ServerArgs {
  const { values } = parseArgs({
    args: [...args],
    options: {
      "port": { type: "string", default: "0" },
      "apis": { type: "string", default: "0" },
      "realistic": { type: "boolean", default: false },
      "user": { type: "string", default: "admin" },
      "password": { type: "string", default: "admin" },
      "token": { type: "string" },
      "no-auth": { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values["no-auth"] && values.token !== undefined) {
    throw new Error("--no-auth and --token exclude each other");
  }
  return {
    port: parseIntegerFlag({ name: "port", value: values.port, max: 65535 }),
    apis: parseIntegerFlag({ name: "apis", value: values.apis, max: 1_000_000 }),
    realistic: values.realistic,
    users: values["no-auth"] ? [] : [{ user: values.user, password: values.password }],
    token: values.token,
  };
}

async function main(): Promise<void> {
  const args = parseCommandLineOrExit({ args: Deno.args, parse: parseServerArgs, usage: USAGE });
  const gravitee = new GraviteeEmulator({ users: args.users, token: args.token });
  if (args.realistic) gravitee.realisticSeed();
  if (args.apis > 0) gravitee.seed({ apis: args.apis });
  await serveUntilSignalled({
    emulator: gravitee,
    port: args.port,
    urlVariable: "GRAVITEE_EMULATOR_URL",
  });
}

if (import.meta.main) await main();
