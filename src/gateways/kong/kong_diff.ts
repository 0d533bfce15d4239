/**
 * Kong's use of the field diff ({@linkcode diffManagedFields}): whether an object needs a write,
 * and the body Kong is sent. Kong answers with every field, defaults included, so only the fields
 * the agent manages are compared.
 *
 * @module
 */

import { diffManagedFields, isRecord } from "../field_diff.ts";

/** True when every field of `after` (recursively) has the same value in `before`. */
export function sameFields(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
): boolean {
  return diffManagedFields(before, after).length === 0;
}

/** Removes `null` fields (recursively): what is sent is only what is set. */
export function withoutNulls(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === null || value === undefined) continue;
    out[key] = isRecord(value) ? withoutNulls(value) : value;
  }
  return out;
}
