/**
 * One reconciliation of one kind, the same for policies, routes and credentials: the adapter plans
 * the desired state against what the agent owns on the gateway; items the source sent but the
 * agent could not read are added as failures (and what the agent already owns under their ids is
 * left alone rather than deleted); the mass-deletion guard reviews the deletes; then the plan is
 * returned (dry run) or applied.
 *
 * @module
 */

import type { DiscoveredApi, SyncAdapter } from "../gateways/adapter.ts";
import { redact } from "../observability/redact.ts";
import { applyPlan } from "./engine.ts";
import type { MassDeleteGuard } from "./mass_delete_guard.ts";
import type { Plan, PlanItem, SyncKind } from "./plan.ts";
import type { KindOutcome } from "./sync_report.ts";

/** An item the source sent that cannot be applied, with the reason. */
export interface InvalidItem {
  /** Source id (policy id, deployment id, consumer id). */
  readonly id: string;
  /** Human name, or the id when the item has none. */
  readonly name: string;
  /** What is wrong, in words a person understands. */
  readonly error: string;
  /** Route generation to echo, when the item carried one. */
  readonly generation?: number;
}

/** Options of {@linkcode reconcile}. */
export interface ReconcileOptions {
  /** Kind reconciled. */
  readonly kind: SyncKind;
  /** The adapter. */
  readonly adapter: SyncAdapter;
  /** Plans the desired state (reads only). */
  readonly plan: (adapter: SyncAdapter) => Promise<Plan>;
  /** Source items that could not be read; reported failed, their owned objects kept. */
  readonly invalid?: readonly InvalidItem[];
  /** The kind's guard against mass deletion. */
  readonly guard: MassDeleteGuard;
  /** Return the plan and write nothing. */
  readonly dryRun: boolean;
  /** Most items written at once. */
  readonly concurrency?: number;
  /** APIs found by the last discovery. */
  readonly discovered?: readonly DiscoveredApi[];
  /** When the run started (`Date.now()`), for the outcome's time and duration. */
  readonly startedAt: number;
  /** Aborts the run (shutdown). */
  readonly signal?: AbortSignal;
}

/**
 * Adds the invalid items to a plan. The adapter, not seeing them in the desired state, may have
 * planned to delete what the agent owns under their ids: those deletes are dropped ("nothing is
 * half-applied"), and the failed item says `update` when something is there, `create` otherwise.
 */
export function withInvalidItems(
  plan: Plan,
  invalid: readonly InvalidItem[],
): Plan {
  if (invalid.length === 0) return plan;
  const ids = new Set(invalid.map((item) => item.id));
  const present = new Set(
    plan.items.filter((item) => ids.has(item.id) && item.action !== "create").map((i) => i.id),
  );
  const kept = plan.items.filter((item) => !ids.has(item.id));
  const failed: PlanItem[] = invalid.map((item) => ({
    kind: plan.kind,
    id: item.id,
    name: item.name,
    action: present.has(item.id) ? "update" : "create",
    changes: [],
    error: item.error,
    ...(item.generation === undefined ? {} : { generation: item.generation }),
  }));
  return { ...plan, items: [...kept, ...failed] };
}

/** Plans, guards and (unless dry run) applies one kind; never throws except on abort. */
export async function reconcile(options: ReconcileOptions): Promise<KindOutcome> {
  const base = {
    kind: options.kind,
    dryRun: options.dryRun,
    at: new Date(options.startedAt).toISOString(),
  };
  let planned: Plan;
  try {
    planned = await options.plan(options.adapter);
  } catch (error) {
    options.signal?.throwIfAborted();
    return {
      ...base,
      status: "failed",
      error: `cannot plan on the gateway: ${redact(messageOf(error))}`,
      durationMs: Date.now() - options.startedAt,
    };
  }
  const decision = options.guard.review(withInvalidItems(planned, options.invalid ?? []), {
    commit: !options.dryRun,
  });
  const plan = decision.plan;
  const status = plan.held ? "held" : "ok";
  if (options.dryRun) {
    return { ...base, status, plan, durationMs: Date.now() - options.startedAt };
  }
  const results = await applyPlan(plan, {
    adapter: options.adapter,
    concurrency: options.concurrency,
    held: decision.held,
    holdReason: plan.held?.reason,
    discovered: options.discovered,
    signal: options.signal,
  });
  return { ...base, status, plan, results, durationMs: Date.now() - options.startedAt };
}

/** The message of an error or thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
