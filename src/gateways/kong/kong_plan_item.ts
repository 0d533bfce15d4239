/**
 * One planned item: the plan item shown to people plus the writes that carry it out. The writes
 * stay inside the adapter (the plan contract is gateway-neutral); {@linkcode KongPlanRegistry}
 * finds them again when the same item objects come back to `apply`.
 *
 * @module
 */

import type { ChangeAction, FieldChange, PlanItem, SyncKind } from "../../sync/plan.ts";
import type { EntityOp } from "./kong_operations.ts";

/** A plan item with its writes. */
export interface PlannedItem {
  /** What the plan shows. */
  readonly item: PlanItem;
  /** The writes, in order (empty for unchanged and failed items). */
  readonly ops: readonly EntityOp[];
}

/** Facts from which {@linkcode plannedItem} derives the action. */
export interface PlannedItemFacts {
  /** Kind of item. */
  readonly kind: SyncKind;
  /** Control Plane id. */
  readonly id: string;
  /** Human name. */
  readonly name: string;
  /** Where on Kong. */
  readonly target?: string;
  /** True when Kong has owned objects for the item now. */
  readonly exists: boolean;
  /** True when the item should exist after the sync. */
  readonly wanted: boolean;
  /** The writes. */
  readonly ops: readonly EntityOp[];
  /** Field changes. */
  readonly changes: readonly FieldChange[];
  /** Why the item cannot be applied. */
  readonly error?: string;
  /** Route generation to echo. */
  readonly generation?: number;
}

/**
 * Builds the plan item: `create` when nothing exists yet, `delete` when everything goes,
 * `unchanged` when there is nothing to write, `update` otherwise. A failed item writes nothing
 * and keeps the action it would have had, so the plan says what was attempted.
 */
export function plannedItem(facts: PlannedItemFacts): PlannedItem {
  let action: ChangeAction;
  if (facts.error !== undefined) action = facts.exists ? "update" : "create";
  else if (facts.ops.length === 0) action = "unchanged";
  else if (!facts.exists) action = "create";
  else if (!facts.wanted) action = "delete";
  else action = "update";
  const item: PlanItem = {
    kind: facts.kind,
    id: facts.id,
    name: facts.name,
    action,
    ...(facts.target === undefined ? {} : { target: facts.target }),
    changes: facts.error !== undefined || action === "unchanged" ? [] : facts.changes,
    ...(facts.error === undefined ? {} : { error: facts.error }),
    ...(facts.generation === undefined ? {} : { generation: facts.generation }),
  };
  return { item, ops: facts.error === undefined ? facts.ops : [] };
}

/** The writes of planned items and the mode they were planned for. */
export interface PlannedWork {
  /** Writes of the item. */
  readonly ops: readonly EntityOp[];
  /** True when planned against a Kong without database. */
  readonly dbless: boolean;
}

/**
 * Remembers the writes of each item this adapter planned. Keyed by the item object: the engine
 * may filter a plan or wrap its items in a new plan, and the writes are still found.
 */
export class KongPlanRegistry {
  readonly #work = new WeakMap<PlanItem, PlannedWork>();

  /** Records the writes of `item`. */
  remember(item: PlanItem, work: PlannedWork): void {
    this.#work.set(item, work);
  }

  /** The writes of an item planned by this adapter, or `undefined`. */
  recall(item: PlanItem): PlannedWork | undefined {
    return this.#work.get(item);
  }
}
