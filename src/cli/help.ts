/**
 * The help texts of `stoactl`, built from each command's own option list, examples and exit
 * codes, so `--help` cannot drift from what the parser accepts. `the README` embeds these texts
 * verbatim (a test keeps them in step).
 *
 * @module
 */

import { VERSION } from "../version.ts";
import { type Command, optionsOf, type OptionSpec } from "./command.ts";
import {
  EXIT_CHANGES_PENDING,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  type ExitCodeDoc,
} from "./exit_codes.ts";

function optionLabel(option: OptionSpec): string {
  const long = `--${option.name}${option.value ? ` ${option.value}` : ""}`;
  return option.short ? `-${option.short}, ${long}` : `    ${long}`;
}

function aligned(rows: readonly (readonly [string, string])[], indent = "  "): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}  ${right}`.trimEnd());
}

function exitCodeLines(codes: readonly ExitCodeDoc[]): string[] {
  return aligned(codes.map((c) => [String(c.code), c.meaning]));
}

/** `stoactl connect <command> --help`. */
export function renderCommandHelp(command: Command): string {
  return [
    `stoactl connect ${command.name} — ${command.summary}`,
    "",
    "Usage:",
    ...command.usage.map((line) => `  ${line}`),
    "",
    ...command.description,
    "",
    "Options:",
    ...aligned(optionsOf(command).map((option) => [optionLabel(option), option.description])),
    "",
    "Examples:",
    ...command.examples.flatMap((example, i) => [
      ...(i > 0 ? [""] : []),
      `  # ${example.comment}`,
      `  ${example.command}`,
    ]),
    "",
    "Exit codes:",
    ...exitCodeLines(command.exitCodes),
  ].join("\n");
}

const GENERAL_EXIT_CODES: readonly ExitCodeDoc[] = [
  { code: EXIT_OK, meaning: "success" },
  {
    code: EXIT_FAILURE,
    meaning: "failure: unreachable or refusing agent or gateway, failed items or checks",
  },
  { code: EXIT_USAGE, meaning: "usage or configuration error" },
  { code: EXIT_CHANGES_PENDING, meaning: "changes pending (plan, sync --dry-run)" },
];

function commandList(commands: readonly Command[], prefix: string): string[] {
  return aligned(commands.map((command) => [`${prefix}${command.name}`, command.summary]));
}

/** `stoactl --help`. */
export function renderTopHelp(commands: readonly Command[]): string {
  return [
    `stoactl ${VERSION} — the command line of stoa-connect, the STOA gateway agent`,
    "",
    "Usage:",
    "  stoactl connect <command> [options]",
    "  stoactl --version",
    "  stoactl --help",
    "",
    "Commands:",
    ...commandList(commands, "connect "),
    "",
    "Every command takes --output table|json and --help; 'stoactl connect <command> --help'",
    "shows its options and examples. Colour is used only on a terminal; NO_COLOR turns it off.",
    "",
    "Exit codes:",
    ...exitCodeLines(GENERAL_EXIT_CODES),
  ].join("\n");
}

/** `stoactl connect --help`. */
export function renderConnectHelp(commands: readonly Command[]): string {
  return [
    "stoactl connect — operate a stoa-connect agent and the gateway it drives",
    "",
    "Usage:",
    "  stoactl connect <command> [options]",
    "",
    "Commands:",
    ...commandList(commands, ""),
    "",
    "Run 'stoactl connect <command> --help' for a command's options, examples and exit codes.",
  ].join("\n");
}
