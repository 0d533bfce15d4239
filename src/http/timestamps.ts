/**
 * Timestamps in the form the Control Plane expects from agents: RFC 3339, UTC, whole seconds.
 *
 * @module
 */

/** `2026-07-31T06:52:18Z` for the given time (default now). */
export function rfc3339Seconds(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
