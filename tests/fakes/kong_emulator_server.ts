/**
 * Runs the Kong Admin API emulator as a process, for the demo and for manual checks:
 *
 * ```sh
 * deno run --allow-net tests/fakes/kong_emulator_server.ts --port 0 \
 *   [--services N --routes-per-service 2 --plugins-per-service 2] [--realistic] [--dbless] \
 *   [--edition community|enterprise] [--kong-version 3.9.1] [--admin-token TOKEN]
 * ```
 *
 * Prints exactly one line, `KONG_EMULATOR_URL=http://127.0.0.1:<port>`, once listening, and stops
 * on SIGTERM or SIGINT.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { parseCommandLineOrExit, parseIntegerFlag, serveUntilSignalled } from "./emulator_cli.ts";
import { KongEmulator } from "./kong_emulator.ts";

const USAGE = "usage: kong_emulator_server.ts [--port N] [--services N] [--routes-per-service N] " +
  "[--plugins-per-service N] [--realistic] [--dbless] [--edition community|enterprise] " +
  "[--kong-version V] [--admin-token T]";

/** Parsed command line of the emulator server. */
export interface ServerArgs {
  /** Port to listen on (0 = any free port). */
  readonly port: number;
  /** Services to seed (0 = none). */
  readonly services: number;
  /** Routes per seeded service. */
  readonly routesPerService: number;
  /** Plugins per seeded service. */
  readonly pluginsPerService: number;
  /** Seed the small realistic gateway. */
  readonly realistic: boolean;
  /** Run in DB-less mode. */
  readonly dbless: boolean;
  /** Edition reported by `GET /`. */
  readonly edition: "community" | "enterprise";
  /** Version reported by `GET /`, when not the default. */
  readonly version?: string;
  /** Required `Kong-Admin-Token`, when set. */
  readonly adminToken?: string;
}

/** Parses and checks the command line; throws an error naming the bad option. */
export function parseServerArgs(args: readonly string[]): ServerArgs {
  const { values } = parseArgs({
    args: [...args],
    options: {
      "port": { type: "string", default: "0" },
      "services": { type: "string", default: "0" },
      "routes-per-service": { type: "string", default: "2" },
      "plugins-per-service": { type: "string", default: "2" },
      "realistic": { type: "boolean", default: false },
      "dbless": { type: "boolean", default: false },
      "edition": { type: "string", default: "community" },
      "kong-version": { type: "string" },
      "admin-token": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.edition !== "community" && values.edition !== "enterprise") {
    throw new Error(`--edition must be community or enterprise, got '${values.edition}'`);
  }
  return {
    port: parseIntegerFlag({ name: "port", value: values.port, max: 65535 }),
    services: parseIntegerFlag({ name: "services", value: values.services, max: 1_000_000 }),
    routesPerService: parseIntegerFlag({
      name: "routes-per-service",
      value: values["routes-per-service"],
      max: 100,
    }),
    pluginsPerService: parseIntegerFlag({
      name: "plugins-per-service",
      value: values["plugins-per-service"],
      max: 8,
    }),
    realistic: values.realistic,
    dbless: values.dbless,
    edition: values.edition,
    version: values["kong-version"],
    adminToken: values["admin-token"],
  };
}

async function main(): Promise<void> {
  const args = parseCommandLineOrExit({ args: Deno.args, parse: parseServerArgs, usage: USAGE });
  const kong = new KongEmulator({
    edition: args.edition,
    version: args.version,
    dbless: args.dbless,
    adminToken: args.adminToken,
  });
  if (args.realistic) kong.realisticSeed();
  if (args.services > 0) {
    kong.seed({
      services: args.services,
      routesPerService: args.routesPerService,
      pluginsPerService: args.pluginsPerService,
    });
  }
  await serveUntilSignalled({ emulator: kong, port: args.port, urlVariable: "KONG_EMULATOR_URL" });
}

if (import.meta.main) await main();
