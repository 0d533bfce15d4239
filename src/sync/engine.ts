/**
 * The apply half of the sync engine: turns a plan into one result per item. Items the plan marks
 * unchanged, invalid or held never reach the adapter; every other item is written on its own, at
 * most `concurrency` at once (deletes first, so a name or path freed by a delete is free for a
 * create), and an adapter failure for one item becomes that item's `failed` result without
 * stopping or colouring the others.
 *
 * @module
 */

import type { DiscoveredApi, SyncAdapter } from "../gateways/adapter.ts";
import { DEFAULT_CONCURRENCY, forEachBounded } from "../gateways/concurrency.ts";
import { errorText } from "../gateways/error_text.ts";
import { redact } from "../observability/redact.ts";
import { itemKey, type ItemResult, type Plan, type PlanItem } from "./plan.ts";

/** Options of {@linkcode applyPlan}. */
export interface ApplyPlanOptions {
  /** The adapter that writes. */
  readonly adapter: SyncAdapter;
  /** Most items written at once (default {@linkcode DEFAULT_CONCURRENCY}). */
  readonly concurrency?: number;
  /**
   * Keys ({@linkcode itemKey}) of deletes held back by the mass-deletion guard: reported `held`
   * with {@linkcode ApplyPlanOptions.holdReason}, never applied.
   */
  readonly held?: ReadonlySet<string>;
  /** Why the held deletes wait. */
  readonly holdReason?: string;
  /** APIs found by the last discovery, passed to the adapter. */
  readonly discovered?: readonly DiscoveredApi[];
  /** Aborts the items not started yet (shutdown); the call then rejects. */
  readonly signal?: AbortSignal;
}

/** The result of one item, with when its write started and ended (for route ack steps). */
export interface AppliedItem extends ItemResult {
  /** When the engine handled the item (its write started, for written items). */
  readonly startedAt: Date;
  /** When the item's outcome was known. */
  readonly completedAt: Date;
}

/** True when the plan item makes the engine call the adapter. */
function writes(item: PlanItem, held: ReadonlySet<string> | undefined): boolean {
  if (item.error !== undefined || item.action === "unchanged") return false;
  return !(item.action === "delete" && held?.has(itemKey(item)));
}

/**
 * Applies `plan` and returns one result per plan item, in plan order. Never throws for an item;
 * rejects only when `signal` aborts.
 */
export async function applyPlan(plan: Plan, options: ApplyPlanOptions): Promise<AppliedItem[]> {
  const results: AppliedItem[] = new Array(plan.items.length);
  const pending: number[] = [];
  plan.items.forEach((item, index) => {
    if (writes(item, options.held)) {
      pending.push(index);
      return;
    }
    const now = new Date();
    results[index] = { ...skipped(item, options.holdReason), startedAt: now, completedAt: now };
  });
  // Deletes first: a create may reuse the name or path a delete frees.
  const deletes = pending.filter((index) => plan.items[index].action === "delete");
  const others = pending.filter((index) => plan.items[index].action !== "delete");
  for (const phase of [deletes, others]) {
    await forEachBounded(phase, options.concurrency ?? DEFAULT_CONCURRENCY, async (index) => {
      options.signal?.throwIfAborted();
      results[index] = await applyOne(plan, plan.items[index], options);
    });
  }
  return results;
}

/** The result of an item that is not written. */
function skipped(item: PlanItem, holdReason: string | undefined): ItemResult {
  const base = { kind: item.kind, id: item.id, name: item.name, action: item.action };
  const generation = item.generation === undefined ? {} : { generation: item.generation };
  if (item.error !== undefined) {
    return { ...base, ...generation, status: "failed", error: item.error };
  }
  if (item.action === "unchanged") return { ...base, ...generation, status: "unchanged" };
  return {
    ...base,
    ...generation,
    status: "held",
    error: holdReason ?? "held by the mass-deletion guard",
  };
}

async function applyOne(
  plan: Plan,
  item: PlanItem,
  options: ApplyPlanOptions,
): Promise<AppliedItem> {
  const startedAt = new Date();
  const identity = { kind: item.kind, id: item.id, name: item.name, action: item.action };
  const generation = item.generation === undefined ? {} : { generation: item.generation };
  let result: ItemResult;
  try {
    const answer = await options.adapter.apply({ kind: plan.kind, items: [item] }, {
      signal: options.signal,
      discovered: options.discovered,
      concurrency: 1,
    });
    const own = answer.length === 1 && answer[0].id === item.id ? answer[0] : undefined;
    result = own
      ? { ...generation, ...own, ...identity, ...(own.error ? { error: redact(own.error) } : {}) }
      : {
        ...identity,
        ...generation,
        status: "failed",
        error: `the ${plan.kind} adapter returned no result for this item (a stoa-connect bug)`,
      };
  } catch (error) {
    options.signal?.throwIfAborted();
    result = {
      ...identity,
      ...generation,
      status: "failed",
      error: redact(errorText(error)),
    };
  }
  return { ...result, startedAt, completedAt: new Date() };
}
