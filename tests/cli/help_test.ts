/**
 * `stoactl --version`, `--help` on every command and usage errors, run as processes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { optionsOf } from "../../src/cli/command.ts";
import { CONNECT_COMMANDS } from "../../src/cli/stoactl_app.ts";
import { VERSION } from "../../src/version.ts";
import { assertShortError, describe, stoactl } from "./stoactl_process.ts";

Deno.test("stoactl --version prints stoactl <VERSION>", async () => {
  const result = await stoactl(["--version"]);
  assert.equal(result.code, 0, describe(result));
  assert.equal(result.stdout, `stoactl ${VERSION}\n`);
  assert.equal(result.stderr, "");
});

Deno.test("stoactl --help lists every command and the exit codes", async () => {
  for (const flag of ["--help", "-h"]) {
    const result = await stoactl([flag]);
    assert.equal(result.code, 0, describe(result));
    for (const command of CONNECT_COMMANDS) {
      assert.ok(
        result.stdout.includes(`connect ${command.name}`) &&
          result.stdout.includes(command.summary),
        `${command.name} missing\n${describe(result)}`,
      );
    }
    for (const code of ["0", "1", "2", "3"]) {
      assert.match(result.stdout, new RegExp(`\n  ${code}  `));
    }
  }
});

Deno.test("stoactl connect --help lists the commands", async () => {
  const result = await stoactl(["connect", "--help"]);
  assert.equal(result.code, 0, describe(result));
  for (const command of CONNECT_COMMANDS) {
    assert.match(result.stdout, new RegExp(`\n  ${command.name}\\s`));
  }
});

Deno.test("every command's --help shows usage, each option, examples and exit codes", async () => {
  for (const command of CONNECT_COMMANDS) {
    for (const flag of ["--help", "-h"]) {
      const result = await stoactl(["connect", command.name, flag]);
      const context = `stoactl connect ${command.name} ${flag}\n${describe(result)}`;
      assert.equal(result.code, 0, context);
      assert.match(result.stdout, new RegExp(`^stoactl connect ${command.name} — `), context);
      for (const section of ["Usage:", "Options:", "Examples:", "Exit codes:"]) {
        assert.ok(result.stdout.includes(`\n${section}\n`), `${section} missing\n${context}`);
      }
      for (const option of optionsOf(command)) {
        assert.ok(
          result.stdout.includes(`--${option.name}`),
          `--${option.name} missing\n${context}`,
        );
      }
      const examples = result.stdout.split("\nExamples:\n")[1].split("\nExit codes:\n")[0];
      assert.match(examples, new RegExp(`stoactl connect ${command.name}`), context);
      for (const { code } of command.exitCodes) {
        assert.match(result.stdout, new RegExp(`\n  ${code}  \\S`), context);
      }
    }
  }
});

Deno.test("--help wins over every other option, even invalid values", async () => {
  const result = await stoactl(["connect", "sync", "--url", "not a url", "--help"]);
  assert.equal(result.code, 0, describe(result));
  assert.match(result.stdout, /^stoactl connect sync — /);
});

Deno.test("usage errors exit 2 with one or two lines that point at --help", async () => {
  const cases: [string[], RegExp][] = [
    [["frobnicate"], /unknown command 'frobnicate'/],
    [["connect", "frobnicate"], /unknown command 'connect frobnicate'/],
    [["connect", "status", "--bogus"], /unknown option '--bogus'/],
    [["connect", "status", "extra"], /unexpected argument 'extra'/],
    [["connect", "status", "--output", "yaml"], /--output must be table or json, not 'yaml'/],
    [["connect", "status", "--url"], /'--url <value>' argument missing/],
    [
      ["connect", "status", "--url", "ftp://agent"],
      /--url "ftp:\/\/agent" is not an http\(s\) URL/,
    ],
    [["connect", "sync", "--dry-run=yes"], /'--dry-run' does not take an argument/],
    [["connect", "plan", "--timeout", "soon"], /--timeout "soon" is not a duration/],
    [["connect", "discover"], /no admin API address: pass --admin-url/],
    [["connect", "discover", "--admin-url", "localhost:8001"], /is not an http\(s\) URL/],
    [
      ["connect", "discover", "--admin-url", "http://x", "--type", "nginx"],
      /--type must be one of auto, kong, gravitee, webmethods/,
    ],
  ];
  for (const [args, message] of cases) {
    const result = await stoactl(args);
    const context = `stoactl ${args.join(" ")}\n${describe(result)}`;
    assert.equal(result.code, 2, context);
    assert.equal(result.stdout, "", context);
    assert.match(result.stderr, message, context);
    assertShortError(result.stderr, context);
  }
});

Deno.test("stoactl without a command prints the help on standard error and exits 2", async () => {
  const bare = await stoactl([]);
  assert.equal(bare.code, 2, describe(bare));
  assert.equal(bare.stdout, "");
  assert.match(bare.stderr, /^stoactl .* — the command line of stoa-connect/);
  const connect = await stoactl(["connect"]);
  assert.equal(connect.code, 2, describe(connect));
  assert.match(connect.stderr, /a command is missing after 'stoactl connect'/);
});
