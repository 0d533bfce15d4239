/**
 * Prometheus metrics of one agent (prom-client, one registry per agent so tests can run several).
 * Every name starts with `stoa_connect_`; labels are low-cardinality by design (no tenant, no ids).
 *
 * @module
 */

import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { VERSION } from "../version.ts";

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

/** What {@linkcode AgentMetrics.recordSync} needs of a sync run. */
export interface SyncRunRecord {
  /** `policy`, `route` or `credential`. */
  readonly kind: string;
  /** `ok`, `held`, `failed` or `skipped`. */
  readonly status: string;
  /** Duration of the run. */
  readonly durationMs: number;
  /** Final status of every item. */
  readonly itemStatuses: readonly string[];
  /** Deletes held after the run. */
  readonly heldDeletes: number;
}

/** The agent's metrics. */
export class AgentMetrics {
  /** The registry to expose on `/metrics`. */
  readonly registry: Registry = new Registry();
  /** Registration attempts by outcome (`success`, `failure`). */
  readonly registrations: Counter<"outcome">;
  /** Heartbeats the Control Plane accepted. */
  readonly heartbeatsSent: Counter;
  /** Heartbeats that failed, by reason (`not_found`, `unauthorized`, `error`). */
  readonly heartbeatsFailed: Counter<"reason">;
  /** Discovery runs by outcome. */
  readonly discoveryRuns: Counter<"outcome">;
  /** Discovery failures. */
  readonly discoveryErrors: Counter;
  /** Duration of whole discovery runs. */
  readonly discoveryDuration: Histogram;
  /** APIs found by the last successful discovery. */
  readonly discoveredApis: Gauge;
  /** 1 when the gateway admin API answered the last probe or discovery. */
  readonly gatewayUp: Gauge;
  /** 1 while the agent holds a gateway id. */
  readonly registered: Gauge;
  /** Control Plane calls by endpoint and status (`network`/`timeout` when no status). */
  readonly cpRequestDuration: Histogram<"endpoint" | "status">;
  /** Build information. */
  readonly buildInfo: Gauge<"version">;
  /** Sync runs by kind and outcome (`ok`, `held`, `failed`, `skipped`). */
  readonly syncRuns: Counter<"kind" | "outcome">;
  /** Sync items by kind and final status (`applied`, `removed`, `unchanged`, `failed`, `held`). */
  readonly syncItems: Counter<"kind" | "status">;
  /** Duration of whole sync runs, by kind. */
  readonly syncDuration: Histogram<"kind">;
  /** Deletes held by the mass-deletion guard, by kind. */
  readonly syncHeldDeletes: Gauge<"kind">;
  /** Acknowledgements waiting for the Control Plane. */
  readonly ackOutboxSize: Gauge;
  /** Acknowledgements the Control Plane accepted. */
  readonly acksDelivered: Counter;
  /** Acknowledgements dropped because the Control Plane refused them for good. */
  readonly acksDropped: Counter;
  /** 1 while the deployment event stream is connected. */
  readonly eventStreamConnected: Gauge;
  /** Events received on the deployment stream, by type. */
  readonly eventStreamEvents: Counter<"type">;

  /** Creates and registers every metric; `startedAt` feeds the uptime gauge. */
  constructor(startedAt: number = Date.now()) {
    const registers = [this.registry];
    this.registrations = new Counter({
      name: "stoa_connect_registrations_total",
      help: "Registration attempts with the Control Plane, by outcome.",
      labelNames: ["outcome"],
      registers,
    });
    this.heartbeatsSent = new Counter({
      name: "stoa_connect_heartbeats_sent_total",
      help: "Heartbeats accepted by the Control Plane.",
      registers,
    });
    this.heartbeatsFailed = new Counter({
      name: "stoa_connect_heartbeats_failed_total",
      help: "Heartbeats that failed, by reason.",
      labelNames: ["reason"],
      registers,
    });
    this.discoveryRuns = new Counter({
      name: "stoa_connect_discovery_runs_total",
      help: "Discovery runs, by outcome.",
      labelNames: ["outcome"],
      registers,
    });
    this.discoveryErrors = new Counter({
      name: "stoa_connect_discovery_errors_total",
      help: "Discovery runs that failed.",
      registers,
    });
    this.discoveryDuration = new Histogram({
      name: "stoa_connect_discovery_duration_seconds",
      help: "Duration of whole discovery runs (all admin calls).",
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.discoveredApis = new Gauge({
      name: "stoa_connect_discovered_apis",
      help: "APIs found on the gateway by the last successful discovery.",
      registers,
    });
    this.gatewayUp = new Gauge({
      name: "stoa_connect_gateway_up",
      help: "1 when the gateway admin API answered the last call, else 0.",
      registers,
    });
    this.registered = new Gauge({
      name: "stoa_connect_registered",
      help: "1 while the agent is registered with the Control Plane, else 0.",
      registers,
    });
    this.cpRequestDuration = new Histogram({
      name: "stoa_connect_cp_request_duration_seconds",
      help: "Control Plane calls by endpoint and HTTP status.",
      labelNames: ["endpoint", "status"],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.buildInfo = new Gauge({
      name: "stoa_connect_build_info",
      help: "Build information; the value is always 1.",
      labelNames: ["version"],
      registers,
    });
    this.buildInfo.set({ version: VERSION }, 1);
    this.syncRuns = new Counter({
      name: "stoa_connect_sync_runs_total",
      help: "Sync runs (policies, routes, credentials), by kind and outcome.",
      labelNames: ["kind", "outcome"],
      registers,
    });
    this.syncItems = new Counter({
      name: "stoa_connect_sync_items_total",
      help: "Items handled by sync runs, by kind and final status.",
      labelNames: ["kind", "status"],
      registers,
    });
    this.syncDuration = new Histogram({
      name: "stoa_connect_sync_duration_seconds",
      help: "Duration of whole sync runs, by kind.",
      labelNames: ["kind"],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.syncHeldDeletes = new Gauge({
      name: "stoa_connect_sync_held_deletes",
      help: "Deletes held by the mass-deletion guard until the next cycle confirms them, by kind.",
      labelNames: ["kind"],
      registers,
    });
    this.ackOutboxSize = new Gauge({
      name: "stoa_connect_ack_outbox_size",
      help: "Acknowledgements waiting for the Control Plane.",
      registers,
    });
    this.acksDelivered = new Counter({
      name: "stoa_connect_acks_delivered_total",
      help: "Acknowledgements the Control Plane accepted.",
      registers,
    });
    this.acksDropped = new Counter({
      name: "stoa_connect_acks_dropped_total",
      help: "Acknowledgements dropped because the Control Plane refused them for good.",
      registers,
    });
    this.eventStreamConnected = new Gauge({
      name: "stoa_connect_event_stream_connected",
      help: "1 while the deployment event stream is connected, else 0.",
      registers,
    });
    this.eventStreamEvents = new Counter({
      name: "stoa_connect_event_stream_events_total",
      help: "Events received on the deployment event stream, by type.",
      labelNames: ["type"],
      registers,
    });
    new Gauge({
      name: "stoa_connect_uptime_seconds",
      help: "Seconds since the agent started.",
      registers,
      collect() {
        this.set((Date.now() - startedAt) / 1000);
      },
    });
    new Gauge({
      name: "stoa_connect_resident_memory_bytes",
      help: "Resident memory of the agent process.",
      registers,
      collect() {
        this.set(Deno.memoryUsage().rss);
      },
    });
  }

  /** Records one sync run: its outcome, duration, items and held deletes. */
  recordSync(run: SyncRunRecord): void {
    this.syncRuns.inc({ kind: run.kind, outcome: run.status });
    this.syncDuration.observe({ kind: run.kind }, run.durationMs / 1000);
    for (const status of run.itemStatuses) this.syncItems.inc({ kind: run.kind, status });
    this.syncHeldDeletes.set({ kind: run.kind }, run.heldDeletes);
  }

  /** Counts one stream event; unknown types share one label value to bound cardinality. */
  recordStreamEvent(type: string): void {
    const known = ["sync-deployment", "sync-policy", "undeploy"].includes(type);
    this.eventStreamEvents.inc({ type: known ? type : "other" });
  }

  /** The exposition text and its content type. */
  async expose(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
