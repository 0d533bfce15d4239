/**
 * Helpers shared by the distribution tests: the repository root, running commands, finding tools,
 * and the visible NOTICE printed when a check cannot run on this machine.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** Absolute path of the repository root (tests run from anywhere). */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");

/** Output of a finished command. */
export interface RunResult {
  /** Exit code. */
  code: number;
  /** Standard output, decoded. */
  stdout: string;
  /** Standard error, decoded. */
  stderr: string;
}

/** Options of {@linkcode run}. */
export interface RunOptions {
  /** Arguments after the program. */
  args?: string[];
  /** Working directory (default: the repository root). */
  cwd?: string;
  /** Environment; with `clearEnv` it is the whole environment. */
  env?: Record<string, string>;
  /** Start from an empty environment instead of this process's. */
  clearEnv?: boolean;
  /** Bytes written to standard input. */
  stdin?: string;
}

/** Runs a program to completion and captures its output. */
export async function run(program: string, options: RunOptions = {}): Promise<RunResult> {
  const child = new Deno.Command(program, {
    args: options.args ?? [],
    cwd: options.cwd ?? ROOT,
    env: options.env,
    clearEnv: options.clearEnv ?? false,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** Absolute path of a tool on PATH, or `undefined` when it is not installed. */
export async function which(tool: string): Promise<string | undefined> {
  const result = await run("sh", { args: ["-c", `command -v "$1"`, "sh", tool] });
  const path = result.stdout.trim();
  return result.code === 0 && path.startsWith("/") ? path : undefined;
}

/**
 * Prints a line that stands out in test output, for a check this machine cannot run. It is never used
 * to hide a failure: only the absence of an optional tool leads here.
 */
export function notice(message: string): void {
  console.warn(`\n  NOTICE (not checked here): ${message}\n`);
}

/** Describes a command result for assertion messages. */
export function describe(result: RunResult): string {
  return `exit code ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}
