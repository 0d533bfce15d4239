/**
 * The configuration sources `stoactl` shares with the agent: the process environment, `./.env` or
 * `--env-file PATH`, and `<NAME>_FILE` secrets, read by the agent's own loader. Every secret read
 * is registered for redaction before anything is printed.
 *
 * @module
 */

import { type Config, parseConfig } from "../config/config.ts";
import { ConfigError, type ConfigProblem } from "../config/config_error.ts";
import { loadEnvironment } from "../config/environment.ts";
import { SECRET_VARIABLES } from "../config/variables.ts";
import { registerSecret } from "../observability/redact.ts";
import { usageError } from "./cli_error.ts";

/** The merged variables and what went wrong reading them. */
export interface CliEnvironment {
  /** Variables: `.env` (or `--env-file`), then the environment, then `*_FILE` secrets. */
  readonly values: Readonly<Record<string, string>>;
  /** Unreadable files, conflicting secrets. */
  readonly problems: readonly ConfigProblem[];
  /** The env file that was read, if any. */
  readonly envFile?: string;
}

/** Options for {@linkcode loadCliEnvironment}. */
export interface LoadCliEnvironmentOptions {
  /** The process environment. */
  readonly env: Readonly<Record<string, string>>;
  /** `--env-file PATH`, when given. */
  readonly envFile?: string;
}

/** Reads the variables the way the agent does and registers every secret for redaction. */
export function loadCliEnvironment(options: LoadCliEnvironmentOptions): CliEnvironment {
  const loaded = loadEnvironment({ env: options.env, envFile: options.envFile });
  for (const name of SECRET_VARIABLES) registerSecret(loaded.values[name]);
  return loaded;
}

/**
 * Stops with exit 2 when reading the variables a command uses went wrong: the env file itself, or
 * the `_FILE` form of one of `variables`. Problems with variables the command ignores are not its
 * business.
 */
export function requireReadable(environment: CliEnvironment, variables: readonly string[]): void {
  const relevant = environment.problems.filter((problem) =>
    problem.variable === "--env-file" || problem.variable === ".env" ||
    variables.some((name) => problem.variable === name || problem.variable === `${name}_FILE`)
  );
  if (relevant.length > 0) throw usageError(new ConfigError(relevant).message);
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}

/**
 * Validates the variables exactly as the agent does at startup; throws the agent's
 * {@linkcode ConfigError} (same message) when they are invalid.
 */
export function parseAgentConfig(environment: CliEnvironment, stdoutIsTerminal: boolean): Config {
  return parseConfig(environment.values, { hostname: hostname(), stdoutIsTerminal }, [
    ...environment.problems,
  ]);
}
