/**
 * What a `stoactl connect` command is: its options (one list behind both the parser and the
 * help), its help text parts, and its `run`. Parsing uses `node:util` `parseArgs` in strict mode;
 * a parse error becomes a usage error (exit 2) that names the option and points at `--help`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { usageError } from "./cli_error.ts";
import type { ExitCodeDoc } from "./exit_codes.ts";
import type { Terminal } from "./terminal.ts";

/** One command-line option. */
export interface OptionSpec {
  /** Long name without dashes, e.g. `admin-url`. */
  readonly name: string;
  /** One-letter alias, e.g. `o`. */
  readonly short?: string;
  /** `string` options take a value; `boolean` options do not. */
  readonly type: "string" | "boolean";
  /** Placeholder for the value in help, e.g. `URL`. */
  readonly value?: string;
  /** One line: what it does and its default. */
  readonly description: string;
}

/** An example in help: the command line and, optionally, what it shows. */
export interface Example {
  /** What the example does, printed as a `#` comment above it. */
  readonly comment: string;
  /** The command line. */
  readonly command: string;
}

/** The two output formats. */
export type OutputFormat = "table" | "json";

/** Parsed option values, by long name. */
export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

/** What a command's `run` receives. */
export interface CommandContext {
  /** Output streams (redacted). */
  readonly terminal: Terminal;
  /** Parsed options. */
  readonly values: OptionValues;
  /** `--output`. */
  readonly output: OutputFormat;
}

/** A `stoactl connect` subcommand. */
export interface Command {
  /** Name after `stoactl connect`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Usage line(s), without the common options. */
  readonly usage: readonly string[];
  /** What it does, as lines of prose. */
  readonly description: readonly string[];
  /** Options of this command (the common ones are added). */
  readonly options: readonly OptionSpec[];
  /** Examples. */
  readonly examples: readonly Example[];
  /** Exit codes this command uses, in order. */
  readonly exitCodes: readonly ExitCodeDoc[];
  /** Runs the command; returns the exit code or throws a `CliError`. */
  run(context: CommandContext): Promise<number>;
}

/** Options every command accepts. */
export const COMMON_OPTIONS: readonly OptionSpec[] = [
  {
    name: "env-file",
    type: "string",
    value: "PATH",
    description: "read variables from this file instead of ./.env (the environment wins)",
  },
  {
    name: "output",
    short: "o",
    type: "string",
    value: "FORMAT",
    description: "table (default) or json (stable, for scripts)",
  },
  { name: "help", short: "h", type: "boolean", description: "show this help" },
];

/** The full option list of a command: its own, then the common ones. */
export function optionsOf(command: Command): readonly OptionSpec[] {
  return [...command.options, ...COMMON_OPTIONS];
}

/** The parse result of a command line. */
export interface ParsedCommandLine {
  /** Option values by long name. */
  readonly values: OptionValues;
  /** `--output`, validated. */
  readonly output: OutputFormat;
  /** `--help` was given. */
  readonly help: boolean;
}

/** Parses a command's arguments; throws a usage error (exit 2) on anything it cannot accept. */
export function parseCommandLine(command: Command, args: readonly string[]): ParsedCommandLine {
  const config: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const option of optionsOf(command)) {
    config[option.name] = option.short
      ? { type: option.type, short: option.short }
      : { type: option.type };
  }
  const again = `Run 'stoactl connect ${command.name} --help' for its options.`;
  let values: OptionValues;
  try {
    values = parseArgs({ args: [...args], options: config, strict: true, allowPositionals: false })
      .values as OptionValues;
  } catch (error) {
    const text = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw usageError(`${text.charAt(0).toLowerCase()}${text.slice(1)}\n${again}`);
  }
  if (values.help === true) return { values, output: "table", help: true };
  const output = values.output ?? "table";
  if (output !== "table" && output !== "json") {
    throw usageError(`--output must be table or json, not '${output}'\n${again}`);
  }
  return { values, output, help: false };
}

/** A string option's value, trimmed; `undefined` when absent or empty. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}
