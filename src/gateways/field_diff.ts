/**
 * Field-level differences between what a gateway has and what the agent wants, as the
 * {@linkcode FieldChange}s of a plan item: dotted paths (`rate.limit`, `config.minute`), secrets
 * never in clear. Two ways of comparing, one per kind of gateway answer:
 *
 * - {@linkcode diffFields}: every field of either side counts (the gateway's answer was first
 *   reduced to what the agent manages, e.g. with {@linkcode projectOnto});
 * - {@linkcode diffManagedFields}: only the fields the agent sets count, a missing field is `null`
 *   and an empty object is an empty list (the gateway answers with every field, defaults
 *   included, and cannot tell `{}` from `[]`).
 *
 * @module
 */

import type { FieldChange } from "../sync/plan.ts";
import { sameJson } from "./policy_config.ts";

/** Shown in a plan instead of a secret value. */
export const MASKED = "[REDACTED]";

/** Options of {@linkcode diffFields} and {@linkcode diffManagedFields}. */
export interface FieldDiffOptions {
  /**
   * The path the compared values sit under, put in front of every field (`service.` or
   * `orders.cors`; a dot is added when it does not end with one).
   */
  readonly prefix?: string;
  /** Field paths, without the prefix, whose values are secrets: shown as {@linkcode MASKED}. */
  readonly secret?: readonly string[];
}

/**
 * Every field that differs between `before` and `after` (JSON-like values, key order ignored),
 * recursing into records; arrays are compared as a whole. `undefined` on one side means created
 * or removed: the change then has no `before` (or no `after`). Any secret value that is present,
 * `null` included, is masked.
 */
export function diffFields(
  before: unknown,
  after: unknown,
  options: FieldDiffOptions = {},
): FieldChange[] {
  const changes: FieldChange[] = [];
  const secret = new Set(options.secret ?? []);
  const walk = (a: unknown, b: unknown, path: string): void => {
    if ((isRecord(a) || a === undefined) && (isRecord(b) || b === undefined) && a !== b) {
      const left: Record<string, unknown> = a ?? {};
      const right: Record<string, unknown> = b ?? {};
      for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
        walk(left[key], right[key], path ? `${path}.${key}` : key);
      }
      return;
    }
    if (sameValue(a, b)) return;
    const masked = secret.has(path);
    const change: { field: string; before?: unknown; after?: unknown } = {
      field: fieldPath(options.prefix, path),
    };
    if (a !== undefined) change.before = masked ? MASKED : a;
    if (b !== undefined) change.after = masked ? MASKED : b;
    changes.push(change);
  };
  walk(before, after, "");
  return changes;
}

/**
 * The changes from `before` (the gateway's object, `undefined` when it does not exist) to `after`
 * (the agent's view, `undefined` when the object goes away). Only the fields of `after` are
 * compared, recursing into non-empty records: a field the gateway adds is no change. For a
 * creation or a removal, the fields that are set (not `null`, not an empty list). An updated
 * field missing from `before` shows `before: null`; `null` secrets are not masked.
 */
export function diffManagedFields(
  before: Readonly<Record<string, unknown>> | undefined,
  after: Readonly<Record<string, unknown>> | undefined,
  options: FieldDiffOptions = {},
): FieldChange[] {
  const secret = new Set(options.secret ?? []);
  const shown = (path: string, value: unknown): unknown =>
    secret.has(path) && value !== null && value !== undefined ? MASKED : value;
  const changes: FieldChange[] = [];
  if (after === undefined || before === undefined) {
    // A whole object comes or goes: its set fields are the change (unset ones say nothing).
    const side = after === undefined ? "before" : "after";
    for (const [path, value] of leaves(after ?? before ?? {})) {
      if (!isUnset(value)) {
        changes.push({ field: fieldPath(options.prefix, path), [side]: shown(path, value) });
      }
    }
    return changes;
  }
  for (const [path, value] of leaves(after)) {
    const current = valueAt(before, path);
    if (!sameJson(comparable(current), comparable(value))) {
      changes.push({
        field: fieldPath(options.prefix, path),
        before: shown(path, current ?? null),
        after: shown(path, value),
      });
    }
  }
  return changes;
}

/**
 * `actual` reduced to the keys `desired` has (recursively; arrays element by element), so that
 * defaults and ids a gateway adds to what it stores do not count as differences.
 */
export function projectOnto(actual: unknown, desired: unknown): unknown {
  if (isRecord(actual) && isRecord(desired)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(desired)) {
      if (key in actual) out[key] = projectOnto(actual[key], desired[key]);
    }
    return out;
  }
  if (Array.isArray(actual) && Array.isArray(desired)) {
    return actual.map((item, index) =>
      index < desired.length ? projectOnto(item, desired[index]) : item
    );
  }
  return actual;
}

/** True for plain objects (not arrays, not `null`). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** `path` under `prefix`, joined by one dot. */
function fieldPath(prefix: string | undefined, path: string): string {
  if (!prefix) return path;
  if (!path) return prefix;
  return prefix.endsWith(".") ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** Deep equality of JSON-like values (key order ignored, array order kept, `undefined` = absent). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => sameValue(item, b[index]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!sameValue(a[key], b[key])) return false;
    return true;
  }
  return false;
}

/** Paths and values of the leaves of a record; arrays and empty records are leaves. */
function leaves(record: Readonly<Record<string, unknown>>, prefix = ""): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [key, value] of Object.entries(record)) {
    const path = `${prefix}${key}`;
    if (isRecord(value) && Object.keys(value).length > 0) out.push(...leaves(value, `${path}.`));
    else out.push([path, value]);
  }
  return out;
}

/** The value at a dotted path of a record, `undefined` when the path leads nowhere. */
function valueAt(record: Readonly<Record<string, unknown>>, path: string): unknown {
  let node: unknown = record;
  for (const key of path.split(".")) {
    if (!isRecord(node)) return undefined;
    node = node[key];
  }
  return node;
}

/**
 * A missing field compares as `null`. An empty object compares as an empty list: Kong's YAML
 * export (DB-less `GET /config`) cannot tell an empty Lua array from an empty table.
 */
function comparable(value: unknown): unknown {
  if (value === undefined) return null;
  if (isRecord(value) && Object.keys(value).length === 0) return [];
  return value;
}

/** True for what a creation or removal does not list: `null`, missing or an empty list. */
function isUnset(value: unknown): boolean {
  return value === null || value === undefined || (Array.isArray(value) && value.length === 0);
}
