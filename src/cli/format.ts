/**
 * Small value formatters shared by the tables: ages ("12s ago"), counts with their noun, and
 * values shortened to one line.
 *
 * @module
 */

/** `"12s ago"`, `"3m ago"`, `"2h ago"`, `"4d ago"`; the input itself when it is not a date. */
export function formatAge(iso: string, now: number = Date.now()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

/** `"1 API"`, `"3 APIs"`. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** A value as compact one-line JSON (strings unquoted), cut at `max` characters. */
export function shortValue(value: unknown, max = 60): string {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? "undefined";
  const line = text.replace(/\s+/g, " ");
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
