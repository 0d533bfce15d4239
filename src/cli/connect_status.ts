/**
 * `stoactl connect status`: what a running agent says about itself (`/status`, or `/health` for
 * agents without it), readable at a glance or as stable JSON.
 *
 * @module
 */

import { formatDuration } from "../config/duration.ts";
import { displayUrl } from "../http/url.ts";
import {
  AgentClient,
  agentUrl,
  answerExcerpt,
  notAnAgentAdvice,
  URL_OPTION,
} from "./agent_client.ts";
import { failure } from "./cli_error.ts";
import { loadCliEnvironment, requireReadable } from "./cli_environment.ts";
import { type Command, type CommandContext, stringOption } from "./command.ts";
import { EXIT_FAILURE, EXIT_OK, USAGE_EXIT } from "./exit_codes.ts";
import { formatAge, plural } from "./format.ts";
import { fromHealth, fromStatus, type LastSync, type StatusReport } from "./status_report.ts";
import type { Style } from "./style.ts";
import { renderFields } from "./table.ts";

/** Reads the report from the agent; throws a failure (exit 1) when it cannot. */
async function readReport(client: AgentClient): Promise<StatusReport> {
  const where = displayUrl(client.url);
  const status = await client.get("status");
  if (status.status === 200) {
    const report = fromStatus(where, status.body);
    if (report) return report;
  }
  if (status.status === 200 || status.status === 404) {
    // Older agents (and the Go agent) serve only /health.
    const health = await client.get("health");
    const report = health.status === 200 ? fromHealth(where, health.body) : undefined;
    if (report) return report;
    throw failure(
      `${where} does not answer like a stoa-connect agent (GET /status: ${status.status}, GET /health: ${health.status} ${
        answerExcerpt(health)
      })\n${notAnAgentAdvice(client)}`,
    );
  }
  throw failure(
    `the agent at ${where} answered GET /status with ${status.status}: ${
      answerExcerpt(status)
    }\nLook at the agent's log for the cause.`,
  );
}

/** Statuses of a kind that ran, and so have counts worth showing. */
const RAN = new Set(["ok", "held"]);

function syncLine(sync: LastSync | null, style: Style, now: number): string {
  if (!sync) return style.dim("no sync reported by this agent");
  const status = sync.status ?? "unknown";
  const shown = status === "ok"
    ? style.green(status)
    : status === "failed"
    ? style.red(status)
    : status === "off" || status === "not_run"
    ? style.dim(status === "off" ? "off" : "not run yet")
    : style.yellow(status);
  const counts = RAN.has(status)
    ? [
      sync.applied !== null ? `${sync.applied} applied` : undefined,
      sync.removed !== null ? `${sync.removed} removed` : undefined,
      sync.unchanged !== null ? `${sync.unchanged} unchanged` : undefined,
      sync.failed !== null
        ? (sync.failed > 0 ? style.red(`${sync.failed} failed`) : "0 failed")
        : undefined,
    ].filter(Boolean).join(", ")
    : undefined;
  const why = sync.error === null
    ? undefined
    : status === "failed" || RAN.has(status)
    ? `${style.red("error:")} ${sync.error}`
    : sync.error;
  return [shown, counts || undefined, sync.at ? formatAge(sync.at, now) : undefined, why]
    .filter(Boolean).join(" — ");
}

/** Renders the report as the at-a-glance table. */
export function renderStatus(report: StatusReport, style: Style, now: number = Date.now()): string {
  const verdict = report.status === "ok" ? style.green("ok") : style.yellow("degraded");
  const head = `stoa-connect ${report.version ?? "(unknown version)"} at ${
    style.cyan(report.agent_url)
  }: ${verdict}`;
  const reasons = report.reasons.map((reason) => `  ${style.yellow("!")} ${reason}`);

  const cp = report.control_plane;
  const registration = report.registered
    ? `registered${cp.registered_at ? ` ${formatAge(cp.registered_at, now)}` : ""}, gateway id ${
      style.cyan(report.gateway_id ?? "?")
    }${cp.gateway_name ? ` (${cp.gateway_name})` : ""}`
    : style.red("not registered");
  const cpLine = [
    cp.url ?? undefined,
    cp.last_heartbeat_at
      ? `last heartbeat ${formatAge(cp.last_heartbeat_at, now)}`
      : "no heartbeat yet",
    cp.last_error
      ? `${style.red("last error:")} ${cp.last_error}${
        cp.last_error_at ? ` (${formatAge(cp.last_error_at, now)})` : ""
      }`
      : "no error",
  ].filter(Boolean).join(" — ");

  const gw = report.gateway;
  const product = gw.type
    ? [gw.type, gw.version, gw.edition, gw.dbless ? "DB-less" : undefined].filter(Boolean).join(
      " ",
    )
    : `${gw.configured_type ?? "gateway"} (not identified yet)`;
  const reach = gw.reachable === null
    ? undefined
    : gw.reachable
    ? style.green("reachable")
    : `${style.red("unreachable")}${gw.last_error ? `: ${gw.last_error}` : ""}`;
  const gatewayLine = [product, gw.admin_url ? `at ${gw.admin_url}` : undefined]
    .filter(Boolean).join(" ") + (reach ? ` — ${reach}` : "");

  const d = report.discovery;
  const discovery = [
    `${plural(d.apis, "API")}${d.routes !== null ? ` (${plural(d.routes, "route")})` : ""}`,
    d.at ? formatAge(d.at, now) : undefined,
    d.reported === null
      ? undefined
      : d.reported
      ? "reported to the Control Plane"
      : style.yellow("not reported to the Control Plane yet"),
  ].filter(Boolean).join(", ");

  const agent = [
    report.instance_name ? `instance ${report.instance_name}` : undefined,
    report.environment ? `environment ${report.environment}` : undefined,
    report.uptime_seconds !== null
      ? `up ${formatDuration(report.uptime_seconds * 1000) || "0s"}`
      : undefined,
    report.ready === null ? undefined : report.ready ? "ready" : style.yellow("not ready"),
  ].filter(Boolean).join(", ");

  const fields: [string, string][] = [
    ["Registration", registration],
    ["Control Plane", cpLine],
    ["Gateway", gatewayLine],
    ["Discovery", discovery],
    ["Policy sync", syncLine(report.sync.policies, style, now)],
    ["Route sync", syncLine(report.sync.routes, style, now)],
  ];
  if (report.sync.credentials) {
    fields.push(["Credential sync", syncLine(report.sync.credentials, style, now)]);
  }
  if (agent) fields.push(["Agent", agent]);
  return [head, ...reasons, "", renderFields(fields, { labelStyle: style.bold })].join("\n");
}

/** `stoactl connect status`. */
export const STATUS_COMMAND: Command = {
  name: "status",
  summary: "show what a running agent says about itself",
  usage: ["stoactl connect status [--url URL] [--output table|json]"],
  description: [
    "Asks a running stoa-connect agent for GET /status (GET /health on agents without it) and",
    "shows: registered or not (gateway id), the Control Plane link (last heartbeat, last error),",
    "the gateway (type, version, reachable), discovered APIs, the last policy and route sync",
    "(applied / removed / failed) and why the agent is degraded. Nothing is changed.",
  ],
  options: [URL_OPTION],
  examples: [
    { comment: "the agent on this machine", command: "stoactl connect status" },
    {
      comment: "another agent, as JSON, for a script",
      command: "stoactl connect status --url http://10.0.0.7:8090 --output json | jq .status",
    },
  ],
  exitCodes: [
    { code: EXIT_OK, meaning: "the agent answered (its status may be ok or degraded)" },
    { code: EXIT_FAILURE, meaning: "the agent cannot be reached or does not answer like one" },
    USAGE_EXIT,
  ],
  async run({ terminal, values, output }: CommandContext): Promise<number> {
    const environment = loadCliEnvironment({
      env: terminal.io.env,
      envFile: stringOption(values, "env-file"),
    });
    requireReadable(environment, ["STOA_CONNECT_PORT"]);
    const client = new AgentClient({ url: agentUrl(values, environment), env: terminal.io.env });
    const report = await readReport(client);
    if (output === "json") terminal.printJson(report);
    else terminal.print(renderStatus(report, terminal.style));
    return EXIT_OK;
  },
};
