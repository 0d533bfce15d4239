/**
 * Small gateway-neutral helpers the Gravitee sync uses: field-level diffs for plan items, masked
 * secrets, and bounded concurrency. Nothing here knows Gravitee; they are candidates for a shared
 * module once a second adapter needs them.
 *
 * @module
 */

import type { FieldChange } from "../../sync/plan.ts";

/** Shown instead of a secret value in a plan. */
export const MASKED = "[REDACTED]";

/**
 * Field-level differences between two JSON-like values, as dotted paths (`rate.limit`,
 * `allowOrigin`); arrays are compared as a whole. `undefined` on one side means created or
 * removed. Values at paths listed in `secret` are shown as {@linkcode MASKED}.
 */
export function diffFields(
  before: unknown,
  after: unknown,
  options: { readonly prefix?: string; readonly secret?: readonly string[] } = {},
): FieldChange[] {
  const changes: FieldChange[] = [];
  const secret = new Set(options.secret ?? []);
  const walk = (a: unknown, b: unknown, path: string) => {
    if ((isRecord(a) || a === undefined) && (isRecord(b) || b === undefined) && a !== b) {
      a ??= {};
      b ??= {};
      const before = a as Record<string, unknown>;
      const after = b as Record<string, unknown>;
      for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
        walk(before[key], after[key], path ? `${path}.${key}` : key);
      }
      return;
    }
    if (sameValue(a, b)) return;
    const masked = secret.has(path);
    const change: { field: string; before?: unknown; after?: unknown } = { field: path };
    if (a !== undefined) change.before = masked ? MASKED : a;
    if (b !== undefined) change.after = masked ? MASKED : b;
    changes.push(change);
  };
  walk(before, after, options.prefix ?? "");
  return changes;
}

/** Deep equality of JSON-like values (key order ignored, array order kept). */
export function sameValue(a: unknown, b: unknown): boolean {
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

/** True for plain objects (not arrays, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Runs `task` on every item with at most `limit` running at once and returns the results in the
 * items' order. A task that throws rejects the whole call, so tasks report failures as values.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index], index);
    }
  };
  const workers = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

/** The message of anything thrown. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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

/**
 * Runs tasks one after the other per key, different keys side by side: two syncs that read,
 * change and save the same object must not overwrite each other's change.
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `task` once every earlier task of `key` has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => {});
    this.#tails.set(key, tail);
    tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
