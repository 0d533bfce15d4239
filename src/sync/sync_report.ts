/**
 * The outcome of a sync run, and its JSON: the body of `POST /sync` (and `?dry_run=true`), the
 * per-kind part of `/status`, and what `stoactl connect sync|plan --output json` prints.
 *
 * ## The `POST /sync` contract (stable)
 *
 * ```jsonc
 * {
 *   "dry_run": false,                 // true for POST /sync?dry_run=true: a plan, nothing written
 *   "policies":    KindReport,
 *   "routes":      KindReport,
 *   "credentials": KindReport         // "skipped" when credential sync is not configured
 * }
 * ```
 *
 * `KindReport`:
 *
 * ```jsonc
 * {
 *   "status": "ok" | "failed" | "skipped" | "held",
 *   //  ok      the kind ran (individual items may still have failed: see items and summary)
 *   //  failed  the kind could not run at all: Control Plane, Vault or gateway unreachable
 *   //  skipped the kind does not apply (adapter cannot sync, credential sync not configured)
 *   //  held    the kind ran, but deletes were held by the mass-deletion guard
 *   "error": "…",                     // present for failed and skipped: what happened, what to do
 *   "held": {"reason": "…", "deletes": 3, "owned": 4},   // present when deletes are held
 *   "summary": {"create": 1, "update": 0, "delete": 3, "unchanged": 12, "failed": 1},
 *   "items": [Item, …]                // every item of the plan, unchanged ones included
 * }
 * ```
 *
 * `summary` counts items by planned action; an item that failed (invalid, not expressible on this
 * gateway, or refused while being written) counts as `failed` instead. Held deletes count as
 * `delete` (the `held` block says how many of them wait).
 *
 * `Item`:
 *
 * ```jsonc
 * {
 *   "kind": "policy" | "route" | "credential",
 *   "id": "…",                         // policy id, deployment id or consumer id
 *   "name": "…",
 *   "action": "create" | "update" | "delete" | "unchanged",
 *   "status": "applied" | "removed" | "unchanged" | "failed" | "held",   // absent in dry runs
 *   "target": "…",                     // where on the gateway, when the adapter says
 *   "error": "…",                      // why it failed, or why it is held
 *   "changes": [{"field": "config.minute", "before": 100, "after": 200}],  // absent when none
 *   "generation": 3                    // routes: the deployment generation echoed to the CP
 * }
 * ```
 *
 * Values of secret-looking fields (keys, secrets, passwords, tokens) in `changes` are replaced by
 * `"[REDACTED]"`; every string goes through redaction.
 *
 * HTTP status of `POST /sync`: **502** when a kind could not run (`failed`); otherwise **200** for
 * a dry run or when every item succeeded, **207** when some items failed. `skipped` and `held`
 * kinds do not change the status.
 *
 * @module
 */

import { redactValue } from "../observability/redact.ts";
import type { AppliedItem } from "./engine.ts";
import {
  type FieldChange,
  type ItemStatus,
  type Plan,
  type PlanSummary,
  summarise,
  type SyncKind,
} from "./plan.ts";

/** How a kind's run ended. */
export type KindStatus = "ok" | "failed" | "skipped" | "held";

/** The outcome of one kind's run, as the syncers produce it. */
export interface KindOutcome {
  /** Kind synchronised. */
  readonly kind: SyncKind;
  /** How the run ended. */
  readonly status: KindStatus;
  /** Why it failed or was skipped. */
  readonly error?: string;
  /** The plan (absent when the kind could not plan). */
  readonly plan?: Plan;
  /** One result per plan item (absent for dry runs and failed runs). */
  readonly results?: readonly AppliedItem[];
  /** True when nothing was written on purpose. */
  readonly dryRun: boolean;
  /** When the run started (ISO 8601). */
  readonly at: string;
  /** How long it took. */
  readonly durationMs: number;
}

/** One item of a {@linkcode KindReport}. */
export interface ItemReport {
  /** `policy`, `route` or `credential`. */
  readonly kind: SyncKind;
  /** Policy id, deployment id or consumer id. */
  readonly id: string;
  /** Human name. */
  readonly name: string;
  /** What the plan does with the item. */
  readonly action: "create" | "update" | "delete" | "unchanged";
  /** What happened (absent in dry runs). */
  readonly status?: ItemStatus;
  /** Where on the gateway, in the gateway's words. */
  readonly target?: string;
  /** Why it failed, or why it is held. */
  readonly error?: string;
  /** Fields that change, secret-looking values hidden (absent when none). */
  readonly changes?: readonly FieldChange[];
  /** Routes: the deployment generation echoed to the Control Plane. */
  readonly generation?: number;
}

/** The report of one kind. */
export interface KindReport {
  /** How the kind's run ended. */
  readonly status: KindStatus;
  /** What happened and what to do, for `failed` and `skipped`. */
  readonly error?: string;
  /** Deletes held by the mass-deletion guard. */
  readonly held?: { readonly reason: string; readonly deletes: number; readonly owned: number };
  /** Counts by planned action, failures apart. */
  readonly summary: PlanSummary;
  /** Every item of the plan. */
  readonly items: readonly ItemReport[];
}

/** The body of `POST /sync`. */
export interface SyncReport {
  /** True when only the plan was computed. */
  readonly dry_run: boolean;
  /** Policies from the Control Plane. */
  readonly policies: KindReport;
  /** Deployed routes. */
  readonly routes: KindReport;
  /** Consumer credentials from Vault. */
  readonly credentials: KindReport;
}

const SECRET_FIELD = /(secret|password|passwd|token|private|(^|[._-])key$|api_?key)/i;
const HIDDEN = "[REDACTED]";

/** A change with secret-looking values hidden. */
function safeChange(change: FieldChange, kind: SyncKind): FieldChange {
  const last = change.field.split(".").at(-1) ?? change.field;
  const secret = SECRET_FIELD.test(last) || (kind === "credential" && /key|secret/i.test(last));
  if (!secret) return change;
  return {
    field: change.field,
    ...("before" in change && change.before !== undefined ? { before: HIDDEN } : {}),
    ...("after" in change && change.after !== undefined ? { after: HIDDEN } : {}),
  };
}

/** The items of an outcome: the plan's items with their results. */
export function itemReports(outcome: KindOutcome): ItemReport[] {
  const plan = outcome.plan;
  if (!plan) return [];
  return plan.items.map((item, index) => {
    const result = outcome.results?.[index];
    const error = result?.error ?? item.error;
    const generation = result?.generation ?? item.generation;
    return {
      kind: item.kind,
      id: item.id,
      name: item.name,
      action: item.action,
      ...(result ? { status: result.status } : {}),
      ...(item.target === undefined ? {} : { target: item.target }),
      ...(error === undefined ? {} : { error }),
      ...(item.changes.length > 0
        ? { changes: item.changes.map((change) => safeChange(change, item.kind)) }
        : {}),
      ...(generation === undefined ? {} : { generation }),
    };
  });
}

/** Counts of an outcome: the plan's actions, with items that failed counted as failed. */
export function outcomeSummary(outcome: KindOutcome): PlanSummary {
  if (!outcome.plan) return { create: 0, update: 0, delete: 0, unchanged: 0, failed: 0 };
  if (!outcome.results) return summarise(outcome.plan);
  const summary = { create: 0, update: 0, delete: 0, unchanged: 0, failed: 0 };
  outcome.plan.items.forEach((item, index) => {
    if (outcome.results?.[index]?.status === "failed") summary.failed++;
    else summary[item.action]++;
  });
  return summary;
}

/** The report of one kind. */
export function kindReport(outcome: KindOutcome): KindReport {
  return redactValue({
    status: outcome.status,
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
    ...(outcome.plan?.held ? { held: outcome.plan.held } : {}),
    summary: outcomeSummary(outcome),
    items: itemReports(outcome),
  });
}

/** The body of `POST /sync`. */
export function syncReport(outcomes: {
  readonly dryRun: boolean;
  readonly policies: KindOutcome;
  readonly routes: KindOutcome;
  readonly credentials: KindOutcome;
}): SyncReport {
  return {
    dry_run: outcomes.dryRun,
    policies: kindReport(outcomes.policies),
    routes: kindReport(outcomes.routes),
    credentials: kindReport(outcomes.credentials),
  };
}

/** The HTTP status of a `POST /sync` answer: 502, 207 or 200 (see the module documentation). */
export function syncHttpStatus(report: SyncReport): 200 | 207 | 502 {
  const kinds = [report.policies, report.routes, report.credentials];
  if (kinds.some((kind) => kind.status === "failed")) return 502;
  if (report.dry_run) return 200;
  return kinds.some((kind) => kind.summary.failed > 0) ? 207 : 200;
}

/** An outcome for a kind that did not run (skipped, or failed before planning). */
export function outcomeWithoutPlan(options: {
  readonly kind: SyncKind;
  readonly status: "failed" | "skipped";
  readonly error: string;
  readonly dryRun: boolean;
  readonly startedAt?: number;
}): KindOutcome {
  const started = options.startedAt ?? Date.now();
  return {
    kind: options.kind,
    status: options.status,
    error: options.error,
    dryRun: options.dryRun,
    at: new Date(started).toISOString(),
    durationMs: Date.now() - started,
  };
}
