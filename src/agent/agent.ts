/**
 * The agent: wires configuration, the Control Plane client, the gateway adapter and the loops
 * (registration, heartbeat, discovery), and answers the local server's questions.
 *
 * @module
 */

import type { Config } from "../config/config.ts";
import { formatDuration } from "../config/duration.ts";
import { ControlPlaneClient } from "../control_plane/client.ts";
import { ControlPlaneError } from "../control_plane/errors.ts";
import type { GatewayAdapter, GatewayType } from "../gateways/adapter.ts";
import {
  type AdapterSettings,
  type GatewayDriver,
  type ResolvedGateway,
  resolveGateway,
} from "../gateways/resolve.ts";
import { log } from "../observability/logger.ts";
import { AgentMetrics } from "../observability/metrics.ts";
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
import { createRegistrationRun } from "./registration.ts";
import { Loop, type LoopStatus } from "./scheduler.ts";
import { AgentState } from "./state.ts";

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
  /** Control Plane client. */
  readonly controlPlane: ControlPlaneClient;

  readonly #drivers: Readonly<Partial<Record<GatewayType, GatewayDriver>>>;
  readonly #fetch?: typeof fetch;
  readonly #registration: Loop;
  readonly #heartbeat: Loop;
  readonly #discovery: Loop;
  readonly #discover: (signal: AbortSignal) => Promise<DiscoveryResult>;
  #resolved: ResolvedGateway | undefined;
  #lastDiscovery: { result?: DiscoveryResult; error?: unknown } = {};

  /** Wires the agent; nothing runs until {@linkcode Agent.start}. */
  constructor(options: AgentOptions) {
    const { config } = options;
    this.config = config;
    this.#drivers = options.drivers;
    this.#fetch = options.fetch;
    this.state = new AgentState();
    this.metrics = new AgentMetrics(this.state.startedAt);
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
          // A fresh registration deserves a fresh discovery report.
          if (!this.state.discovery.reported) void this.#discovery.trigger();
        },
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
        try {
          const result = await this.#discover(signal);
          this.#lastDiscovery = { result };
          if (!result.reported && this.state.gatewayId !== undefined) {
            // The gateway was read but the Control Plane did not get the list: retry soon.
            throw new Error(`discovery report not delivered: ${result.report_error}`);
          }
        } catch (error) {
          if (!signal.aborted && !this.#lastDiscovery.result?.reported) {
            this.#lastDiscovery = { ...this.#lastDiscovery, error };
          }
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
  }

  /** Stops every loop and aborts the calls in flight. */
  async stop(): Promise<void> {
    await Promise.all([this.#registration.stop(), this.#heartbeat.stop(), this.#discovery.stop()]);
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
    return [this.#registration.status(), this.#heartbeat.status(), this.#discovery.status()];
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
    return statusReport({ config: this.config, state: this.state, loops: this.loops() });
  }

  /** The adapter, resolving the gateway on first use and probing it on every run. */
  async #adapter(signal: AbortSignal): Promise<GatewayAdapter> {
    if (!this.#resolved) {
      this.#resolved = await resolveGateway({
        type: this.config.gatewayType,
        settings: this.#settings(),
        drivers: this.#drivers,
        signal,
      });
      const { info } = this.#resolved;
      log("gateway").info("gateway found: {type} {version}{mode}", {
        type: info.type,
        version: info.version,
        mode: info.dbless ? " (DB-less)" : "",
      });
      this.state.gatewayReached(info);
      // Registration announces the gateway type once it is known.
      void this.#registration.trigger();
      return this.#resolved.adapter;
    }
    const info = await this.#resolved.adapter.probe({ signal });
    this.state.gatewayReached(info);
    return this.#resolved.adapter;
  }

  #settings(): AdapterSettings {
    return {
      adminUrl: this.config.gatewayAdminUrl,
      token: this.config.gatewayAdminToken,
      user: this.config.gatewayAdminUser,
      password: this.config.gatewayAdminPassword,
      kongWorkspace: this.config.kongWorkspace,
      fetch: this.#fetch,
    };
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
