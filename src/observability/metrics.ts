/**
 * Prometheus metrics of one agent (prom-client, one registry per agent so tests can run several).
 * Every name starts with `stoa_connect_`; labels are low-cardinality by design (no tenant, no ids).
 *
 * @module
 */

import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { VERSION } from "../version.ts";

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

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

  /** The exposition text and its content type. */
  async expose(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
