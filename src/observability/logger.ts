/**
 * Structured logging on top of LogTape: JSON lines (default when stdout is not a terminal) or a
 * readable pretty format, a level threshold, the instance name and gateway id on every line, and
 * secrets redacted from everything written.
 *
 * @module
 */

import { configure, getLogger, type Logger, type LogRecord, reset } from "@logtape/logtape";
import type { LogFormat, LogLevel } from "../config/config.ts";
import { redact } from "./redact.ts";

/** Root category of every logger of the agent. */
export const ROOT_CATEGORY = "stoa-connect";

/** Values added to every line (instance name, current gateway id). */
export type LogContext = () => Readonly<Record<string, string>>;

/** Options for {@linkcode setupLogging}. */
export interface LoggingOptions {
  /** Lowest level written. */
  readonly level: LogLevel;
  /** Line format. */
  readonly format: LogFormat;
  /** Supplies the fields present on every line. */
  readonly context: LogContext;
  /** Where lines go (default: stdout). Receives one line without its newline. */
  readonly write?: (line: string) => void;
  /** Colour in pretty mode (default: only when stdout is a terminal and NO_COLOR is unset). */
  readonly color?: boolean;
}

const LOGTAPE_LEVEL = {
  debug: "debug",
  info: "info",
  warn: "warning",
  error: "error",
} as const satisfies Record<LogLevel, string>;

const encoder = new TextEncoder();

function writeStdout(line: string): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

/** Configures logging for the process; safe to call again (tests, CLI). */
export async function setupLogging(options: LoggingOptions): Promise<void> {
  const write = options.write ?? writeStdout;
  const color = options.color ?? (Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR"));
  const format = options.format === "json"
    ? (record: LogRecord) => formatJson(record, options.context())
    : (record: LogRecord) => formatPretty(record, options.context(), color);
  await configure({
    reset: true,
    sinks: { out: (record: LogRecord) => write(redact(format(record))) },
    loggers: [
      { category: [ROOT_CATEGORY], lowestLevel: LOGTAPE_LEVEL[options.level], sinks: ["out"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["out"] },
    ],
  });
}

/** Removes the logging configuration (tests). */
export async function teardownLogging(): Promise<void> {
  await reset();
}

/** The logger of one area of the agent, e.g. `log("heartbeat")`. */
export function log(area: string): Logger {
  return getLogger([ROOT_CATEGORY, area]);
}

function levelName(record: LogRecord): string {
  return record.level === "warning" ? "warn" : record.level;
}

function messageText(record: LogRecord): string {
  return record.message.map((part) => typeof part === "string" ? part : renderValue(part)).join("");
}

function renderValue(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === "string") return value;
  return JSON.stringify(value) ?? String(value);
}

function plainProperties(record: LogRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record.properties)) {
    out[key] = value instanceof Error ? value.message : value;
  }
  return out;
}

/** One JSON line: time, level, area, message, context fields, then the record's properties. */
export function formatJson(record: LogRecord, context: Readonly<Record<string, string>>): string {
  return JSON.stringify({
    time: new Date(record.timestamp).toISOString(),
    level: levelName(record),
    area: record.category.slice(1).join(".") || ROOT_CATEGORY,
    message: messageText(record),
    ...context,
    ...plainProperties(record),
  });
}

const COLORS: Readonly<Record<string, string>> = {
  debug: "\x1b[90m",
  info: "\x1b[36m",
  warn: "\x1b[33m",
  error: "\x1b[31m",
};

/** A human-readable line: `12:00:01 INFO  area  message  (instance gw=…)`. */
export function formatPretty(
  record: LogRecord,
  context: Readonly<Record<string, string>>,
  color: boolean,
): string {
  const time = new Date(record.timestamp).toISOString().slice(11, 23);
  const level = levelName(record);
  const levelText = level.toUpperCase().padEnd(5);
  const area = (record.category.slice(1).join(".") || ROOT_CATEGORY).padEnd(10);
  const where = Object.entries(context).map(([k, v]) => `${k}=${v}`).join(" ");
  const tinted = color ? `${COLORS[level] ?? ""}${levelText}\x1b[0m` : levelText;
  return `${time} ${tinted} ${area} ${messageText(record)}  [${where}]`;
}
