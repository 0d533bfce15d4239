/**
 * `stoactl connect doctor`: reads the agent's configuration exactly as the agent does and checks,
 * each as pass / warn / fail with the fix, everything the agent needs: valid configuration, the
 * Control Plane (reachable, TLS, key), the gateway (reachable, credentials, type, discovery),
 * proxy and CA variables, and the local port. It turns the guide's troubleshooting table into
 * checks, and changes nothing.
 *
 * @module
 */

import type { Config } from "../config/config.ts";
import { ConfigError } from "../config/config_error.ts";
import { displayUrl } from "../http/url.ts";
import { loadCliEnvironment, parseAgentConfig } from "./cli_environment.ts";
import { type Command, type CommandContext, stringOption } from "./command.ts";
import {
  check,
  type CheckResult,
  type CheckStatus,
  DOCTOR_CHECKS,
  skipped,
} from "./doctor_check.ts";
import { checkControlPlane } from "./doctor_control_plane.ts";
import { checkGateway } from "./doctor_gateway.ts";
import { checkCa, checkProxy } from "./doctor_network.ts";
import { checkPort } from "./doctor_port.ts";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./exit_codes.ts";
import { plural } from "./format.ts";
import type { Style } from "./style.ts";

/** The JSON of `stoactl connect doctor --output json` (documented in the README). */
export interface DoctorReport {
  /** Worst verdict: `fail` if any check failed, else `warn` if any warned, else `pass`. */
  readonly status: "pass" | "warn" | "fail";
  /** The env file read (`./.env` or `--env-file`), `null` when none. */
  readonly env_file: string | null;
  /** Every check, in order. */
  readonly checks: readonly CheckResult[];
  /** How many checks got each verdict. */
  readonly summary: Readonly<Record<CheckStatus, number>>;
}

function configSummary(config: Config): string {
  return `valid: Control Plane ${
    displayUrl(config.controlPlaneUrl)
  }, gateway ${config.gatewayType} at ${
    displayUrl(config.gatewayAdminUrl)
  }, instance ${config.instanceName}, port ${config.connectPort}`;
}

function summarise(checks: readonly CheckResult[]): DoctorReport["summary"] {
  const summary = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of checks) summary[c.status]++;
  return summary;
}

const LABEL: Readonly<Record<CheckStatus, string>> = {
  pass: "PASS",
  warn: "WARN",
  fail: "FAIL",
  skip: "SKIP",
};

function label(status: CheckStatus, style: Style): string {
  const text = LABEL[status];
  return status === "pass"
    ? style.green(text)
    : status === "warn"
    ? style.yellow(text)
    : status === "fail"
    ? style.red(text)
    : style.dim(text);
}

/** Renders the report: one row per check, details and fixes indented under it. */
export function renderDoctor(report: DoctorReport, style: Style): string {
  const width = Math.max(...report.checks.map((c) => c.title.length));
  const indent = " ".repeat(6 + width + 2);
  const lines = [
    `stoa-connect doctor: configuration from the environment${
      report.env_file ? ` and ${report.env_file}` : ""
    }`,
    "",
  ];
  for (const c of report.checks) {
    const [first, ...rest] = c.detail.split("\n");
    lines.push(`${label(c.status, style)}  ${c.title.padEnd(width)}  ${first}`.trimEnd());
    for (const line of rest) lines.push(`${indent}${line}`.trimEnd());
    if (c.fix) lines.push(`${indent}${style.bold("fix:")} ${c.fix}`);
  }
  const s = report.summary;
  const verdict = [
    s.fail > 0 ? style.red(`${s.fail} failed`) : undefined,
    s.warn > 0 ? style.yellow(plural(s.warn, "warning")) : undefined,
    style.green(`${s.pass} passed`),
    s.skip > 0 ? `${s.skip} skipped` : undefined,
  ].filter(Boolean).join(", ");
  lines.push("", `Result: ${verdict}.`);
  return lines.join("\n");
}

async function runChecks(context: CommandContext): Promise<{ report: DoctorReport; code: number }> {
  const { terminal, values } = context;
  const env = terminal.io.env;
  const environment = loadCliEnvironment({ env, envFile: stringOption(values, "env-file") });
  const envFile = environment.envFile ?? null;
  let config: Config;
  try {
    config = parseAgentConfig(environment, terminal.io.stdoutIsTerminal);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const checks = [
      check(
        DOCTOR_CHECKS.config,
        "fail",
        error.message,
        "fix the variables named above (stoa-connect --help and .env.example list them all)",
      ),
      ...Object.values(DOCTOR_CHECKS).slice(1).map((spec) =>
        skipped(spec, "needs a valid configuration")
      ),
    ];
    const report = {
      status: "fail" as const,
      env_file: envFile,
      checks,
      summary: summarise(checks),
    };
    return { report, code: EXIT_USAGE };
  }

  const progress = terminal.progress("checking the Control Plane and the gateway");
  let remote: CheckResult[];
  let port: CheckResult;
  try {
    const [cp, gateway, local] = await Promise.all([
      checkControlPlane(config, env),
      checkGateway(config),
      checkPort(config),
    ]);
    remote = [...cp, ...gateway];
    port = local;
  } finally {
    progress.stop();
  }
  const network = {
    env,
    configured: environment.values,
    envFile: environment.envFile,
    controlPlaneUrl: config.controlPlaneUrl,
    gatewayAdminUrl: config.gatewayAdminUrl,
  };
  const checks = [
    check(DOCTOR_CHECKS.config, "pass", configSummary(config)),
    ...remote,
    checkProxy(network),
    checkCa(network),
    port,
  ];
  const summary = summarise(checks);
  const status = summary.fail > 0 ? "fail" : summary.warn > 0 ? "warn" : "pass";
  return {
    report: { status, env_file: envFile, checks, summary },
    code: summary.fail > 0 ? EXIT_FAILURE : EXIT_OK,
  };
}

/** `stoactl connect doctor`. */
export const DOCTOR_COMMAND: Command = {
  name: "doctor",
  summary: "check the agent's configuration, Control Plane, gateway, network and port",
  usage: ["stoactl connect doctor [--env-file PATH] [--output table|json]"],
  description: [
    "Reads the same configuration as the agent (environment, ./.env or --env-file, *_FILE",
    "secrets) and checks, each as pass / warn / fail with the fix: the configuration is valid;",
    "the Control Plane is reachable, its TLS certificate valid and the gateway key accepted (a",
    "read-only call); the gateway admin API is reachable, accepts the credentials, its type and",
    "version, and what discovery finds; the proxy and CA variables in effect; the local port is",
    "free or already served by an agent. Run it where the agent runs, as the agent's user.",
  ],
  options: [],
  examples: [
    {
      comment: "before starting the agent, or when it is degraded",
      command: "stoactl connect doctor",
    },
    {
      comment: "the configuration of the systemd service",
      command: "sudo stoactl connect doctor --env-file /etc/stoa-connect/env",
    },
  ],
  exitCodes: [
    { code: EXIT_OK, meaning: "every check passed (warnings allowed)" },
    { code: EXIT_FAILURE, meaning: "at least one check failed" },
    {
      code: EXIT_USAGE,
      meaning: "usage error, or invalid configuration (the agent would not start)",
    },
  ],
  async run(context: CommandContext): Promise<number> {
    const { report, code } = await runChecks(context);
    if (context.output === "json") context.terminal.printJson(report);
    else context.terminal.print(renderDoctor(report, context.terminal.style));
    return code;
  },
};
