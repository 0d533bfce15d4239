/**
 * The agent: wires configuration, the Control Plane client, the gateway adapter and the loops
 * (registration, heartbeat, discovery), and answers the local server's questions.
 *
 * @module
 */

import { adapterSettings } from "../config/adapter_settings.ts";
import { type Config, credentialSyncEnabled } from "../config/config.ts";
import { formatDuration } from "../config/duration.ts";
import { ControlPlaneClient } from "../control_plane/client.ts";
import { ControlPlaneError } from "../control_plane/errors.ts";
import type { EventStreamOptions } from "../control_plane/event_stream.ts";
import {
  canSync,
  type GatewayAdapter,
  type GatewayType,
  type SyncAdapter,
} from "../gateways/adapter.ts";
import {
  type AdapterSettings,
  type GatewayDriver,
  type ResolvedGateway,
  resolveGateway,
} from "../gateways/resolve.ts";
import { log } from "../observability/logger.ts";
import { WebhookEventMetrics } from "../observability/webhook_metrics.ts";
import { AgentMetrics } from "../observability/metrics.ts";
import { SyncUnavailableError } from "../sync/kind_runner.ts";
import type { SyncReport } from "../sync/sync_report.ts";
import { VERSION } from "../version.ts";
import { retryDelay } from "./backoff.ts";
import { createDiscovery, type DiscoveryResult } from "./discovery.ts";
import {
  health,
  type HealthReport,
  readiness,
  type ReadinessReport,
  statusReport,
} from "./health.ts";
import { createHeartbeatRun } from "./heartbeat.ts";
import { capabilitiesFor, createRegistrationRun } from "./registration.ts";
import { Loop, type LoopStatus, type RunResult } from "./scheduler.ts";
import { AgentState } from "./state.ts";
import { SyncWiring } from "./sync_wiring.ts";

/** Options for {@linkcode Agent}. */
export interface AgentOptions {
  /** Validated configuration. */
  readonly config: Config;
  /** Gateway drivers available in this build. */
  readonly drivers: Readonly<Partial<Record<GatewayType, GatewayDriver>>>;
  /** The fetch implementation, for tests. */
  readonly fetch?: typeof fetch;
  /** Source of randomness for jitter, for tests. */
  readonly random?: () => number;
  /** Most items written at once by a sync (default 8). */
  readonly concurrency?: number;
  /** Event stream tuning (backoff, wait while not ready), for tests. */
  readonly streamTuning?: Pick<EventStreamOptions, "backoff" | "unregisteredPollMs">;
}

/** Options of {@linkcode Agent.syncNow}. */
export interface SyncNowOptions {
  /** Return the plan and write nothing (`POST /sync?dry_run=true`). */
  readonly dryRun?: boolean;
}

/** Largest delay between registration attempts. */
const REGISTRATION_MAX_BACKOFF_MS = 60_000;

/** The running agent. */
export class Agent {
  /** Configuration in force. */
  readonly config: Config;
  /** Shared state. */
  readonly state: AgentState;
  /** Prometheus metrics. */
  readonly metrics: AgentMetrics;
  /** Counts and latencies of gateway transactions pushed to `POST /webhook/events`. */
  readonly webhookEvents: WebhookEventMetrics;
  /** Control Plane client. */
  readonly controlPlane: ControlPlaneClient;

  readonly #drivers: Readonly<Partial<Record<GatewayType, GatewayDriver>>>;
  readonly #fetch?: typeof fetch;
  readonly #registration: Loop;
  readonly #heartbeat: Loop;
  readonly #discovery: Loop;
  readonly #discover: (signal: AbortSignal) => Promise<DiscoveryResult>;
  readonly #random?: () => number;
  readonly #sync: SyncWiring;
  readonly #stopping = new AbortController();
  #resolved: ResolvedGateway | undefined;
  #resolving: Promise<ResolvedGateway> | undefined;
  #lastDiscovery: { result?: DiscoveryResult; error?: unknown } = {};

  /** Wires the agent; nothing runs until {@linkcode Agent.start}. */
  constructor(options: AgentOptions) {
    const { config } = options;
    this.config = config;
    this.#drivers = options.drivers;
    this.#fetch = options.fetch;
    this.state = new AgentState();
    this.metrics = new AgentMetrics(this.state.startedAt);
    this.webhookEvents = new WebhookEventMetrics({ registry: this.metrics.registry });
    this.controlPlane = new ControlPlaneClient({
      baseUrl: config.controlPlaneUrl,
      apiKey: config.gatewayApiKey,
      userAgent: `stoa-connect/${VERSION}`,
      fetch: options.fetch,
      observe: (endpoint, status, seconds) =>
        this.metrics.cpRequestDuration.observe({ endpoint, status }, seconds),
    });
    const random = options.random;

    this.#registration = new Loop({
      name: "registration",
      intervalMs: REGISTRATION_MAX_BACKOFF_MS,
      random,
      run: createRegistrationRun({
        config,
        client: this.controlPlane,
        state: this.state,
        metrics: this.metrics,
        onRegistered: () => {
          // A discovery that finished while unregistered could not be reported: send it now. One
          // still running reports by itself once it sees the gateway id.
          const { at, reported } = this.state.discovery;
          if (at !== undefined && !reported) void this.#discovery.trigger();
          this.#sync.registered();
        },
        capabilities: () =>
          capabilitiesFor({
            canSync: this.#resolved !== undefined && canSync(this.#resolved.adapter),
            credentialSync: credentialSyncEnabled(config),
          }),
      }),
      retryDelay: (error, failures) =>
        retryDelay(error, failures, {
          initialMs: 1_000,
          maxMs: REGISTRATION_MAX_BACKOFF_MS,
          random,
        }),
      onError: (error, failures, delay) => this.#logFailure("registration", error, failures, delay),
    });

    this.#heartbeat = new Loop({
      name: "heartbeat",
      intervalMs: config.heartbeatIntervalMs,
      random,
      run: createHeartbeatRun({
        client: this.controlPlane,
        state: this.state,
        metrics: this.metrics,
        reregister: () => void this.#registration.trigger(),
      }),
      retryDelay: (error, failures) =>
        retryDelay(error, failures, {
          initialMs: Math.min(1_000, config.heartbeatIntervalMs),
          maxMs: config.heartbeatIntervalMs,
          random,
        }),
      onError: (error, failures, delay) => this.#logFailure("heartbeat", error, failures, delay),
    });

    this.#discover = createDiscovery({
      client: this.controlPlane,
      state: this.state,
      metrics: this.metrics,
      adapter: (signal) => this.#adapter(signal),
    });
    this.#discovery = new Loop({
      name: "discovery",
      intervalMs: config.discoveryIntervalMs,
      random,
      run: async (signal) => {
        // Each run's own outcome: POST /discover reports the run it asked for, not an earlier one.
        this.#lastDiscovery = {};
        try {
          const result = await this.#discover(signal);
          this.#lastDiscovery = { result };
          if (!result.reported && this.state.gatewayId !== undefined) {
            // The gateway was read but the Control Plane did not get the list: retry soon.
            throw new Error(`discovery report not delivered: ${result.report_error}`);
          }
        } catch (error) {
          if (!signal.aborted) this.#lastDiscovery = { ...this.#lastDiscovery, error };
          throw error;
        }
      },
      retryDelay: (error, failures) =>
        retryDelay(error, failures, {
          initialMs: Math.min(2_000, config.discoveryIntervalMs),
          maxMs: config.discoveryIntervalMs,
          random,
        }),
      onError: (error, failures, delay) => this.#logFailure("discovery", error, failures, delay),
    });

    this.#random = random;
    this.#sync = new SyncWiring({
      config,
      state: this.state,
      metrics: this.metrics,
      client: this.controlPlane,
      adapter: (signal) => this.#syncAdapter(signal),
      canSync: () => this.#resolved !== undefined && canSync(this.#resolved.adapter),
      loop: (name, intervalMs, run) => this.#loop(name, intervalMs, run),
      fetch: options.fetch,
      concurrency: options.concurrency,
      streamTuning: options.streamTuning,
    });
  }

  /** Starts every loop. */
  start(): void {
    const logger = log("agent");
    logger.info(
      "stoa-connect {version} starting: Control Plane {cp}, gateway {type} at {admin}, heartbeat every {heartbeat}, discovery every {discovery}",
      {
        version: VERSION,
        cp: this.config.controlPlaneUrl.toString(),
        type: this.config.gatewayType,
        admin: this.config.gatewayAdminUrl.toString(),
        heartbeat: formatDuration(this.config.heartbeatIntervalMs),
        discovery: formatDuration(this.config.discoveryIntervalMs),
      },
    );
    this.#registration.start();
    this.#heartbeat.start();
    this.#discovery.start();
    this.#sync.start();
  }

  /** Stops every loop and the event stream, and aborts the calls in flight. */
  async stop(): Promise<void> {
    this.#stopping.abort(new DOMException("the agent is shutting down", "AbortError"));
    await Promise.all([
      this.#registration.stop(),
      this.#heartbeat.stop(),
      this.#discovery.stop(),
      this.#sync.stop(),
    ]);
  }

  /**
   * Runs policy, route and (when configured) credential sync now, or only plans them with
   * `dryRun`, and returns the per-item report of `POST /sync`.
   */
  syncNow(options: SyncNowOptions = {}): Promise<SyncReport> {
    return this.#sync.syncNow(options.dryRun ?? false);
  }

  /** Runs discovery now (or waits for the run in progress and runs again) and returns its result. */
  async discoverNow(): Promise<DiscoveryResult> {
    this.#lastDiscovery = {};
    await this.#discovery.trigger();
    const { result, error } = this.#lastDiscovery;
    if (result) return result;
    throw error ?? new Error("discovery did not run: the agent is shutting down");
  }

  /** Status of every loop. */
  loops(): LoopStatus[] {
    return [
      this.#registration.status(),
      this.#heartbeat.status(),
      this.#discovery.status(),
      ...this.#sync.loopStatuses(),
    ];
  }

  /** The `/health` answer. */
  health(): HealthReport {
    return health({ config: this.config, state: this.state, loops: this.loops() });
  }

  /** The `/readyz` answer. */
  readiness(): ReadinessReport {
    return readiness({ config: this.config, state: this.state, loops: this.loops() });
  }

  /** The `/status` answer. */
  status(): Record<string, unknown> {
    return statusReport({
      config: this.config,
      state: this.state,
      loops: this.loops(),
      sync: this.#sync.status(this.#syncAvailability()),
    });
  }

  /** The adapter, resolving the gateway on first use and probing it on every later run. */
  async #adapter(signal: AbortSignal): Promise<GatewayAdapter> {
    if (!this.#resolved) return (await this.#resolve(signal)).adapter;
    const info = await this.#resolved.adapter.probe({ signal });
    this.state.gatewayReached(info);
    return this.#resolved.adapter;
  }

  /** Resolves the gateway once, however many loops ask at the same time. */
  #resolve(signal?: AbortSignal): Promise<ResolvedGateway> {
    if (this.#resolved) return Promise.resolve(this.#resolved);
    this.#resolving ??= (async () => {
      const resolved = await resolveGateway({
        type: this.config.gatewayType,
        settings: this.#settings(),
        drivers: this.#drivers,
        signal: signal ?? this.#stopping.signal,
      });
      this.#resolved = resolved;
      const { info } = resolved;
      log("gateway").info("gateway found: {type} {version}{mode}", {
        type: info.type,
        version: info.version,
        mode: info.dbless ? " (DB-less)" : "",
      });
      if (!canSync(resolved.adapter)) {
        log("gateway").warn(
          "the {type} adapter of this build discovers APIs but cannot sync; policy, route and credential sync are skipped",
          { type: info.type },
        );
      }
      this.state.gatewayReached(info);
      // Registration announces the gateway type and capabilities once they are known.
      void this.#registration.trigger();
      return resolved;
    })().finally(() => {
      this.#resolving = undefined;
    });
    return this.#resolving;
  }

  /** The adapter for sync: resolved once, no probe (planning fails when the gateway is down). */
  async #syncAdapter(signal?: AbortSignal): Promise<SyncAdapter> {
    const { adapter } = await this.#resolve(signal);
    if (!canSync(adapter)) throw new SyncUnavailableError(this.#unavailableReason(adapter));
    return adapter;
  }

  #unavailableReason(adapter: GatewayAdapter): string {
    return `the ${adapter.type} adapter of this build discovers APIs but cannot apply policies, routes or credentials`;
  }

  /** A sync loop whose failures back off from 2 s up to the interval. */
  #loop(
    name: string,
    intervalMs: number,
    run: (signal: AbortSignal) => Promise<RunResult | void>,
  ): Loop {
    return new Loop({
      name,
      intervalMs,
      random: this.#random,
      run,
      retryDelay: (error, failures) =>
        retryDelay(error, failures, {
          initialMs: Math.min(2_000, intervalMs),
          maxMs: intervalMs,
          random: this.#random,
        }),
      onError: (error, failures, delay) => this.#logFailure(name, error, failures, delay),
    });
  }

  /** Whether the gateway's adapter can sync, and why not (`null` while not identified). */
  #syncAvailability(): { available: boolean | null; reason?: string } {
    const adapter = this.#resolved?.adapter;
    if (adapter === undefined) return { available: null };
    return canSync(adapter)
      ? { available: true }
      : { available: false, reason: this.#unavailableReason(adapter) };
  }

  #settings(): AdapterSettings {
    return adapterSettings(this.config, this.#fetch);
  }

  #logFailure(loop: string, error: unknown, failures: number, delayMs: number): void {
    const message = error instanceof Error ? error.message : String(error);
    const logger = log(loop);
    const properties = { error: message, failures, retry: formatDuration(delayMs) };
    if (error instanceof ControlPlaneError && error.unauthorized) {
      logger.error("{error} (retrying in {retry})", properties);
    } else {
      logger.warn("{error} (attempt {failures}, retrying in {retry})", properties);
    }
  }
}
