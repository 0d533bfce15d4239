/**
 * `stoactl` as a function of its arguments: finds the command, parses its options, runs it and
 * turns every failure into one or two lines on standard error and an exit code. It never prints a
 * stack trace or a secret.
 *
 * @module
 */

import { ConfigError } from "../config/config_error.ts";
import { VERSION } from "../version.ts";
import { CliError } from "./cli_error.ts";
import { type Command, parseCommandLine } from "./command.ts";
import { DISCOVER_COMMAND } from "./connect_discover.ts";
import { DOCTOR_COMMAND } from "./connect_doctor.ts";
import { PLAN_COMMAND } from "./connect_plan.ts";
import { STATUS_COMMAND } from "./connect_status.ts";
import { SYNC_COMMAND } from "./connect_sync.ts";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./exit_codes.ts";
import { renderCommandHelp, renderConnectHelp, renderTopHelp } from "./help.ts";
import { type CliIo, Terminal } from "./terminal.ts";

/** Every `stoactl connect` command, in help order. */
export const CONNECT_COMMANDS: readonly Command[] = [
  STATUS_COMMAND,
  DISCOVER_COMMAND,
  SYNC_COMMAND,
  PLAN_COMMAND,
  DOCTOR_COMMAND,
];

const HELP_FLAGS = new Set(["--help", "-h", "help"]);

async function dispatch(args: readonly string[], terminal: Terminal): Promise<number> {
  const [first, ...rest] = args;
  if (first === "--version" || first === "-V") {
    terminal.print(`stoactl ${VERSION}`);
    return EXIT_OK;
  }
  if (first === undefined || HELP_FLAGS.has(first)) {
    if (first === undefined) {
      terminal.note(renderTopHelp(CONNECT_COMMANDS));
      return EXIT_USAGE;
    }
    terminal.print(renderTopHelp(CONNECT_COMMANDS));
    return EXIT_OK;
  }
  if (first !== "connect") {
    terminal.error(`unknown command '${first}'\nRun 'stoactl --help' for the commands.`);
    return EXIT_USAGE;
  }
  const [name, ...options] = rest;
  if (name === undefined) {
    terminal.note(renderConnectHelp(CONNECT_COMMANDS));
    terminal.error("a command is missing after 'stoactl connect'");
    return EXIT_USAGE;
  }
  if (HELP_FLAGS.has(name)) {
    terminal.print(renderConnectHelp(CONNECT_COMMANDS));
    return EXIT_OK;
  }
  const command = CONNECT_COMMANDS.find((c) => c.name === name);
  if (!command) {
    terminal.error(
      `unknown command 'connect ${name}'; the commands are ${
        CONNECT_COMMANDS.map((c) => c.name).join(", ")
      }\nRun 'stoactl connect --help'.`,
    );
    return EXIT_USAGE;
  }
  const parsed = parseCommandLine(command, options);
  if (parsed.help) {
    terminal.print(renderCommandHelp(command));
    return EXIT_OK;
  }
  return await command.run({ terminal, values: parsed.values, output: parsed.output });
}

/** Runs `stoactl` with `args` on `io`; resolves with the exit code. */
export async function runStoactl(args: readonly string[], io: CliIo): Promise<number> {
  const terminal = new Terminal(io);
  try {
    return await dispatch(args, terminal);
  } catch (error) {
    if (error instanceof CliError) {
      terminal.error(error.message);
      return error.code;
    }
    if (error instanceof ConfigError) {
      terminal.error(error.message);
      return EXIT_USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    terminal.error(
      `unexpected error: ${message}\nThis is a bug in stoactl; please report it with the command you ran.`,
    );
    return EXIT_FAILURE;
  }
}
