/**
 * The CP's gateway health worker (contract §11.1): at start-up and then periodically, silent
 * heartbeat gateways go offline and long-offline ones are soft-deleted. Tests shrink the timings
 * (the CP's are 30 s, 90 s and 7 days) or call {@linkcode HealthWorker.runOnce} directly.
 *
 * @module
 */

import type { GatewayRecord } from "./records.ts";
import type { GatewayRegistry } from "./gateway_registry.ts";

/** Health worker timings. */
export interface HealthWorkerSettings {
  /** Period of the sweep (`GATEWAY_HEALTH_CHECK_INTERVAL_SECONDS`, default 30 s). */
  readonly intervalMs?: number;
  /** Silence after which a gateway goes offline (`GATEWAY_HEARTBEAT_TIMEOUT_SECONDS`, 90 s). */
  readonly heartbeatTimeoutMs?: number;
  /** Offline age after which it is purged (`GATEWAY_PURGE_AFTER_DAYS`, 7 days). */
  readonly purgeAfterMs?: number;
}

/** What one sweep did. */
export interface SweepResult {
  /** Gateways marked offline. */
  readonly markedOffline: GatewayRecord[];
  /** Gateways soft-deleted. */
  readonly purged: GatewayRecord[];
}

/** The periodic sweep over a registry. */
export class HealthWorker {
  /** Sweep period. */
  readonly intervalMs: number;
  /** Heartbeat timeout. */
  readonly heartbeatTimeoutMs: number;
  /** Purge age. */
  readonly purgeAfterMs: number;
  readonly #registry: GatewayRegistry;
  readonly #now: () => Date;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Binds the worker to a registry and a clock. */
  constructor(registry: GatewayRegistry, now: () => Date, settings: HealthWorkerSettings = {}) {
    this.#registry = registry;
    this.#now = now;
    this.intervalMs = settings.intervalMs ?? 30_000;
    this.heartbeatTimeoutMs = settings.heartbeatTimeoutMs ?? 90_000;
    this.purgeAfterMs = settings.purgeAfterMs ?? 7 * 24 * 60 * 60 * 1000;
  }

  /** Runs one sweep now. */
  runOnce(): SweepResult {
    const now = this.#now();
    const markedOffline = this.#registry.markSilentOffline({
      timeoutMs: this.heartbeatTimeoutMs,
      now,
    });
    const purged = this.#registry.purgeOffline({
      olderThanMs: this.purgeAfterMs,
      now,
      deletedBy: "system:auto-purge",
    });
    return { markedOffline, purged };
  }

  /** Sweeps now and then every `intervalMs` until {@linkcode HealthWorker.stop}. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.runOnce();
    this.#timer = setInterval(() => this.runOnce(), this.intervalMs);
  }

  /** Stops the periodic sweep. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
