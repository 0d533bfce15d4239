/**
 * The `sync` section of `/status`: per kind the last run (status, error, counts, and the items
 * that changed, failed or are held), deletes held by the mass-deletion guard, the acknowledgement
 * outbox, the deployment event stream and Vault's token state. Secrets are redacted by the caller.
 *
 * @module
 */

import type { StreamStatus } from "../control_plane/event_stream.ts";
import type { VaultStatus } from "../credentials/vault_client.ts";
import { formatDuration } from "../config/duration.ts";
import type { PendingHold } from "../sync/mass_delete_guard.ts";
import type { OutboxStatus } from "../sync/outbox.ts";
import type { EventOutcome } from "../sync/route_sync.ts";
import {
  type ItemReport,
  itemReports,
  type KindOutcome,
  outcomeSummary,
} from "../sync/sync_report.ts";

/** Most items listed per kind in `/status` (changed, failed and held ones only). */
export const STATUS_ITEMS_LIMIT = 100;

/** What `/status` shows of one kind. */
export interface KindStatusInputs {
  /** `off` when the kind is not configured, else how it is driven. */
  readonly mode: "poll" | "events" | "off";
  /** Loop interval. */
  readonly intervalMs?: number;
  /** Why the kind is off. */
  readonly reason?: string;
  /** The last real run. */
  readonly last?: KindOutcome;
  /** Deletes waiting for confirmation. */
  readonly held?: PendingHold;
}

/** The `/status` entry of one kind. */
export function kindStatus(inputs: KindStatusInputs): Record<string, unknown> {
  const last = inputs.last;
  const items: ItemReport[] = last
    ? itemReports(last).filter((item) => item.status !== "unchanged")
    : [];
  return {
    mode: inputs.mode,
    ...(inputs.intervalMs === undefined ? {} : { interval: formatDuration(inputs.intervalMs) }),
    ...(inputs.reason === undefined ? {} : { reason: inputs.reason }),
    status: last?.status ?? (inputs.mode === "off" ? "off" : "not_run"),
    last_run_at: last?.at ?? null,
    last_duration_ms: last?.durationMs ?? null,
    error: last?.error ?? null,
    summary: last ? outcomeSummary(last) : null,
    held: inputs.held ?? null,
    items: items.slice(0, STATUS_ITEMS_LIMIT),
    ...(items.length > STATUS_ITEMS_LIMIT
      ? { items_omitted: items.length - STATUS_ITEMS_LIMIT }
      : {}),
  };
}

/** Inputs of {@linkcode syncStatus}. */
export interface SyncStatusInputs {
  /** Whether the gateway's adapter can sync (`null` while the gateway is not identified). */
  readonly available: boolean | null;
  /** Why it cannot. */
  readonly unavailableReason?: string;
  /** Policy sync. */
  readonly policies: KindStatusInputs;
  /** Route sync. */
  readonly routes: KindStatusInputs;
  /** Credential sync. */
  readonly credentials: KindStatusInputs;
  /** The last deployment event handled. */
  readonly lastEvent?: EventOutcome;
  /** The acknowledgement outbox. */
  readonly outbox: OutboxStatus;
  /** The event stream, when enabled. */
  readonly stream?: StreamStatus;
  /** Vault, when credential sync is configured. */
  readonly vault?: VaultStatus;
}

/** The `sync` section of `/status`. */
export function syncStatus(inputs: SyncStatusInputs): Record<string, unknown> {
  return {
    available: inputs.available,
    ...(inputs.unavailableReason === undefined ? {} : { reason: inputs.unavailableReason }),
    policies: kindStatus(inputs.policies),
    routes: {
      ...kindStatus(inputs.routes),
      last_event: inputs.lastEvent
        ? {
          deployment_id: inputs.lastEvent.deploymentId,
          status: inputs.lastEvent.ack.status,
          error: inputs.lastEvent.ack.error ?? null,
          at: inputs.lastEvent.at,
        }
        : null,
    },
    credentials: kindStatus(inputs.credentials),
    ack_outbox: inputs.outbox,
    event_stream: inputs.stream
      ? {
        state: inputs.stream.state,
        attempt: inputs.stream.attempt,
        connected_at: inputs.stream.connectedAt ?? null,
        events: inputs.stream.events,
        last_error: inputs.stream.lastError ?? null,
      }
      : null,
    vault: inputs.vault ?? null,
  };
}
