/**
 * Parsing of the `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an HTTP date.
 *
 * @module
 */

/** Milliseconds to wait according to `Retry-After`, or `undefined` when absent or unreadable. */
export function parseRetryAfter(
  value: string | null,
  now: number = Date.now(),
): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
