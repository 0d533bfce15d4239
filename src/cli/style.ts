/**
 * Colour for terminal output: ANSI styles that turn into plain text when colour is off (not a
 * terminal, or `NO_COLOR` set), and width helpers that ignore the escape codes.
 *
 * @module
 */

/** Text styles; each returns its input unchanged when colour is off. */
export interface Style {
  /** Emphasis (headings, the overall verdict). */
  readonly bold: (text: string) => string;
  /** Secondary text (hints, unchanged items). */
  readonly dim: (text: string) => string;
  /** Failures. */
  readonly red: (text: string) => string;
  /** Success. */
  readonly green: (text: string) => string;
  /** Warnings and pending changes. */
  readonly yellow: (text: string) => string;
  /** Names and URLs. */
  readonly cyan: (text: string) => string;
}

function sgr(open: number, close: number): (text: string) => string {
  return (text) => text === "" ? text : `\x1b[${open}m${text}\x1b[${close}m`;
}

const COLOURED: Style = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  cyan: sgr(36, 39),
};

const identity = (text: string): string => text;
const PLAIN: Style = {
  bold: identity,
  dim: identity,
  red: identity,
  green: identity,
  yellow: identity,
  cyan: identity,
};

/** The styles, coloured or plain. */
export function createStyle(enabled: boolean): Style {
  return enabled ? COLOURED : PLAIN;
}

/**
 * Whether to colour a stream: only a terminal, and never when `NO_COLOR` is set to a non-empty
 * value (https://no-color.org).
 */
export function colourEnabled(
  isTerminal: boolean,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  return isTerminal && !env.NO_COLOR;
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** The text without ANSI styles. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/** Columns the text takes on a terminal (code points, styles ignored). */
export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length;
}
