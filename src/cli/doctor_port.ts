/**
 * Doctor check of the agent's local port (`STOA_CONNECT_HOST:STOA_CONNECT_PORT`): free, or
 * already served by a stoa-connect agent. Anything else there would stop the agent at start.
 *
 * @module
 */

import type { Config } from "../config/config.ts";
import { check, type CheckResult, DOCTOR_CHECKS } from "./doctor_check.ts";
import { isHealthBody } from "./status_report.ts";

const PORT = DOCTOR_CHECKS.port;
const PROBE_TIMEOUT_MS = 3_000;

/** The address to call for a bind address: wildcards are reached on loopback. */
function probeHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::" || host === "[::]") return "[::1]";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

type Probe =
  | { readonly kind: "agent"; readonly version: string; readonly status: string }
  | { readonly kind: "other"; readonly status: number }
  | { readonly kind: "nothing" };

async function whoServes(host: string, port: number): Promise<Probe> {
  let response: Response;
  try {
    response = await fetch(`http://${probeHost(host)}:${port}/health`, {
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
  } catch {
    return { kind: "nothing" };
  }
  const text = await response.text().catch(() => "");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.status === 200 && isHealthBody(body)) {
    const health = body as { version?: unknown; status?: unknown };
    return {
      kind: "agent",
      version: typeof health.version === "string" ? health.version : "unknown",
      status: typeof health.status === "string" ? health.status : "unknown",
    };
  }
  return { kind: "other", status: response.status };
}

function tryBind(host: string, port: number): string | undefined {
  try {
    const listener = Deno.listen({ hostname: host.replace(/^\[|\]$/g, ""), port });
    listener.close();
    return undefined;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) return "in use by another program";
    if (error instanceof Deno.errors.PermissionDenied) {
      return "binding it needs privileges (ports below 1024)";
    }
    if (error instanceof Deno.errors.AddrNotAvailable) {
      return `${host} is not an address of this machine`;
    }
    return error instanceof Error ? error.message : String(error);
  }
}

/** Whether the agent can serve on its port, or an agent already does. */
export async function checkPort(
  config: Pick<Config, "connectHost" | "connectPort">,
): Promise<CheckResult> {
  const { connectHost: host, connectPort: port } = config;
  const address = `${host}:${port}`;
  const served = await whoServes(host, port);
  if (served.kind === "agent") {
    return check(
      PORT,
      "pass",
      `${address} is served by stoa-connect ${served.version} (status ${served.status}); see 'stoactl connect status'`,
    );
  }
  if (served.kind === "other") {
    return check(
      PORT,
      "fail",
      `${address} is used by another program (GET /health answered ${served.status}, not like stoa-connect)`,
      "stop that program, or set STOA_CONNECT_PORT to a free port",
    );
  }
  const problem = tryBind(host, port);
  if (problem === undefined) return check(PORT, "pass", `${address} is free`);
  return check(
    PORT,
    "fail",
    `${address}: ${problem}`,
    problem.includes("not an address")
      ? "set STOA_CONNECT_HOST to an address of this machine, or 0.0.0.0"
      : "set STOA_CONNECT_PORT to a free port above 1023",
  );
}
