/**
 * How one route-sync-ack item moves a deployment (contract §8.3 rules 2–8): the CP's own
 * `event_emitted` step is prepended, a failed step turns `applied` into `failed`, stale
 * generations are dropped silently, and a failed re-ack of a stable synced deployment (same
 * generation, or a connectivity-looking error) keeps it `synced`.
 *
 * @module
 */

import { type JsonObject, pythonIsoformat } from "./python_format.ts";
import type { DeploymentRecord } from "./records.ts";
import type { SyncedRoute } from "./request_models.ts";

/** Error texts (lower-cased substrings) the CP reads as "the gateway was unreachable". */
export const CONNECTIVITY_MARKERS: readonly string[] = [
  "connection reset",
  "connection refused",
  "connect: connection",
  "clientconnectordnserror",
  "context deadline exceeded",
  "did not acknowledge",
  "eof",
  "gateway unreachable",
  "i/o timeout",
  "no route to host",
  "temporarily unavailable",
  "timed out",
  "timeout",
];

/** What happened to one ack item; only `processed` is counted in the response. */
export type AckOutcome = "processed" | "stale" | "ignored";

/** Applies one already-matched ack item to its deployment (rule 1 is the caller's). */
export function applyRouteAck(
  deployment: DeploymentRecord,
  item: SyncedRoute,
  now: Date,
): AckOutcome {
  const steps = item.steps === null ? null : [cpDispatchStep(now), ...item.steps];
  const stepError = steps ? firstStepError(steps) : null;

  if (item.generation !== null && item.generation < deployment.desired_generation) return "stale";

  const status = item.status === "applied" && stepError !== null ? "failed" : item.status;
  const error = stepError ?? item.error;

  if (status === "failed" && isStableSynced(deployment, error)) {
    if (item.generation !== null) {
      deployment.attempted_generation = Math.max(deployment.attempted_generation, item.generation);
    }
    deployment.last_sync_attempt = now;
    deployment.updated_at = now;
    return "processed";
  }

  if (status === "applied") {
    deployment.sync_status = "synced";
    deployment.last_sync_success = now;
    deployment.sync_error = null;
    if (steps) deployment.sync_steps = steps;
    if (item.generation !== null) {
      deployment.synced_generation = item.generation;
      deployment.attempted_generation = item.generation;
    }
  } else if (status === "failed") {
    deployment.sync_status = "error";
    deployment.sync_error = error;
    if (steps) deployment.sync_steps = steps;
    if (item.generation !== null) deployment.attempted_generation = item.generation;
  } else {
    return "ignored";
  }
  deployment.last_sync_attempt = now;
  deployment.updated_at = now;
  return "processed";
}

/** True when a failure must not turn a working route red (rule 5). */
function isStableSynced(deployment: DeploymentRecord, error: string | null): boolean {
  if (deployment.sync_status !== "synced" || deployment.last_sync_success === null) return false;
  if (deployment.synced_generation >= deployment.desired_generation) return true;
  const text = (error ?? "").toLowerCase();
  return CONNECTIVITY_MARKERS.some((marker) => text.includes(marker));
}

function cpDispatchStep(now: Date): JsonObject {
  const at = pythonIsoformat(now);
  return {
    name: "event_emitted",
    status: "success",
    started_at: at,
    completed_at: at,
    detail: "deployment dispatched to agent",
  };
}

function firstStepError(steps: readonly JsonObject[]): string | null {
  const failed = steps.find((step) => step.status === "failed");
  if (!failed) return null;
  if (typeof failed.detail === "string" && failed.detail) return failed.detail;
  return `Step '${failed.name ?? "unknown"}' failed`;
}
