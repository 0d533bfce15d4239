/**
 * What changes on a terminal: colour (never with `NO_COLOR`, never in pipes) and progress for long
 * operations (on standard error, only when it is a terminal). Runs stoactl on a pseudo-terminal.
 *
 * @module
 */

import assert from "node:assert/strict";
import { notice } from "../distribution/helpers.ts";
import { KongEmulator } from "../fakes/kong_emulator.ts";
import { describe, freePort, stoactl, stoactlOnTerminal } from "./stoactl_process.ts";

const ESC = "\x1b";
/** Any SGR (colour, bold) sequence. */
const COLOUR = new RegExp(`${ESC}\\[[0-9;]*m`);
/** One frame of the spinner, redrawn in place, with the elapsed time. */
const SPINNER = new RegExp(
  `\r${ESC}\\[2K[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] discovering APIs on kong 3\\.9\\.1 at http://127\\.0\\.0\\.1:\\d+/ \\(\\d+\\.\\d s\\)`,
);

/** A Kong slow enough (every answer delayed) for discovery to show progress. */
async function withSlowKong(body: (url: string) => Promise<void>): Promise<void> {
  const kong = new KongEmulator({ latencyMs: 400 });
  kong.realisticSeed();
  const url = await kong.start();
  try {
    await body(url);
  } finally {
    await kong.stop();
  }
}

Deno.test("on a terminal: progress while discovering, then a coloured table", async () => {
  await withSlowKong(async (url) => {
    const result = await stoactlOnTerminal(["connect", "discover", "--admin-url", url]);
    if (!result) {
      notice("util-linux script is not installed: terminal output was not exercised");
      return;
    }
    assert.equal(result.code, 0, describe(result));
    assert.match(result.stdout, SPINNER, "progress on the terminal");
    assert.ok(result.stdout.includes(`${ESC}[1mNAME  `), "bold header");
    assert.ok(result.stdout.includes(`${ESC}[32myes${ESC}[39m`), "green active flag");
    assert.ok(result.stdout.includes(`\r${ESC}[2KGateway: `), "progress erased before the result");
  });
});

Deno.test("on a terminal with NO_COLOR: no colour, progress still shown", async () => {
  await withSlowKong(async (url) => {
    const result = await stoactlOnTerminal(["connect", "discover", "--admin-url", url], {
      env: { NO_COLOR: "1" },
    });
    if (!result) {
      notice("util-linux script is not installed: NO_COLOR on a terminal was not exercised");
      return;
    }
    assert.equal(result.code, 0, describe(result));
    assert.doesNotMatch(result.stdout, COLOUR);
    assert.match(result.stdout, SPINNER);
    assert.match(result.stdout, /\nNAME\s+PATHS/);
  });
});

Deno.test("errors on a terminal: coloured prefix, plain with NO_COLOR", async () => {
  const closed = `http://127.0.0.1:${freePort()}`;
  const coloured = await stoactlOnTerminal(["connect", "status", "--url", closed]);
  if (!coloured) {
    notice("util-linux script is not installed: error colours were not exercised");
    return;
  }
  assert.equal(coloured.code, 1, describe(coloured));
  assert.ok(
    coloured.stdout.includes(`${ESC}[31mstoactl:${ESC}[39m cannot reach the agent`),
    describe(coloured),
  );
  const plain = await stoactlOnTerminal(["connect", "status", "--url", closed], {
    env: { NO_COLOR: "1" },
  });
  assert.equal(plain?.code, 1);
  assert.match(plain?.stdout ?? "", /^stoactl: cannot reach the agent/);
});

Deno.test("in a pipe: no progress and no colour, even for slow operations", async () => {
  await withSlowKong(async (url) => {
    const result = await stoactl(["connect", "discover", "--admin-url", url]);
    assert.equal(result.code, 0, describe(result));
    assert.equal(result.stderr, "", "no progress on a pipe");
    assert.doesNotMatch(result.stdout, COLOUR);
  });
});
