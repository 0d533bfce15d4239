/**
 * Gathers the raw variables: a `.env` file (the working directory's, or the one named by
 * `--env-file`), overridden by the real environment, then `<NAME>_FILE` secrets read from disk.
 *
 * @module
 */

import { parse as parseDotenv } from "dotenv";
import { join } from "node:path";
import type { ConfigProblem } from "./config_error.ts";
import { SECRET_VARIABLES } from "./variables.ts";

/** Options for {@linkcode loadEnvironment}. */
export interface LoadEnvironmentOptions {
  /** The process environment (`Deno.env.toObject()`). */
  readonly env: Readonly<Record<string, string>>;
  /** Path given with `--env-file`; it must exist. */
  readonly envFile?: string;
  /** Directory searched for `.env` when no `--env-file` is given (default: the working directory). */
  readonly cwd?: string;
  /** Also read the working directory's `.env` (default true). */
  readonly readDotenv?: boolean;
}

/** The merged variables and the problems met while reading them. */
export interface LoadedEnvironment {
  /** Variable values; empty strings are dropped (empty means unset). */
  readonly values: Readonly<Record<string, string>>;
  /** Files that could not be read, conflicting secrets. */
  readonly problems: readonly ConfigProblem[];
  /** The env file that was read, if any. */
  readonly envFile?: string;
}

/** Reads `.env` / `--env-file`, the environment and `*_FILE` secrets into one map. */
export function loadEnvironment(options: LoadEnvironmentOptions): LoadedEnvironment {
  const problems: ConfigProblem[] = [];
  let fileValues: Record<string, string> = {};
  let envFile: string | undefined;

  if (options.envFile !== undefined) {
    envFile = options.envFile;
    const text = readFile(envFile);
    if (text.ok) fileValues = parseDotenv(text.value);
    else problems.push({ variable: "--env-file", message: `${envFile}: ${text.error}` });
  } else if (options.readDotenv ?? true) {
    const candidate = join(options.cwd ?? Deno.cwd(), ".env");
    const text = readFile(candidate);
    if (text.ok) {
      envFile = candidate;
      fileValues = parseDotenv(text.value);
    } else if (!text.missing) {
      problems.push({ variable: ".env", message: `${candidate}: ${text.error}` });
    }
  }

  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...fileValues, ...options.env })) {
    if (value !== "") values[key] = value;
  }

  for (const name of SECRET_VARIABLES) {
    const fileVariable = `${name}_FILE`;
    const path = values[fileVariable];
    if (path === undefined) continue;
    if (values[name] !== undefined) {
      problems.push({
        variable: fileVariable,
        message: `set either ${name} or ${fileVariable}, not both`,
      });
      continue;
    }
    const text = readFile(path);
    if (!text.ok) {
      problems.push({ variable: fileVariable, message: `cannot read ${path}: ${text.error}` });
      continue;
    }
    const secret = text.value.trim();
    if (secret === "") {
      problems.push({ variable: fileVariable, message: `${path} is empty` });
      continue;
    }
    values[name] = secret;
  }
  return { values, problems, envFile };
}

type ReadResult =
  | { ok: true; value: string }
  | { ok: false; missing: boolean; error: string };

function readFile(path: string): ReadResult {
  try {
    return { ok: true, value: Deno.readTextFileSync(path) };
  } catch (error) {
    const missing = error instanceof Deno.errors.NotFound;
    const reason = missing
      ? "file not found"
      : error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : error instanceof Error
      ? error.message
      : String(error);
    return { ok: false, missing, error: reason };
  }
}
