/**
 * Keeps the CLI reference (the README) in step with `--help`: the
 * reference embeds each help text in a fenced block after a marker
 * `<!-- help: stoactl connect status -->`. The test compares them; running this file rewrites the
 * blocks from the real `--help` output:
 *
 * ```sh
 * deno run --allow-read --allow-write --allow-run --allow-env tests/cli/cli_reference.ts
 * ```
 *
 * @module
 */

import { ROOT } from "../distribution/helpers.ts";
import { stoactl } from "./stoactl_process.ts";

/** The CLI reference. Retarget here when it moves (e.g. into README.md). */
export const CLI_REFERENCE_PATH = `${ROOT}/README.md`;

/** Every help text the reference embeds, as the command line that prints it (without `--help`). */
export const HELP_COMMANDS: readonly string[] = [
  "stoactl",
  "stoactl connect",
  "stoactl connect status",
  "stoactl connect discover",
  "stoactl connect sync",
  "stoactl connect plan",
  "stoactl connect doctor",
];

const FENCE = "```";

function marker(command: string): string {
  return `<!-- help: ${command} -->`;
}

/** The block for `command` in `text`, or `undefined` when the marker is missing. */
export function helpBlock(text: string, command: string): string | undefined {
  const start = text.indexOf(marker(command));
  if (start < 0) return undefined;
  const open = text.indexOf(`${FENCE}text\n`, start);
  const close = text.indexOf(`\n${FENCE}`, open + 1);
  if (open < 0 || close < 0) return undefined;
  return text.slice(open + FENCE.length + 5, close);
}

/** `text` with the block of `command` replaced by `help`. */
export function withHelpBlock(text: string, command: string, help: string): string {
  const start = text.indexOf(marker(command));
  if (start < 0) throw new Error(`${CLI_REFERENCE_PATH} has no marker ${marker(command)}`);
  const open = text.indexOf(`${FENCE}text\n`, start);
  const close = text.indexOf(`\n${FENCE}`, open + 1);
  return `${text.slice(0, open + FENCE.length + 5)}${help}${text.slice(close)}`;
}

/** The real `--help` output of a command line. */
export async function helpOf(command: string): Promise<string> {
  const args = [...command.split(" ").slice(1), "--help"];
  const result = await stoactl(args);
  if (result.code !== 0) {
    throw new Error(`${command} --help exited ${result.code}: ${result.stderr}`);
  }
  return result.stdout.replace(/\n$/, "");
}

/** The first JSON example after `heading` (a line of the reference, e.g. a `###` title). */
export function jsonExample(text: string, heading: string): unknown {
  const at = text.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`${CLI_REFERENCE_PATH} has no heading ${heading}`);
  const open = text.indexOf(`${FENCE}json\n`, at);
  const close = text.indexOf(`\n${FENCE}`, open + 1);
  if (open < 0 || close < 0) throw new Error(`no JSON example after ${heading}`);
  return JSON.parse(text.slice(open + FENCE.length + 5, close));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Where `actual` and `documented` differ in shape: object keys must be the same at every level
 * where both have an object; arrays are compared by their first elements.
 */
export function shapeDifferences(actual: unknown, documented: unknown, path = "$"): string[] {
  if (isObject(actual) && isObject(documented)) {
    const a = Object.keys(actual).sort();
    const d = Object.keys(documented).sort();
    const differences = [
      ...a.filter((k) => !d.includes(k)).map((k) => `${path}.${k} is output but not documented`),
      ...d.filter((k) => !a.includes(k)).map((k) => `${path}.${k} is documented but not output`),
    ];
    for (const key of a.filter((k) => d.includes(k))) {
      differences.push(...shapeDifferences(actual[key], documented[key], `${path}.${key}`));
    }
    return differences;
  }
  if (Array.isArray(actual) && Array.isArray(documented) && actual.length && documented.length) {
    return shapeDifferences(actual[0], documented[0], `${path}[0]`);
  }
  return [];
}

if (import.meta.main) {
  let text = await Deno.readTextFile(CLI_REFERENCE_PATH);
  for (const command of HELP_COMMANDS) text = withHelpBlock(text, command, await helpOf(command));
  await Deno.writeTextFile(CLI_REFERENCE_PATH, text);
  console.log(`updated ${CLI_REFERENCE_PATH}`);
}
