/**
 * Plans with their writes attached: every item a planner makes comes with the operation that
 * applies it, kept by the adapter until `apply` receives the item. A plan is a plain value (printed
 * by `POST /sync?dry_run=true`), so the operations live beside it, found again by item identity, or
 * by kind, id, target and action for an item that was copied.
 *
 * @module
 */

import type { SyncOptions } from "../adapter.ts";
import { redact } from "../../observability/redact.ts";
import { DEFAULT_CONCURRENCY, mapConcurrent } from "../concurrency.ts";
import { errorText } from "../error_text.ts";
import {
  itemKey,
  type ItemResult,
  type Plan,
  type PlanItem,
  type SyncKind,
} from "../../sync/plan.ts";

/** The writes of one plan item. Throws with a reason a person understands when they fail. */
export type Operation = (signal?: AbortSignal) => Promise<void>;

/** A plan item and, unless it is unchanged or invalid, how to apply it. */
export interface PlannedItem {
  /** The item, as shown in the plan. */
  readonly item: PlanItem;
  /** Its writes. */
  readonly operation?: Operation;
}

/** Keeps the operations of the latest plans. */
export class OperationBook {
  readonly #byItem = new WeakMap<PlanItem, Operation>();
  readonly #latest = new Map<SyncKind, Map<string, { item: PlanItem; operation: Operation }>>();

  /** Records a planner's items and returns the plan. */
  record(kind: SyncKind, planned: readonly PlannedItem[]): Plan {
    const latest = new Map<string, { item: PlanItem; operation: Operation }>();
    for (const { item, operation } of planned) {
      if (!operation) continue;
      this.#byItem.set(item, operation);
      latest.set(itemKey(item), { item, operation });
    }
    this.#latest.set(kind, latest);
    return { kind, items: planned.map(({ item }) => item) };
  }

  /** The operation of an item of a recorded plan, or `undefined`. */
  find(item: PlanItem): Operation | undefined {
    const own = this.#byItem.get(item);
    if (own) return own;
    const entry = this.#latest.get(item.kind)?.get(itemKey(item));
    return entry && entry.item.action === item.action ? entry.operation : undefined;
  }

  /**
   * Applies a plan: one result per item, in order, `concurrency` items at once. Invalid and
   * unchanged items are reported without a call; a failing item never stops the others.
   */
  apply(plan: Plan, options: SyncOptions = {}): Promise<ItemResult[]> {
    return mapConcurrent(
      plan.items,
      options.concurrency ?? DEFAULT_CONCURRENCY,
      (item) => this.#applyOne(item, options.signal),
    );
  }

  async #applyOne(item: PlanItem, signal: AbortSignal | undefined): Promise<ItemResult> {
    const base = {
      kind: item.kind,
      id: item.id,
      name: item.name,
      action: item.action,
      ...(item.generation === undefined ? {} : { generation: item.generation }),
    };
    if (item.error !== undefined) return { ...base, status: "failed", error: item.error };
    if (item.action === "unchanged") return { ...base, status: "unchanged" };
    const operation = this.find(item);
    if (!operation) {
      return {
        ...base,
        status: "failed",
        error:
          "this item does not come from the latest plan of this adapter; plan again, then apply",
      };
    }
    try {
      signal?.throwIfAborted();
      await operation(signal);
      return { ...base, status: item.action === "delete" ? "removed" : "applied" };
    } catch (error) {
      if (signal?.aborted) throw error;
      return {
        ...base,
        status: "failed",
        error: redact(errorText(error)),
      };
    }
  }
}

/**
 * Removes every item, going on after a failure, and throws one error that counts them (the Go
 * agent's `removed X/N` of GO-1 C.1): a duplicate that cannot be removed does not keep the others.
 */
export async function removeEvery<T>(
  items: readonly T[],
  what: string,
  remove: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let failures = 0;
  let last: unknown;
  for (const item of items) {
    try {
      await remove(item);
    } catch (error) {
      if (signal?.aborted) throw error;
      failures++;
      last = error;
    }
  }
  if (failures > 0) {
    throw new Error(
      `removed ${items.length - failures}/${items.length} ${what}; last error: ${errorText(last)}`,
    );
  }
}
