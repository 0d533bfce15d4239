/**
 * The log lines of a sync run: one summary per run (info when something changed or failed, debug
 * for a quiet cycle so that a healthy agent does not fill the log), one warning per failed item.
 *
 * @module
 */

import { log } from "../observability/logger.ts";
import { type KindOutcome, outcomeSummary } from "./sync_report.ts";

/** Most failed items logged one by one per run; the rest are counted. */
const MAX_ITEM_LINES = 20;

/** Logs the outcome of one real run under `area` (e.g. `policy-sync`). */
export function logOutcome(area: string, outcome: KindOutcome): void {
  const logger = log(area);
  if (outcome.status === "failed" || outcome.status === "skipped") {
    const properties = { kind: outcome.kind, status: outcome.status, error: outcome.error };
    if (outcome.status === "failed") logger.warn("{kind} sync {status}: {error}", properties);
    else logger.info("{kind} sync {status}: {error}", properties);
    return;
  }
  const summary = outcomeSummary(outcome);
  const held = outcome.plan?.held?.deletes ?? 0;
  const properties = { kind: outcome.kind, ...summary, held, ms: outcome.durationMs };
  // Held deletes are planned deletes that did not happen: say so rather than "deleted".
  const message = held > 0
    ? "{kind} sync: {create} created, {update} updated, {delete} to delete of which {held} held, {unchanged} unchanged, {failed} failed ({ms} ms)"
    : "{kind} sync: {create} created, {update} updated, {delete} deleted, {unchanged} unchanged, {failed} failed ({ms} ms)";
  if (summary.create + summary.update + summary.delete + summary.failed > 0) {
    logger.info(message, properties);
  } else {
    logger.debug(message, properties);
  }
  const failures = (outcome.results ?? []).filter((result) => result.status === "failed");
  for (const result of failures.slice(0, MAX_ITEM_LINES)) {
    logger.warn("{kind} {name} ({id}) failed: {error}", {
      kind: result.kind,
      name: result.name,
      id: result.id,
      error: result.error,
    });
  }
  if (failures.length > MAX_ITEM_LINES) {
    logger.warn("{count} more {kind} items failed; see /status", {
      count: failures.length - MAX_ITEM_LINES,
      kind: outcome.kind,
    });
  }
}
