/**
 * The sync half of the agent: the acknowledgement outbox and its delivery loop, the policy, route
 * and credential syncers with their loops, the deployment event stream, Vault, `POST /sync` and
 * the `sync` section of `/status`.
 *
 * Cadence: policy sync every `STOA_POLICY_SYNC_INTERVAL`; routes every `STOA_ROUTE_SYNC_INTERVAL`,
 * or, with `STOA_SSE_ENABLED=true`, from the event stream with a full pull before every connection
 * (plus one pull an interval later to confirm held deletes); credentials every
 * `STOA_CREDENTIAL_SYNC_INTERVAL` when `VAULT_ADDR` and `STOA_TENANT_ID` are set. Nothing syncs
 * before registration; the agent calls {@linkcode SyncWiring.registered} after each one.
 *
 * @module
 */

import { type Config, credentialSyncEnabled } from "../config/config.ts";
import type { ControlPlaneClient } from "../control_plane/client.ts";
import type { EventStreamOptions } from "../control_plane/event_stream.ts";
import { VaultClient } from "../credentials/vault_client.ts";
import { log } from "../observability/logger.ts";
import type { AgentMetrics } from "../observability/metrics.ts";
import { CredentialSync } from "../sync/credential_sync.ts";
import { DeploymentStream } from "../sync/deployment_stream.ts";
import type { SyncAdapterSource } from "../sync/kind_runner.ts";
import { AckOutbox, deliverTo, type PendingAck } from "../sync/outbox.ts";
import { PolicySync } from "../sync/policy_sync.ts";
import { RouteSync } from "../sync/route_sync.ts";
import {
  type KindOutcome,
  outcomeWithoutPlan,
  type SyncReport,
  syncReport,
} from "../sync/sync_report.ts";
import type { Loop, LoopStatus, RunResult } from "./scheduler.ts";
import type { AgentState } from "./state.ts";
import { syncStatus } from "./sync_status.ts";

/** Builds a loop whose failures are logged and back off up to the interval. */
export type LoopFactory = (
  name: string,
  intervalMs: number,
  run: (signal: AbortSignal) => Promise<RunResult | void>,
) => Loop;

/** Options of {@linkcode SyncWiring}. */
export interface SyncWiringOptions {
  /** Configuration. */
  readonly config: Config;
  /** Shared state (gateway id, discovered APIs). */
  readonly state: AgentState;
  /** Metrics. */
  readonly metrics: AgentMetrics;
  /** Control Plane client. */
  readonly client: ControlPlaneClient;
  /** The agent's adapter for sync (resolved once, shared). */
  readonly adapter: SyncAdapterSource;
  /** True once the gateway is identified and its adapter can sync. */
  readonly canSync: () => boolean;
  /** The agent's loop factory. */
  readonly loop: LoopFactory;
  /** The fetch implementation (Vault), for tests. */
  readonly fetch?: typeof fetch;
  /** Most items written at once (default 8). */
  readonly concurrency?: number;
  /** Event stream tuning, for tests. */
  readonly streamTuning?: Pick<EventStreamOptions, "backoff" | "unregisteredPollMs">;
}

/** Policy, route and credential sync of one agent. */
export class SyncWiring {
  readonly #options: SyncWiringOptions;
  readonly #outbox: AckOutbox;
  readonly #ackDelivery: Loop;
  readonly #policies: PolicySync;
  readonly #policyLoop: Loop;
  readonly #routes: RouteSync;
  readonly #routeLoop: Loop;
  readonly #vault?: VaultClient;
  readonly #credentials?: CredentialSync;
  readonly #credentialLoop?: Loop;
  readonly #stream?: DeploymentStream;
  readonly #stopping = new AbortController();

  /** Wires everything; nothing runs until {@linkcode SyncWiring.start}. */
  constructor(options: SyncWiringOptions) {
    this.#options = options;
    const { config, state, metrics, client, loop } = options;
    const record = (outcome: KindOutcome) => this.#record(outcome);
    const common = {
      client,
      adapter: options.adapter,
      gatewayId: () => state.gatewayId,
      concurrency: options.concurrency,
      onOutcome: record,
    };

    this.#outbox = new AckOutbox({
      dir: config.stateDir,
      onSize: (size) => metrics.ackOutboxSize.set(size),
    });
    this.#ackDelivery = loop("ack-delivery", ACK_MAX_BACKOFF_MS, (s) => this.#deliverAcks(s));
    const acknowledge = async (acks: readonly PendingAck[]) => {
      this.#outbox.add(acks);
      await this.#ackDelivery.trigger();
    };

    this.#policies = new PolicySync({
      ...common,
      acknowledge,
      discovered: () => state.discovery.apis,
    });
    this.#policyLoop = loop(
      "policy-sync",
      config.policySyncIntervalMs,
      (signal) => this.#cycle(() => this.#policies.run({ signal })),
    );

    this.#routes = new RouteSync({ ...common, gatewayName: config.instanceName, acknowledge });
    this.#routeLoop = loop("route-sync", config.routeSyncIntervalMs, async (signal) => {
      const result = await this.#cycle(() => this.#routes.run({ signal }));
      if (!config.sseEnabled || result?.idle) return result;
      // With the event stream, full pulls happen before each connection, plus one more to
      // confirm (or drop) deletes held by the mass-deletion guard.
      return this.#routes.guard.pending
        ? { nextDelayMs: config.routeSyncIntervalMs }
        : { idle: true };
    });

    if (config.sseEnabled) {
      this.#stream = new DeploymentStream({
        client,
        // The stream waits until the agent is registered and its adapter can sync.
        gatewayId: () => options.canSync() ? state.gatewayId : undefined,
        onGatewayIdChange: (listener) => state.onGatewayIdChange(listener),
        catchUp: () => this.#routeLoop.trigger(),
        deploy: (data, signal) => this.#routes.handleEvent(data, { signal }),
        onStatus: (status) =>
          metrics.eventStreamConnected.set(status.state === "connected" ? 1 : 0),
        onEventType: (type) => metrics.recordStreamEvent(type),
        tuning: options.streamTuning,
      });
    }

    if (credentialSyncEnabled(config)) {
      const vault = new VaultClient({
        address: config.vaultAddr!,
        token: config.vaultToken,
        roleId: config.vaultRoleId,
        secretId: config.vaultSecretId,
        fetch: options.fetch,
      });
      const credentials = new CredentialSync({
        ...common,
        vault,
        mount: config.vaultKvPath,
        tenantId: config.tenantId!,
      });
      this.#vault = vault;
      this.#credentials = credentials;
      this.#credentialLoop = loop(
        "credential-sync",
        config.credentialSyncIntervalMs,
        (signal) => this.#cycle(() => credentials.run({ signal })),
      );
    }
  }

  /** Reads the outbox a previous run left and starts the loops (they idle until registered). */
  start(): void {
    this.#outbox.load();
    this.#ackDelivery.start();
    this.#policyLoop.start();
    if (this.#stream) {
      log("route-sync").info(
        "deployments arrive on the event stream; a full route pull runs before every connection",
      );
      this.#stream.start();
    } else {
      this.#routeLoop.start();
    }
    if (this.#credentialLoop) {
      this.#credentialLoop.start();
    } else {
      log("credential-sync").info(
        "credential sync is off: {reason} (set VAULT_ADDR and STOA_TENANT_ID to sync consumer credentials from Vault)",
        { reason: this.#credentialsOffReason() },
      );
    }
  }

  /** After each registration: sync now, and deliver what waits. */
  registered(): void {
    for (const loop of this.#loops()) {
      // With the event stream, the stream's catch-up drives full route pulls.
      if (loop !== this.#routeLoop || !this.#options.config.sseEnabled) void loop.trigger();
    }
    void this.#ackDelivery.trigger();
  }

  /** Stops the stream and the loops; acks queued by the last runs get one more delivery try. */
  async stop(): Promise<void> {
    this.#stopping.abort(new DOMException("the agent is shutting down", "AbortError"));
    await Promise.all([this.#stream?.stop(), ...this.#loops().map((loop) => loop.stop())]);
    await this.#ackDelivery.stop();
  }

  /** Runs (or with `dryRun` plans) every kind now: the body of `POST /sync`. */
  async syncNow(dryRun: boolean): Promise<SyncReport> {
    const signal = this.#stopping.signal;
    const { config } = this.#options;
    // Routes first: the APIs they create are what gateway-wide policies and credentials attach
    // to on Gravitee and webMethods, so one call converges instead of needing a second one.
    const routes = await this.#routes.run({ dryRun, signal });
    const [policies, credentials] = await Promise.all([
      this.#policies.run({ dryRun, signal }),
      this.#credentials?.run({ dryRun, signal }) ?? outcomeWithoutPlan({
        kind: "credential",
        status: "skipped",
        error: `credential sync is off: ${this.#credentialsOffReason()}`,
        dryRun,
      }),
    ]);
    if (!dryRun && config.sseEnabled && this.#routes.guard.pending) {
      this.#routeLoop.wakeAfter(config.routeSyncIntervalMs);
    }
    return syncReport({ dryRun, policies, routes, credentials });
  }

  /** Status of the sync loops and of acknowledgement delivery. */
  loopStatuses(): LoopStatus[] {
    return [...this.#loops(), this.#ackDelivery].map((loop) => loop.status());
  }

  /** The `sync` section of `/status`. */
  status(adapter: { readonly available: boolean | null; readonly reason?: string }): Record<
    string,
    unknown
  > {
    const { config } = this.#options;
    return syncStatus({
      available: adapter.available,
      ...(adapter.reason === undefined ? {} : { unavailableReason: adapter.reason }),
      policies: {
        mode: "poll",
        intervalMs: config.policySyncIntervalMs,
        last: this.#policies.last,
        held: this.#policies.guard.pending,
      },
      routes: {
        mode: config.sseEnabled ? "events" : "poll",
        intervalMs: config.routeSyncIntervalMs,
        last: this.#routes.last,
        held: this.#routes.guard.pending,
      },
      credentials: this.#credentials
        ? {
          mode: "poll",
          intervalMs: config.credentialSyncIntervalMs,
          last: this.#credentials.last,
          held: this.#credentials.guard.pending,
        }
        : { mode: "off", reason: this.#credentialsOffReason() },
      lastEvent: this.#routes.lastEvent,
      outbox: this.#outbox.status,
      stream: this.#stream?.status,
      vault: this.#vault?.status,
    });
  }

  #loops(): Loop[] {
    return [
      this.#policyLoop,
      this.#routeLoop,
      ...(this.#credentialLoop ? [this.#credentialLoop] : []),
    ];
  }

  /**
   * One loop cycle: nothing before registration (registration triggers the loop); a skipped kind
   * idles (its adapter will not learn to sync); a failed one throws so the loop backs off.
   */
  async #cycle(run: () => Promise<KindOutcome>): Promise<RunResult | undefined> {
    if (this.#options.state.gatewayId === undefined) return { idle: true };
    const outcome = await run();
    if (outcome.status === "skipped") return { idle: true };
    if (outcome.status === "failed") throw new Error(outcome.error ?? "sync failed");
    return undefined;
  }

  async #deliverAcks(signal: AbortSignal): Promise<RunResult> {
    const gatewayId = this.#options.state.gatewayId;
    // Registration triggers this loop again.
    if (this.#outbox.size === 0 || gatewayId === undefined) return { idle: true };
    const result = await this.#outbox.flush(deliverTo(this.#options.client, gatewayId), signal);
    this.#options.metrics.acksDelivered.inc(result.delivered);
    this.#options.metrics.acksDropped.inc(result.dropped);
    if (result.error !== undefined) {
      throw new Error(
        `${result.pending} acknowledgements wait for the Control Plane: ${result.error}`,
      );
    }
    return { idle: true };
  }

  #record(outcome: KindOutcome): void {
    this.#options.metrics.recordSync({
      kind: outcome.kind,
      status: outcome.status,
      durationMs: outcome.durationMs,
      itemStatuses: (outcome.results ?? []).map((result) => result.status),
      heldDeletes: outcome.plan?.held?.deletes ?? 0,
    });
  }

  #credentialsOffReason(): string {
    return this.#options.config.vaultAddr === undefined
      ? "VAULT_ADDR is not set"
      : "STOA_TENANT_ID is not set";
  }
}

/** Largest delay between attempts to deliver acknowledgements. */
const ACK_MAX_BACKOFF_MS = 60_000;
