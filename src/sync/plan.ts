/**
 * The plan: what a sync will change on the gateway, item by item, before it changes anything. The
 * same value is printed by `POST /sync?dry_run=true` and `stoactl connect plan`, and applied by
 * `POST /sync` and the sync loops (DESIGN.md, principle 2).
 *
 * @module
 */

/** What is being synchronised. */
export type SyncKind = "policy" | "route" | "credential";

/** What the plan does with one item. */
export type ChangeAction = "create" | "update" | "delete" | "unchanged";

/** One field that differs between the gateway and the desired state. */
export interface FieldChange {
  /** Dotted path of the field, e.g. `config.minute`. */
  readonly field: string;
  /** Value on the gateway now (absent when created). */
  readonly before?: unknown;
  /** Value after the sync (absent when deleted). */
  readonly after?: unknown;
}

/** One item of a plan: one policy, one deployed route or one consumer. */
export interface PlanItem {
  /** Kind of item. */
  readonly kind: SyncKind;
  /** Control Plane id: policy id, deployment id or consumer id. */
  readonly id: string;
  /** Human name (policy name, API name, consumer). */
  readonly name: string;
  /** What the sync does. */
  readonly action: ChangeAction;
  /** Where on the gateway, in the gateway's words (e.g. `global`, `service orders-api`). */
  readonly target?: string;
  /** Fields that change (empty for `unchanged`; every field for `create`/`delete`). */
  readonly changes: readonly FieldChange[];
  /**
   * Why the item cannot be applied (invalid, or not expressible on this gateway). Such an item is
   * reported `failed` with this reason and never touches the gateway.
   */
  readonly error?: string;
  /** Route generation to echo in the acknowledgement. */
  readonly generation?: number;
}

/** A plan for one kind of item. */
export interface Plan {
  /** Kind of the items. */
  readonly kind: SyncKind;
  /** Every item, including unchanged ones. */
  readonly items: readonly PlanItem[];
  /**
   * Set when the deletes were held back by the mass-deletion guard: they are shown, but will be
   * applied only if the next cycle confirms them.
   */
  readonly held?: { readonly reason: string; readonly deletes: number; readonly owned: number };
}

/** Final status of one item after a sync. */
export type ItemStatus = "applied" | "removed" | "unchanged" | "failed" | "held";

/** The outcome of one item. */
export interface ItemResult {
  /** Kind of item. */
  readonly kind: SyncKind;
  /** Control Plane id. */
  readonly id: string;
  /** Human name. */
  readonly name: string;
  /** What was planned. */
  readonly action: ChangeAction;
  /** What happened. */
  readonly status: ItemStatus;
  /** Why it failed (or was held). */
  readonly error?: string;
  /** Route generation, echoed. */
  readonly generation?: number;
}

/** Counts of a plan or of results, for summaries. */
export interface PlanSummary {
  /** Items created. */
  readonly create: number;
  /** Items updated. */
  readonly update: number;
  /** Items deleted (or held). */
  readonly delete: number;
  /** Items already as desired. */
  readonly unchanged: number;
  /** Items that cannot be or were not applied. */
  readonly failed: number;
}

/** Counts the actions of a plan (items with an error count as failed). */
export function summarise(plan: Plan): PlanSummary {
  const summary = { create: 0, update: 0, delete: 0, unchanged: 0, failed: 0 };
  for (const item of plan.items) {
    if (item.error !== undefined) summary.failed++;
    else summary[item.action]++;
  }
  return summary;
}

/** True when applying the plan would write to the gateway. */
export function hasChanges(plan: Plan): boolean {
  return plan.items.some((item) => item.error === undefined && item.action !== "unchanged");
}

/**
 * Identity of one item within its plan: the Control Plane id and the gateway target, since one
 * policy can land on several targets. Used to hold and confirm deletes across cycles.
 */
export function itemKey(item: Pick<PlanItem, "id" | "target">): string {
  return `${item.id}\u0000${item.target ?? ""}`;
}
