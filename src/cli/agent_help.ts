/**
 * The text of `stoa-connect --help`, generated from the variable catalogue so it cannot drift.
 *
 * @module
 */

import { VARIABLES } from "../config/variables.ts";
import { VERSION } from "../version.ts";

/** The full help text of the agent binary. */
export function agentHelp(): string {
  const width = Math.max(...VARIABLES.map((v) => v.name.length));
  const rows = VARIABLES.map((v) => {
    const flags = [v.required ? "required" : `default: ${v.default || "(none)"}`];
    if (v.secret) flags.push(`secret, also ${v.name}_FILE`);
    return `  ${v.name.padEnd(width)}  ${v.description} [${flags.join("; ")}]`;
  });
  return [
    `stoa-connect ${VERSION} — connects an API gateway (Kong, Gravitee, webMethods) to the STOA Control Plane`,
    "",
    "Usage:",
    "  stoa-connect [--env-file PATH]      run the agent",
    "  stoa-connect healthcheck [--url URL] [--ready]",
    "                                      exit 0 when the local agent answers /livez (/readyz with --ready)",
    "  stoa-connect --version              print the version",
    "  stoa-connect --help                 print this help",
    "",
    "Configuration comes from the environment. A .env file in the working directory is read when",
    "present (the real environment wins); --env-file PATH reads another file instead.",
    "",
    "Environment variables:",
    ...rows,
    "",
    "Exit codes: 0 stopped cleanly; 1 could not start (e.g. port in use); 2 invalid configuration or usage.",
    "Local endpoints: GET /health /livez /readyz /status /metrics, POST /discover /sync",
    "(?dry_run=true: the plan only) and POST /webhook/events (webMethods transactional events).",
  ].join("\n");
}
