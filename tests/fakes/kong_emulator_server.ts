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
  const integer = (name: string, value: string, max: number): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed > max) {
      throw new Error(`--${name} must be an integer between 0 and ${max}, got '${value}'`);
    }
    return parsed;
  };
  if (values.edition !== "community" && values.edition !== "enterprise") {
    throw new Error(`--edition must be community or enterprise, got '${values.edition}'`);
  }
  return {
    port: integer("port", values.port, 65535),
    services: integer("services", values.services, 1_000_000),
    routesPerService: integer("routes-per-service", values["routes-per-service"], 100),
    pluginsPerService: integer("plugins-per-service", values["plugins-per-service"], 8),
    realistic: values.realistic,
    dbless: values.dbless,
    edition: values.edition,
    version: values["kong-version"],
    adminToken: values["admin-token"],
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
  const url = await kong.start({ port: args.port });
  const { promise: stopped, resolve: stop } = Promise.withResolvers<void>();
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  console.log(`KONG_EMULATOR_URL=${url}`);
  await stopped;
  Deno.removeSignalListener("SIGTERM", stop);
  Deno.removeSignalListener("SIGINT", stop);
  await kong.stop();
}

if (import.meta.main) await main();
