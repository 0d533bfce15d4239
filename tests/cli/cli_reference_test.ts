/**
 * The CLI reference in the README embeds every `--help` verbatim and documents every field of
 * every `--output json` shape, so the two cannot drift apart unnoticed.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DOCTOR_CHECKS } from "../../src/cli/doctor_check.ts";
import { CONNECT_COMMANDS } from "../../src/cli/stoactl_app.ts";
import { CLI_REFERENCE_PATH, HELP_COMMANDS, helpBlock, helpOf } from "./cli_reference.ts";

const FIX =
  "run: deno run --allow-read --allow-write --allow-run --allow-env tests/cli/cli_reference.ts";

Deno.test("the CLI reference embeds the --help of stoactl, connect and every command", async () => {
  const reference = await Deno.readTextFile(CLI_REFERENCE_PATH);
  assert.deepEqual(
    HELP_COMMANDS.filter((c) => c.startsWith("stoactl connect ")).map((c) => c.split(" ")[2]),
    CONNECT_COMMANDS.map((command) => command.name),
    "HELP_COMMANDS must name every command of CONNECT_COMMANDS",
  );
  for (const command of HELP_COMMANDS) {
    const block = helpBlock(reference, command);
    assert.ok(block !== undefined, `${CLI_REFERENCE_PATH} has no block for '${command} --help'`);
    assert.equal(
      block,
      await helpOf(command),
      `'${command} --help' differs from ${CLI_REFERENCE_PATH}; ${FIX}`,
    );
  }
});

Deno.test("the CLI reference lists the exit codes and the doctor check ids", async () => {
  const reference = await Deno.readTextFile(CLI_REFERENCE_PATH);
  for (const code of ["0", "1", "2", "3"]) {
    assert.match(reference, new RegExp(`\\| \`${code}\`\\s+\\|`));
  }
  for (const { id } of Object.values(DOCTOR_CHECKS)) {
    assert.ok(reference.includes(`| \`${id}\``), `doctor check ${id} is not documented`);
  }
});
