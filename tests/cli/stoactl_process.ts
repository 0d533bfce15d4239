/**
 * Runs `stoactl` as a process, exactly as it is compiled: `deno run` with the compiled permission
 * set (scripts/distribution.ts), a clean environment and an empty working directory, so nothing
 * from this machine (proxies, a stray `.env`) leaks in. Also runs it on a pseudo-terminal (`script`)
 * to see colours and progress.
 *
 * @module
 */

import assert from "node:assert/strict";
import { STOACTL_PERMISSIONS } from "../../scripts/distribution.ts";
import { describe, ROOT, run, type RunResult, which } from "../distribution/helpers.ts";

export type { RunResult } from "../distribution/helpers.ts";
export { describe } from "../distribution/helpers.ts";

const DENO = Deno.execPath();

/** Options of {@linkcode stoactl}. */
export interface StoactlOptions {
  /** Variables added to the minimal environment (PATH, HOME, DENO_DIR). */
  readonly env?: Record<string, string>;
  /** Working directory (default: an empty temporary directory). */
  readonly cwd?: string;
}

let emptyDir: string | undefined;

/** An empty directory shared by the runs that do not choose one. */
function emptyCwd(): string {
  if (emptyDir === undefined) {
    const dir = Deno.makeTempDirSync({ prefix: "stoactl-cwd-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    emptyDir = dir;
  }
  return emptyDir;
}

/** The environment every run starts from. */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/tmp",
  };
  const denoDir = Deno.env.get("DENO_DIR");
  if (denoDir) env.DENO_DIR = denoDir;
  return { ...env, ...extra };
}

/** `deno run` of a program of this repository exactly as compiled: its permissions, no prompt. */
export function denoRunArgs(
  permissions: readonly string[],
  entry: string,
  args: readonly string[] = [],
): string[] {
  return [
    "run",
    "--no-prompt",
    "--config",
    `${ROOT}/deno.json`,
    ...permissions,
    `${ROOT}/${entry}`,
    ...args,
  ];
}

/** The `deno run` arguments that start stoactl with its compiled permissions. */
export function stoactlCommand(args: readonly string[]): string[] {
  return denoRunArgs(STOACTL_PERMISSIONS, "src/stoactl.ts", args);
}

/** Runs `stoactl <args>` to completion. */
export function stoactl(args: readonly string[], options: StoactlOptions = {}): Promise<RunResult> {
  return run(DENO, {
    args: stoactlCommand(args),
    cwd: options.cwd ?? emptyCwd(),
    env: baseEnv(options.env),
    clearEnv: true,
  });
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

/**
 * Runs `stoactl <args>` on a pseudo-terminal (util-linux `script`), so that standard output and
 * error are terminals. Returns `undefined` when `script` is not installed. Both streams arrive
 * merged in `stdout`, with CRLF line ends.
 */
export async function stoactlOnTerminal(
  args: readonly string[],
  options: StoactlOptions = {},
): Promise<RunResult | undefined> {
  const script = await which("script");
  if (!script) return undefined;
  const command = [DENO, ...stoactlCommand(args)].map(shellQuote).join(" ");
  return run(script, {
    args: ["-q", "-e", "-c", command, "/dev/null"],
    cwd: options.cwd ?? emptyCwd(),
    env: baseEnv({ TERM: "xterm", ...options.env }),
    clearEnv: true,
  });
}

/** A port nobody listens on (bound then released). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** Parses a run's standard output as JSON, with the run in the error when it is not. */
export function jsonOf<T = unknown>(result: RunResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`standard output is not JSON\n${describe(result)}`);
  }
}

/** An error is one or two lines and never a stack trace. */
export function assertShortError(stderr: string, context: string): void {
  const lines = stderr.trimEnd().split("\n");
  assert.ok(lines.length >= 1 && lines.length <= 2, `one or two lines expected\n${context}`);
  assert.match(lines[0], /^stoactl: /, context);
  assert.doesNotMatch(stderr, /^\s+at .+:\d+:\d+/m, `no stack trace\n${context}`);
}

/** A `<NAME>_FILE` that cannot be read stops the command with exit 2, naming the variable. */
export async function assertUnreadableSecretFile(
  args: readonly string[],
  variable: string,
): Promise<void> {
  const missing = `/nonexistent/${variable.toLowerCase()}`;
  const result = await stoactl(args, { env: { [variable]: missing } });
  assert.equal(result.code, 2, describe(result));
  assert.ok(
    result.stderr.includes(`${variable}: cannot read ${missing}: file not found`),
    describe(result),
  );
  assertShortError(result.stderr, describe(result));
}
