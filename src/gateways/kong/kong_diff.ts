/**
 * Field-level differences between what Kong has and what the agent wants, for the plan: only the
 * fields the agent manages are compared (Kong answers with every field, defaults included), and
 * secrets never appear in clear.
 *
 * @module
 */

import type { FieldChange } from "../../sync/plan.ts";
import { sameJson } from "../policy_config.ts";

/** What a secret looks like in a plan. */
export const REDACTED = "[REDACTED]";

/** Options of {@linkcode diffFields}. */
export interface DiffOptions {
  /** Put in front of every field path, e.g. `config.` or `service.`. */
  readonly prefix?: string;
  /** Field paths (without prefix) whose values are secrets. */
  readonly secrets?: readonly string[];
}

/**
 * The changes from `before` (Kong, `undefined` when the object does not exist) to `after` (the
 * agent's view, `undefined` when the object goes away). The fields compared are those of `after`,
 * recursing into nested records; for a creation or a removal, the fields that are set.
 */
export function diffFields(
  before: Readonly<Record<string, unknown>> | undefined,
  after: Readonly<Record<string, unknown>> | undefined,
  options: DiffOptions = {},
): FieldChange[] {
  const prefix = options.prefix ?? "";
  const secrets = new Set(options.secrets ?? []);
  const shown = (path: string, value: unknown) =>
    secrets.has(path) && value !== null && value !== undefined ? REDACTED : value;
  const changes: FieldChange[] = [];
  if (after === undefined || before === undefined) {
    // A whole object comes or goes: its set fields are the change (unset ones say nothing).
    const side = after === undefined ? "before" : "after";
    for (const [path, value] of leaves(after ?? before ?? {})) {
      if (!isUnset(value)) changes.push({ field: `${prefix}${path}`, [side]: shown(path, value) });
    }
    return changes;
  }
  for (const [path, value] of leaves(after)) {
    const current = valueAt(before, path);
    if (!sameJson(normalise(current), normalise(value))) {
      changes.push({
        field: `${prefix}${path}`,
        before: shown(path, current ?? null),
        after: shown(path, value),
      });
    }
  }
  return changes;
}

/** True when every field of `after` (recursively) has the same value in `before`. */
export function sameFields(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
): boolean {
  return diffFields(before, after).length === 0;
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

/** Paths and values of the leaves of a record; arrays are leaves. */
function leaves(record: Readonly<Record<string, unknown>>, prefix = ""): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [key, value] of Object.entries(record)) {
    const path = `${prefix}${key}`;
    if (isRecord(value) && Object.keys(value).length > 0) out.push(...leaves(value, `${path}.`));
    else out.push([path, value]);
  }
  return out;
}

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
function normalise(value: unknown): unknown {
  if (value === undefined) return null;
  if (isRecord(value) && Object.keys(value).length === 0) return [];
  return value;
}

function isUnset(value: unknown): boolean {
  return value === null || value === undefined || (Array.isArray(value) && value.length === 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
