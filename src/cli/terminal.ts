/**
 * Where `stoactl` writes: standard output for results (tables or JSON), standard error for errors,
 * notes and progress. Everything written goes through {@linkcode redact}, so a secret never
 * reaches the screen, a pipe or a log, whatever path it took.
 *
 * @module
 */

import { redact } from "../observability/redact.ts";
import { type Progress, startProgress } from "./progress.ts";
import { colourEnabled, createStyle, type Style } from "./style.ts";

/** The process's streams and environment, replaceable in tests. */
export interface CliIo {
  /** The process environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Writes raw text to standard output. */
  readonly writeStdout: (text: string) => void;
  /** Writes raw text to standard error. */
  readonly writeStderr: (text: string) => void;
  /** Standard output is a terminal. */
  readonly stdoutIsTerminal: boolean;
  /** Standard error is a terminal. */
  readonly stderrIsTerminal: boolean;
}

const encoder = new TextEncoder();

function writeAll(file: { writeSync(data: Uint8Array): number }, text: string): void {
  let data = encoder.encode(text);
  while (data.length > 0) data = data.subarray(file.writeSync(data));
}

/** The real process streams and environment. */
export function systemIo(): CliIo {
  return {
    env: Deno.env.toObject(),
    writeStdout: (text) => writeAll(Deno.stdout, text),
    writeStderr: (text) => writeAll(Deno.stderr, text),
    stdoutIsTerminal: Deno.stdout.isTerminal(),
    stderrIsTerminal: Deno.stderr.isTerminal(),
  };
}

/** Redacted, optionally coloured output for one command run. */
export class Terminal {
  /** Styles for standard output. */
  readonly style: Style;
  /** Styles for standard error. */
  readonly errorStyle: Style;
  /** The streams and environment. */
  readonly io: CliIo;

  /** Decides colour once, from the streams and `NO_COLOR`. */
  constructor(io: CliIo) {
    this.io = io;
    this.style = createStyle(colourEnabled(io.stdoutIsTerminal, io.env));
    this.errorStyle = createStyle(colourEnabled(io.stderrIsTerminal, io.env));
  }

  /** Prints result lines on standard output. */
  print(text: string): void {
    this.io.writeStdout(`${redact(text)}\n`);
  }

  /** Prints a value as indented JSON on standard output (the stable `--output json` form). */
  printJson(value: unknown): void {
    this.print(JSON.stringify(value, null, 2));
  }

  /** Prints `stoactl: <message>` on standard error. */
  error(message: string): void {
    this.io.writeStderr(`${this.errorStyle.red("stoactl:")} ${redact(message)}\n`);
  }

  /** Prints a note (not a result) on standard error. */
  note(message: string): void {
    this.io.writeStderr(`${redact(message)}\n`);
  }

  /** A spinner on standard error, shown only when it is a terminal. */
  progress(label: string): Progress {
    const progress = startProgress({
      label: redact(label),
      enabled: this.io.stderrIsTerminal,
      write: (text) => this.io.writeStderr(text),
    });
    return { update: (next) => progress.update(redact(next)), stop: () => progress.stop() };
  }
}
