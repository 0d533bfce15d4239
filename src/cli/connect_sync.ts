/**
 * `stoactl connect sync`: asks a running agent to sync now (`POST /sync`) and prints each item's
 * result; with `--dry-run` (and as `stoactl connect plan`) asks for the plan instead
 * (`POST /sync?dry_run=true`): what would be created, updated or deleted, field by field.
 *
 * @module
 */

import { parseDuration } from "../config/duration.ts";
import { displayUrl } from "../http/url.ts";
import { registerSecret } from "../observability/redact.ts";
import {
  type AgentAnswer,
  AgentClient,
  agentUrl,
  answerExcerpt,
  notAnAgentAdvice,
  URL_OPTION,
} from "./agent_client.ts";
import { failure, usageError } from "./cli_error.ts";
import { loadCliEnvironment, requireReadable } from "./cli_environment.ts";
import { type Command, type CommandContext, type OptionSpec, stringOption } from "./command.ts";
import {
  EXIT_CHANGES_PENDING,
  EXIT_FAILURE,
  EXIT_OK,
  type ExitCodeDoc,
  USAGE_EXIT,
} from "./exit_codes.ts";
import { parseSyncResult, syncExitCode, type SyncResult } from "./sync_result.ts";
import { renderSync } from "./sync_view.ts";

/** How long a sync may take by default: large gateways need minutes, not seconds. */
const DEFAULT_TIMEOUT = "5m";

/** Options shared by `sync` and `plan`. */
export const SYNC_OPTIONS: readonly OptionSpec[] = [
  URL_OPTION,
  {
    name: "token",
    type: "string",
    value: "T",
    description: "the agent's STOA_CONNECT_TOKEN, needed from another machine",
  },
  {
    name: "timeout",
    type: "string",
    value: "DURATION",
    description: `how long to wait for the agent, e.g. 30s, 10m (default ${DEFAULT_TIMEOUT})`,
  },
];

/** Exit codes of a dry run (`plan`, `sync --dry-run`). */
export const PLAN_EXIT_CODES: readonly ExitCodeDoc[] = [
  { code: EXIT_OK, meaning: "no changes: the gateway matches the Control Plane" },
  {
    code: EXIT_FAILURE,
    meaning: "the plan failed or has items that cannot be applied; unreachable or refusing agent",
  },
  USAGE_EXIT,
  { code: EXIT_CHANGES_PENDING, meaning: "changes pending" },
];

function refused(client: AgentClient): Error {
  return client.hasToken
    ? failure(
      "the agent refused the token (403): it is not the agent's STOA_CONNECT_TOKEN\nPass the agent's token with --token (or STOA_CONNECT_TOKEN / STOA_CONNECT_TOKEN_FILE), or run stoactl on the agent's machine.",
    )
    : failure(
      "the agent refused the sync (403): it accepts callers on its own machine, or callers sending its STOA_CONNECT_TOKEN\nRun stoactl on the agent's machine, or pass the token with --token (or STOA_CONNECT_TOKEN / STOA_CONNECT_TOKEN_FILE).",
    );
}

async function readResult(client: AgentClient, answer: AgentAnswer): Promise<SyncResult> {
  const where = displayUrl(client.url);
  if (answer.status === 403) throw refused(client);
  if (answer.status === 404) {
    const version = await client.version();
    if (version === undefined) {
      throw failure(
        `${where} does not answer like a stoa-connect agent (POST /sync: 404, no /health)\n${
          notAnAgentAdvice(client)
        }`,
      );
    }
    throw failure(
      `this agent does not support sync (version ${version}); upgrade stoa-connect\nThe agent at ${where} has no POST /sync.`,
    );
  }
  if ([200, 207, 502].includes(answer.status)) {
    const parsed = parseSyncResult(answer.body);
    if (parsed.ok) return parsed.result;
    if (answer.status === 502) {
      throw failure(`the agent could not sync (502): ${answerExcerpt(answer)}`);
    }
    throw failure(
      `the agent's answer to POST /sync is not one stoactl understands (${parsed.reason})\nUse a stoactl of the same version as the agent.`,
    );
  }
  throw failure(
    `the agent answered POST /sync with ${answer.status}: ${
      answerExcerpt(answer)
    }\nLook at the agent's log for the cause.`,
  );
}

/** Runs a sync or a dry run on the agent and prints it; returns the exit code. */
export async function runSync(
  context: CommandContext,
  options: { readonly dryRun: boolean },
): Promise<number> {
  const { terminal, values, output } = context;
  const environment = loadCliEnvironment({
    env: terminal.io.env,
    envFile: stringOption(values, "env-file"),
  });
  const tokenFlag = stringOption(values, "token");
  requireReadable(environment, [
    "STOA_CONNECT_PORT",
    ...(tokenFlag === undefined ? ["STOA_CONNECT_TOKEN"] : []),
  ]);
  const timeoutText = stringOption(values, "timeout") ?? DEFAULT_TIMEOUT;
  const timeoutMs = parseDuration(timeoutText);
  if (timeoutMs === undefined || timeoutMs <= 0) {
    throw usageError(`--timeout "${timeoutText}" is not a duration; use e.g. 30s, 5m`);
  }
  const token = tokenFlag ?? (environment.values.STOA_CONNECT_TOKEN?.trim() || undefined);
  registerSecret(token);
  const client = new AgentClient({
    url: agentUrl(values, environment),
    token,
    env: terminal.io.env,
  });

  const where = displayUrl(client.url);
  const progress = terminal.progress(
    options.dryRun ? `planning on the agent at ${where}` : `syncing on the agent at ${where}`,
  );
  let answer: AgentAnswer;
  try {
    answer = await client.post("sync", {
      query: options.dryRun ? { dry_run: "true" } : undefined,
      timeoutMs,
    });
  } finally {
    progress.stop();
  }
  const result = await readResult(client, answer);
  if (output === "json") terminal.printJson(result);
  else terminal.print(renderSync(result, where, terminal.style));
  return syncExitCode(result, answer.status);
}

/** `stoactl connect sync`. */
export const SYNC_COMMAND: Command = {
  name: "sync",
  summary: "run a sync on the agent now and show each item's result",
  usage: ["stoactl connect sync [--url URL] [--dry-run] [--token T] [--timeout DURATION]"],
  description: [
    "Asks a running agent to make the gateway match the Control Plane now (POST /sync): policies,",
    "deployed routes and credentials, and prints each item's result (applied, removed, unchanged,",
    "failed, held). With --dry-run nothing changes: it prints the plan (create / update / delete /",
    "unchanged, with the fields that change), exactly like 'stoactl connect plan'. Callers on",
    "another machine need the agent's STOA_CONNECT_TOKEN (--token, or the variable or its _FILE).",
  ],
  options: [
    ...SYNC_OPTIONS,
    { name: "dry-run", type: "boolean", description: "show the plan, change nothing" },
  ],
  examples: [
    { comment: "sync the agent on this machine now", command: "stoactl connect sync" },
    {
      comment: "see what a sync would change, without changing it",
      command: "stoactl connect sync --dry-run",
    },
    {
      comment: "a remote agent, results as JSON",
      command:
        "STOA_CONNECT_TOKEN_FILE=/run/connect.token stoactl connect sync --url http://10.0.0.7:8090 -o json",
    },
  ],
  exitCodes: [
    { code: EXIT_OK, meaning: "every item succeeded (with --dry-run: no changes pending)" },
    {
      code: EXIT_FAILURE,
      meaning: "items or a section failed; unreachable or refusing agent; agent without sync",
    },
    USAGE_EXIT,
    { code: EXIT_CHANGES_PENDING, meaning: "with --dry-run: changes pending" },
  ],
  run(context: CommandContext): Promise<number> {
    return runSync(context, { dryRun: context.values["dry-run"] === true });
  },
};
