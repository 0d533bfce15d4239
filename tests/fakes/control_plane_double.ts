/**
 * An in-process double of the STOA Control Plane's internal gateway API
 * (`/v1/internal/gateways/*`), built from `control-plane-contract.md` alone: same status codes,
 * error texts, validation order, state transitions and SSE framing as the CP, plus the knobs tests
 * need (seeding, failure injection, latency, a request log, stream control).
 *
 * ```ts
 * const cp = new ControlPlaneDouble({ keys: ["gw_test_key"] });
 * const url = await cp.start(); // or cp.fetch(request) without a socket
 * // ... run the agent against `url` ...
 * await cp.stop();
 * ```
 *
 * @module
 */

import { DeploymentBook, type DeployOptions } from "./control_plane/deployment_book.ts";
import { type EndpointName, endpointOf } from "./control_plane/endpoints.ts";
import { EventBus } from "./control_plane/event_bus.ts";
import {
  failureResponse,
  type FailureRule,
  FaultInjector,
} from "./control_plane/fault_injection.ts";
import { GatewayKeys } from "./control_plane/gateway_keys.ts";
import { GatewayRegistry, type SeedGatewayOptions } from "./control_plane/gateway_registry.ts";
import { gzipResponse } from "./control_plane/gzip.ts";
import { HealthWorker, type HealthWorkerSettings } from "./control_plane/health_worker.ts";
import { PolicyBook, type PolicyChanges, type PolicyOptions } from "./control_plane/policy_book.ts";
import type { JsonObject } from "./control_plane/python_format.ts";
import type {
  DeploymentRecord,
  DeployMode,
  GatewayRecord,
  PolicyRecord,
} from "./control_plane/records.ts";
import { type LoggedRequest, parseLoggedBody, RequestLog } from "./control_plane/request_log.ts";
import { createControlPlaneApp } from "./control_plane/routes.ts";

export type { EndpointName } from "./control_plane/endpoints.ts";
export type { FailureRule } from "./control_plane/fault_injection.ts";
export type { HealthWorkerSettings } from "./control_plane/health_worker.ts";
export type { PolicyChanges, PolicyOptions } from "./control_plane/policy_book.ts";
export type { JsonObject } from "./control_plane/python_format.ts";
export type {
  DeploymentRecord,
  DeployMode,
  GatewayRecord,
  GatewaySource,
  GatewayStatus,
  GatewayType,
  PolicyRecord,
  PolicyType,
  SyncStatus,
} from "./control_plane/records.ts";
export type { LoggedRequest } from "./control_plane/request_log.ts";
export type { SeedGatewayOptions } from "./control_plane/gateway_registry.ts";

/** Options of {@linkcode ControlPlaneDouble}. */
export interface ControlPlaneDoubleOptions {
  /**
   * `GATEWAY_API_KEYS`: a list or the comma-separated env form. Required on purpose: an empty
   * list is the CP with no keys configured, which answers 503 on every key-checked endpoint.
   */
  readonly keys: readonly string[] | string;
  /** `DEPLOY_MODE` (default `legacy`: deploys publish no SSE events, like the CP's default). */
  readonly deployMode?: DeployMode;
  /** Key `/routes` demands; `null` (default) leaves it open like the real CP (contract §2.3). */
  readonly routesAdminKey?: string | null;
  /** Delay before every answer, in milliseconds (default 0). */
  readonly latencyMs?: number;
  /** SSE timings; the CP's are 15 s pings and a heartbeat event after 25 s idle. */
  readonly sse?: { readonly pingIntervalMs?: number; readonly idleHeartbeatMs?: number };
  /** Health worker timings (offline after silence, purge after long offline). */
  readonly healthWorker?: HealthWorkerSettings;
  /** Minimum body size gzip applies to (default 1000, Starlette's). */
  readonly gzipMinimumSize?: number;
  /** Listen address for {@linkcode ControlPlaneDouble.start} (default `127.0.0.1`). */
  readonly hostname?: string;
  /** Listen port (default 0: any free port). */
  readonly port?: number;
  /** Clock for every timestamp the double writes (default: the real clock). */
  readonly now?: () => Date;
}

/** A gateway row copy, with `deleted` spelled out. */
export type GatewaySnapshot = GatewayRecord & { readonly deleted: boolean };

/** Where a deployment goes: a gateway by id or by name, plus the deploy options. */
export type AddDeploymentOptions =
  & DeployOptions
  & ({ readonly gatewayId: string; readonly gatewayName?: never } | {
    readonly gatewayName: string;
    readonly gatewayId?: never;
  });

/** Read access to gateway rows; every call returns copies. */
export interface GatewayAccess {
  /** A row by id, soft-deleted or not. */
  byId(id: string): GatewaySnapshot | undefined;
  /** A row by name: the active one, else a soft-deleted one. */
  byName(name: string): GatewaySnapshot | undefined;
  /** All rows (soft-deleted ones only when asked), in creation order. */
  list(options?: { readonly includeDeleted?: boolean }): GatewaySnapshot[];
}

/** Read access to deployment rows; every call returns copies. */
export interface DeploymentAccess {
  /** A row by id. */
  byId(id: string): DeploymentRecord | undefined;
  /** All rows, or one gateway's, oldest first. */
  list(options?: { readonly gatewayId?: string }): DeploymentRecord[];
}

/** Read access to policy rows; every call returns copies. */
export interface PolicyAccess {
  /** A row by id. */
  byId(id: string): PolicyRecord | undefined;
  /** All rows, in creation order. */
  list(): PolicyRecord[];
}

/** Options of {@linkcode ControlPlaneDouble.waitFor}. */
export interface WaitForOptions {
  /** Give up after this long (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Poll period (default 10 ms). */
  readonly intervalMs?: number;
  /** Text of the timeout error. */
  readonly message?: string;
}

/** The Control Plane double. See the module documentation. */
export class ControlPlaneDouble {
  /** Gateway rows. */
  readonly gateways: GatewayAccess;
  /** Deployment rows. */
  readonly deployments: DeploymentAccess;
  /** Policy rows. */
  readonly policies: PolicyAccess;
  /** Delay before every answer, in milliseconds. */
  latencyMs: number;

  readonly #registry = new GatewayRegistry();
  readonly #deploymentBook = new DeploymentBook();
  readonly #policyBook = new PolicyBook();
  readonly #bus = new EventBus();
  readonly #keys: GatewayKeys;
  readonly #faults = new FaultInjector();
  readonly #log = new RequestLog();
  readonly #health: HealthWorker;
  readonly #now: () => Date;
  readonly #fetchApp: (request: Request) => Response | Promise<Response>;
  readonly #gzipMinimumSize: number;
  readonly #hostname: string;
  readonly #port: number;
  #deployMode: DeployMode;
  #routesAdminKey: string | null;
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;
  #url: string | undefined;

  /** Creates a stopped double; state starts empty. */
  constructor(options: ControlPlaneDoubleOptions) {
    this.#now = options.now ?? (() => new Date());
    this.#keys = new GatewayKeys(options.keys);
    this.#deployMode = options.deployMode ?? "legacy";
    this.#routesAdminKey = options.routesAdminKey ?? null;
    this.latencyMs = options.latencyMs ?? 0;
    this.#gzipMinimumSize = options.gzipMinimumSize ?? 1000;
    this.#hostname = options.hostname ?? "127.0.0.1";
    this.#port = options.port ?? 0;
    this.#health = new HealthWorker(this.#registry, this.#now, options.healthWorker);
    const app = createControlPlaneApp({
      gateways: this.#registry,
      deployments: this.#deploymentBook,
      policies: this.#policyBook,
      bus: this.#bus,
      keys: this.#keys,
      routesAdminKey: () => this.#routesAdminKey,
      streamTimings: {
        pingIntervalMs: options.sse?.pingIntervalMs ?? 15_000,
        idleHeartbeatMs: options.sse?.idleHeartbeatMs ?? 25_000,
        now: this.#now,
      },
      purgeAfterMs: () => this.#health.purgeAfterMs,
      now: this.#now,
    });
    this.#fetchApp = (request) => app.fetch(request);

    const registry = this.#registry;
    this.gateways = {
      byId: (id) => snapshotGateway(registry.findIncludingDeleted(id.toLowerCase())),
      byName: (name) => {
        const rows = registry.all().filter((row) => row.name === name);
        return snapshotGateway(rows.find((row) => row.deleted_at === null) ?? rows[0]);
      },
      list: (options = {}) =>
        registry.all()
          .filter((row) => options.includeDeleted || row.deleted_at === null)
          .map((row) => snapshotGateway(row) as GatewaySnapshot),
    };
    const book = this.#deploymentBook;
    this.deployments = {
      byId: (id) => copy(book.find(id.toLowerCase())),
      list: (options = {}) =>
        book.all()
          .filter((row) =>
            options.gatewayId === undefined || row.gateway_instance_id === options.gatewayId
          )
          .map((row) => structuredClone(row)),
    };
    const policies = this.#policyBook;
    this.policies = {
      byId: (id) => copy(policies.all().find((row) => row.id === id)),
      list: () => policies.all().map((row) => structuredClone(row)),
    };
  }

  /** Starts listening; resolves with the base URL, e.g. `http://127.0.0.1:43121`. */
  start(): Promise<string> {
    if (this.#server) return Promise.reject(new Error("the CP double is already started"));
    return new Promise((resolve) => {
      this.#server = Deno.serve({
        hostname: this.#hostname,
        port: this.#port,
        onListen: (address) => {
          this.#url = `http://${address.hostname}:${address.port}`;
          this.#health.start();
          resolve(this.#url);
        },
      }, (request) => this.fetch(request));
    });
  }

  /** Closes open event streams and the listener, and stops the health worker. */
  async stop(): Promise<void> {
    this.#health.stop();
    this.#bus.closeStreams();
    const server = this.#server;
    this.#server = undefined;
    this.#url = undefined;
    if (server) await server.shutdown();
  }

  /** Base URL while started. */
  get url(): string {
    if (!this.#url) throw new Error("the CP double is not started");
    return this.#url;
  }

  /**
   * Answers one request without a socket. This is the whole pipeline (latency, scheduled
   * failures, the API, gzip, logging), so socket and socket-less use behave the same.
   */
  async fetch(request: Request): Promise<Response> {
    const time = this.#now();
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const bodyText = request.body ? await request.text() : "";
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));

    const failure = this.#faults.take(method, url.pathname);
    let response: Response;
    if (failure) {
      response = failureResponse(failure);
    } else {
      const forwarded = new Request(request.url, {
        method: request.method,
        headers: request.headers,
        body: method === "GET" || method === "HEAD" || bodyText === "" ? undefined : bodyText,
      });
      response = await this.#fetchApp(forwarded);
    }
    response = await gzipResponse(request, response, this.#gzipMinimumSize);

    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) query[name] = value;
    this.#log.record({
      method,
      path: url.pathname,
      endpoint: endpointOf(url.pathname),
      query,
      headers: Object.fromEntries(request.headers),
      body: parseLoggedBody(bodyText),
      time,
      status: response.status,
      injected: failure !== undefined,
    });
    return response;
  }

  // --- settings ---------------------------------------------------------------------------

  /** Replaces `GATEWAY_API_KEYS` (a list or the comma-separated form); empty means 503s. */
  setKeys(keys: readonly string[] | string): void {
    this.#keys.set(keys);
  }

  /** The effective key list. */
  get keys(): readonly string[] {
    return this.#keys.list;
  }

  /** Switches `DEPLOY_MODE`; `sse_only` and `dual` make deploys publish `sync-deployment`. */
  setDeployMode(mode: DeployMode): void {
    this.#deployMode = mode;
  }

  /** Current `DEPLOY_MODE`. */
  get deployMode(): DeployMode {
    return this.#deployMode;
  }

  /** Guards `/routes` with a key (the hypothetical strict mode of contract §2.3), or opens it. */
  setRoutesAdminKey(key: string | null): void {
    this.#routesAdminKey = key;
  }

  // --- seeding ----------------------------------------------------------------------------

  /** Adds a gateway row directly, e.g. an ArgoCD-managed or tenant-bound one. */
  addGateway(options: SeedGatewayOptions): GatewaySnapshot {
    return snapshotGateway(this.#registry.seed(options, this.#now())) as GatewaySnapshot;
  }

  /**
   * Soft-deletes a gateway, as an admin DELETE or the purge would: its heartbeats, discovery,
   * config, sync-ack and events then answer 404 until it registers again.
   */
  purgeGateway(id: string, options: { readonly deletedBy?: string } = {}): void {
    const row = this.#registry.find(id.toLowerCase());
    if (!row) throw new Error(`no active gateway ${id}`);
    this.#registry.softDelete(row, { deletedBy: options.deletedBy ?? "admin", now: this.#now() });
  }

  /** Stores a policy. */
  addPolicy(options: PolicyOptions): PolicyRecord {
    return structuredClone(this.#policyBook.add(options, this.#now()));
  }

  /** Changes a policy (e.g. `enabled: false` to ask agents to remove it). */
  updatePolicy(id: string, changes: PolicyChanges): PolicyRecord {
    return structuredClone(this.#policyBook.update(id, changes));
  }

  /** Deletes a policy; returns whether it existed. */
  removePolicy(id: string): boolean {
    return this.#policyBook.remove(id);
  }

  /**
   * Deploys an API to a gateway like the CP's deploy flow: a new row is `pending`; redeploying
   * the same API with a different desired state bumps the generation and resets it to `pending`.
   * When `DEPLOY_MODE` is not `legacy`, every deploy (changed or not) publishes `sync-deployment`
   * with the raw catalog-shaped desired state to the gateway's open streams.
   */
  addDeployment(options: AddDeploymentOptions): DeploymentRecord {
    const gateway = options.gatewayId !== undefined
      ? this.#registry.find(options.gatewayId.toLowerCase())
      : this.#registry.findByName(options.gatewayName);
    if (!gateway) {
      throw new Error(`no active gateway ${options.gatewayId ?? options.gatewayName}`);
    }
    const { deployment } = this.#deploymentBook.deploy(gateway, options, this.#now());
    if (this.#deployMode !== "legacy") {
      this.#bus.publish(gateway.id, "sync-deployment", {
        deployment_id: deployment.id,
        api_catalog_id: deployment.api_catalog_id,
        gateway_instance_id: deployment.gateway_instance_id,
        sync_status: deployment.sync_status,
        desired_state: deployment.desired_state,
      });
    }
    return structuredClone(deployment);
  }

  /** Force-sync: `pending` with a new generation; like the CP, no SSE event. */
  forceSync(deploymentId: string): DeploymentRecord {
    return structuredClone(this.#deploymentBook.forceSync(deploymentId.toLowerCase(), this.#now()));
  }

  /**
   * Undeploy: a deployment that was ever synced becomes `deleting` (gone from `/routes`, never
   * completed for agent gateways); one that never was is deleted. No SSE event.
   */
  undeploy(deploymentId: string): DeploymentRecord | undefined {
    return copy(this.#deploymentBook.undeploy(deploymentId.toLowerCase(), this.#now()));
  }

  // --- event stream -----------------------------------------------------------------------

  /**
   * Publishes a raw event to a gateway's open streams; returns how many received it. Like the
   * CP's bus, only `sync-deployment`, `sync-policy` and `undeploy` reach a gateway stream, and
   * nothing is kept for streams that connect later.
   */
  pushEvent(gatewayId: string, eventType: string, data: JsonObject | string): number {
    return this.#bus.publish(gatewayId.toLowerCase(), eventType, data);
  }

  /**
   * Ends the open streams of one gateway (or all): cleanly like a CP shutdown, or with
   * `abort: true` as a cut connection. Returns how many were ended.
   */
  dropStreams(gatewayId?: string, options: { readonly abort?: boolean } = {}): number {
    return this.#bus.closeStreams({
      gatewayId: gatewayId?.toLowerCase(),
      mode: options.abort ? "abort" : "close",
    });
  }

  /** Number of open event streams. */
  get streamsOpen(): number {
    return this.#bus.size;
  }

  // --- test knobs -------------------------------------------------------------------------

  /** Makes the next matching request(s) fail with the given answer. */
  failNext(rule: FailureRule): void {
    this.#faults.add(rule);
  }

  /** Scheduled failures not yet consumed. */
  get failuresPending(): number {
    return this.#faults.pending;
  }

  /** Every answered request, oldest first. */
  get requests(): readonly LoggedRequest[] {
    return this.#log.entries;
  }

  /** Answered requests to one endpoint, oldest first. */
  requestsTo(endpoint: EndpointName): LoggedRequest[] {
    return this.#log.to(endpoint);
  }

  /** Forgets the request log. */
  clearRequests(): void {
    this.#log.clear();
  }

  /** Runs one health-worker sweep now; returns the ids marked offline and purged. */
  runHealthCheck(): { markedOffline: string[]; purged: string[] } {
    const result = this.#health.runOnce();
    return {
      markedOffline: result.markedOffline.map((row) => row.id),
      purged: result.purged.map((row) => row.id),
    };
  }

  /** Polls `predicate` until it holds; rejects after the timeout. */
  async waitFor(
    predicate: () => boolean | Promise<boolean>,
    options: WaitForOptions = {},
  ): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const intervalMs = options.intervalMs ?? 10;
    const deadline = Date.now() + timeoutMs;
    while (!(await predicate())) {
      if (Date.now() >= deadline) {
        throw new Error(options.message ?? `waitFor: condition not met within ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

function snapshotGateway(row: GatewayRecord | undefined): GatewaySnapshot | undefined {
  return row ? { ...structuredClone(row), deleted: row.deleted_at !== null } : undefined;
}

function copy<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : structuredClone(value);
}
