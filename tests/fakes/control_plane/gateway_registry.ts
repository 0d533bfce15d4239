/**
 * The gateway table and everything the internal API does to it: the registration algorithm of
 * contract §3.3 (update, resurrect, cancel-and-replace, ArgoCD adoption, create), the liveness
 * and health-detail updates of heartbeat, discovery and sync-ack (§4, §5, §8.4), lookups that hide
 * soft-deleted rows, and the offline/purge sweeps of the health worker (§11.1).
 *
 * @module
 */

import { type JsonObject, pythonIsoformat } from "./python_format.ts";
import type { GatewayRecord, GatewaySource, GatewayStatus, GatewayType } from "./records.ts";
import type {
  DiscoveryPayload,
  HeartbeatPayload,
  RegisterPayload,
  SyncAckPayload,
} from "./request_models.ts";
import {
  deriveInstanceName,
  deriveTopology,
  gatewayTypeForMode,
  normaliseMode,
  sameEnvironment,
  withoutEndpoint,
} from "./topology.ts";

/** Gateway types whose liveness is judged by heartbeats. */
const HEARTBEAT_TYPES: ReadonlySet<GatewayType> = new Set([
  "stoa",
  "stoa_edge_mcp",
  "stoa_sidecar",
  "stoa_proxy",
  "stoa_shadow",
]);

/** Runtimes that report MCP tools rather than discovered APIs in their heartbeat counter. */
const TOOL_COUNTING_MODES: ReadonlySet<string> = new Set([
  "edge-mcp",
  "sidecar",
  "proxy",
  "shadow",
]);

const URL_FIELDS = ["target_gateway_url", "public_url", "ui_url"] as const;

/** A gateway row a test creates directly, e.g. an ArgoCD-managed or tenant-bound gateway. */
export interface SeedGatewayOptions {
  /** Row id (default: a fresh UUID). */
  readonly id?: string;
  /** Instance name. */
  readonly name: string;
  /** Stored as `health_details.hostname`, which `/routes?gateway_name=` also matches. */
  readonly hostname?: string;
  /** Normalised mode (default `connect`). */
  readonly mode?: string;
  /** Environment (default `dev`). */
  readonly environment?: string;
  /** Tenant (default none: platform-wide). */
  readonly tenantId?: string | null;
  /** Row source (default `manual`). */
  readonly source?: GatewaySource;
  /** `gateway_type` (default: implied by the mode). */
  readonly gatewayType?: GatewayType;
  /** Status (default `online`). */
  readonly status?: GatewayStatus;
  /** `base_url` (default `http://{name}:8090`). */
  readonly baseUrl?: string;
  /** Explicit target technology. */
  readonly targetGatewayType?: string | null;
  /** Protected rows are never auto-purged. */
  readonly protected?: boolean;
  /** Last liveness time (default: now). */
  readonly lastHealthCheck?: Date | null;
  /** Extra health details. */
  readonly healthDetails?: JsonObject;
}

/** Gateway rows, keyed by id, including soft-deleted ones. */
export class GatewayRegistry {
  readonly #rows = new Map<string, GatewayRecord>();

  /** Every row, soft-deleted ones included, in creation order. */
  all(): GatewayRecord[] {
    return [...this.#rows.values()];
  }

  /** An active row by canonical id. */
  find(id: string): GatewayRecord | undefined {
    const row = this.#rows.get(id);
    return row && row.deleted_at === null ? row : undefined;
  }

  /** A row by id, soft-deleted or not. */
  findIncludingDeleted(id: string): GatewayRecord | undefined {
    return this.#rows.get(id);
  }

  /** An active row by name. */
  findByName(name: string): GatewayRecord | undefined {
    return this.all().find((row) => row.name === name && row.deleted_at === null);
  }

  /**
   * The gateway `/routes?gateway_name=` means: an active row with that name, else the most
   * recently updated active self-registered row whose reported hostname is that value.
   */
  findForRoutes(nameOrHostname: string): GatewayRecord | undefined {
    return this.findByName(nameOrHostname) ??
      newestFirst(
        this.all().filter((row) =>
          row.deleted_at === null && row.source === "self_register" &&
          row.health_details.hostname === nameOrHostname
        ),
      )[0];
  }

  /** Runs the registration algorithm of contract §3.3 and returns the row to answer with. */
  register(payload: RegisterPayload, now: Date): GatewayRecord {
    const name = deriveInstanceName(payload.hostname, payload.mode, payload.environment);
    const gatewayType = gatewayTypeForMode(payload.mode);
    const mode = normaliseMode(payload.mode);
    const details: JsonObject = {
      registered_at: pythonIsoformat(now),
      mode,
      hostname: payload.hostname,
    };
    if (payload.topology_proof && Object.keys(payload.topology_proof).length > 0) {
      details.topology_proof = payload.topology_proof;
    }
    const context = { payload, now, details, gatewayType, mode };

    const active = this.findByName(name);
    if (active) return this.#refresh(active, { ...context, keepHttpsBaseUrl: true });

    const deleted = this.all().find((row) => row.name === name);
    if (deleted) {
      deleted.deleted_at = null;
      deleted.deleted_by = null;
      return this.#refresh(deleted, { ...context, keepHttpsBaseUrl: false });
    }

    const fresh = deriveTopology({
      gatewayType,
      mode,
      source: "self_register",
      deploymentMode: payload.deployment_mode,
      targetGatewayType: payload.target_gateway_type,
      topology: payload.topology,
      healthDetails: details,
      endpoints: payload.endpoints ?? {},
      baseUrl: payload.admin_url,
      publicUrl: payload.public_url ?? null,
      uiUrl: payload.ui_url ?? null,
      targetGatewayUrl: payload.target_gateway_url ?? null,
      name,
    });

    for (const sibling of this.all()) {
      if (
        sibling.deleted_at === null && sibling.source === "self_register" &&
        sibling.name !== name && sibling.mode === mode &&
        sameEnvironment(sibling.environment, payload.environment) &&
        sibling.target_gateway_type === fresh.target_gateway_type
      ) {
        this.softDelete(sibling, { deletedBy: `replaced-by:${name}`, now });
      }
    }

    const adopted = newestFirst(
      this.all().filter((row) =>
        row.deleted_at === null && row.source === "argocd" && row.gateway_type === gatewayType &&
        sameEnvironment(row.environment, payload.environment)
      ),
    )[0];
    if (adopted) return this.#refresh(adopted, { ...context, keepHttpsBaseUrl: false });

    const row: GatewayRecord = {
      id: crypto.randomUUID(),
      name,
      display_name: `STOA Gateway (${mode})`,
      gateway_type: gatewayType,
      environment: payload.environment,
      tenant_id: payload.tenant_id,
      base_url: payload.admin_url,
      target_gateway_url: payload.target_gateway_url ?? null,
      public_url: payload.public_url ?? null,
      ui_url: payload.ui_url ?? null,
      endpoints: fresh.endpoints,
      deployment_mode: fresh.deployment_mode,
      target_gateway_type: fresh.target_gateway_type,
      topology: fresh.topology,
      auth_config: { type: "gateway_key" },
      status: "online",
      last_health_check: now,
      health_details: details,
      capabilities: [...payload.capabilities],
      tags: [`mode:${mode}`, "auto-registered"],
      version: payload.version,
      mode,
      protected: false,
      enabled: true,
      visibility: null,
      source: "self_register",
      deleted_at: null,
      deleted_by: null,
      created_at: now,
      updated_at: now,
    };
    this.#rows.set(row.id, row);
    return row;
  }

  /** Adds a row directly (no registration algorithm), for scenarios registration cannot build. */
  seed(options: SeedGatewayOptions, now: Date): GatewayRecord {
    const mode = options.mode ?? "connect";
    const gatewayType = options.gatewayType ?? gatewayTypeForMode(mode);
    const baseUrl = options.baseUrl ?? `http://${options.name}:8090`;
    const healthDetails: JsonObject = { ...options.healthDetails };
    if (options.hostname !== undefined) healthDetails.hostname = options.hostname;
    const source = options.source ?? "manual";
    const topology = deriveTopology({
      gatewayType,
      mode,
      source,
      deploymentMode: null,
      targetGatewayType: options.targetGatewayType ?? null,
      topology: null,
      healthDetails,
      endpoints: {},
      baseUrl,
      publicUrl: null,
      uiUrl: null,
      targetGatewayUrl: null,
      name: options.name,
    });
    const id = options.id ?? crypto.randomUUID();
    if (this.#rows.has(id) || this.all().some((row) => row.name === options.name)) {
      throw new Error(`gateway ${options.name} (${id}) already exists`);
    }
    const row: GatewayRecord = {
      id,
      name: options.name,
      display_name: options.name,
      gateway_type: gatewayType,
      environment: options.environment ?? "dev",
      tenant_id: options.tenantId ?? null,
      base_url: baseUrl,
      target_gateway_url: null,
      public_url: null,
      ui_url: null,
      endpoints: topology.endpoints,
      deployment_mode: topology.deployment_mode,
      target_gateway_type: topology.target_gateway_type,
      topology: topology.topology,
      auth_config: { type: "gateway_key" },
      status: options.status ?? "online",
      last_health_check: options.lastHealthCheck === undefined ? now : options.lastHealthCheck,
      health_details: healthDetails,
      capabilities: [],
      tags: [],
      version: null,
      mode,
      protected: options.protected ?? false,
      enabled: true,
      visibility: null,
      source,
      deleted_at: null,
      deleted_by: null,
      created_at: now,
      updated_at: now,
    };
    this.#rows.set(row.id, row);
    return row;
  }

  /** Heartbeat effect: online, fresh `last_health_check`, metrics merged into health details. */
  heartbeat(row: GatewayRecord, payload: HeartbeatPayload, now: Date): void {
    const counter = TOOL_COUNTING_MODES.has(row.mode ?? "")
      ? "mcp_tools_count"
      : "discovered_apis_count";
    row.status = "online";
    row.last_health_check = now;
    row.health_details = {
      ...row.health_details,
      last_heartbeat: pythonIsoformat(now),
      uptime_seconds: payload.uptime_seconds,
      routes_count: payload.routes_count,
      policies_count: payload.policies_count,
      [counter]: payload.discovered_apis,
      requests_total: payload.requests_total,
      error_rate: payload.error_rate,
    };
    row.updated_at = now;
  }

  /** Discovery effect: the full normalised list replaces the previous one. Liveness untouched. */
  recordDiscovery(row: GatewayRecord, payload: DiscoveryPayload, now: Date): void {
    row.health_details = {
      ...row.health_details,
      last_discovery: pythonIsoformat(now),
      discovered_apis_count: payload.apis.length,
      discovered_apis: payload.apis.map((api) => ({ ...api })),
    };
    row.updated_at = now;
  }

  /** Policy sync-ack effect; returns the counts the CP answers with. */
  recordPolicySync(
    row: GatewayRecord,
    payload: SyncAckPayload,
    now: Date,
  ): { applied: number; removed: number; failed: number } {
    const count = (status: string) =>
      payload.synced_policies.filter((item) => item.status === status).length;
    const counts = {
      applied: count("applied"),
      removed: count("removed"),
      failed: count("failed"),
    };
    row.health_details = {
      ...row.health_details,
      last_sync: payload.sync_timestamp,
      last_sync_results: payload.synced_policies.map((item) => ({ ...item })),
      sync_applied: counts.applied,
      sync_removed: counts.removed,
      sync_failed: counts.failed,
    };
    row.updated_at = now;
    return counts;
  }

  /** Soft-deletes a row: it answers 404 everywhere until the same derived name registers again. */
  softDelete(row: GatewayRecord, options: { deletedBy: string; now: Date }): void {
    row.deleted_at = options.now;
    row.deleted_by = options.deletedBy;
    row.updated_at = options.now;
  }

  /**
   * The health worker's timeout sweep: heartbeat-typed, online or degraded rows silent for longer
   * than `timeoutMs` go offline with the reason recorded. Returns the rows marked.
   */
  markSilentOffline(options: { timeoutMs: number; now: Date }): GatewayRecord[] {
    const cutoff = options.now.getTime() - options.timeoutMs;
    const marked = this.all().filter((row) =>
      row.deleted_at === null && HEARTBEAT_TYPES.has(row.gateway_type) &&
      (row.status === "online" || row.status === "degraded") &&
      row.last_health_check !== null && row.last_health_check.getTime() < cutoff
    );
    for (const row of marked) {
      row.status = "offline";
      row.health_details = {
        ...row.health_details,
        offline_reason: "heartbeat_timeout",
        marked_offline_at: pythonIsoformat(options.now),
        last_heartbeat: pythonIsoformat(row.last_health_check as Date),
      };
      row.updated_at = options.now;
    }
    return marked;
  }

  /** Soft-deletes unprotected offline rows whose last liveness is older than `olderThanMs`. */
  purgeOffline(options: { olderThanMs: number; now: Date; deletedBy: string }): GatewayRecord[] {
    const cutoff = options.now.getTime() - options.olderThanMs;
    const purged = this.all().filter((row) =>
      row.deleted_at === null && row.status === "offline" && !row.protected &&
      row.last_health_check !== null && row.last_health_check.getTime() < cutoff
    );
    for (const row of purged) this.softDelete(row, options);
    return purged;
  }

  /** Steps 1, 2 and 4 of the algorithm share this update of an existing row. */
  #refresh(
    row: GatewayRecord,
    context: {
      payload: RegisterPayload;
      now: Date;
      details: JsonObject;
      gatewayType: GatewayType;
      mode: string;
      keepHttpsBaseUrl: boolean;
    },
  ): GatewayRecord {
    const { payload, now } = context;
    row.version = payload.version;
    row.capabilities = [...payload.capabilities];
    // An operator-set https:// URL survives re-registration; resurrection and adoption overwrite.
    if (!(context.keepHttpsBaseUrl && row.base_url.startsWith("https://"))) {
      row.base_url = payload.admin_url;
    }
    for (const field of URL_FIELDS) {
      if (payload[field] === undefined) continue;
      row[field] = payload[field];
      // "null clears it": the endpoint map would otherwise keep serving the old value.
      if (payload[field] === null) row.endpoints = withoutEndpoint(row.endpoints, field);
    }
    row.status = "online";
    row.last_health_check = now;
    row.mode = context.mode;
    row.health_details = { ...row.health_details, ...context.details };
    const topology = deriveTopology({
      gatewayType: context.gatewayType,
      mode: context.mode,
      source: row.source,
      deploymentMode: payload.deployment_mode || row.deployment_mode,
      targetGatewayType: payload.target_gateway_type || row.target_gateway_type,
      topology: payload.topology || row.topology,
      healthDetails: row.health_details,
      endpoints: { ...row.endpoints, ...payload.endpoints },
      baseUrl: row.base_url,
      publicUrl: row.public_url,
      uiUrl: row.ui_url,
      targetGatewayUrl: row.target_gateway_url,
      name: row.name,
    });
    row.deployment_mode = topology.deployment_mode;
    row.target_gateway_type = topology.target_gateway_type;
    row.topology = topology.topology;
    row.endpoints = topology.endpoints;
    row.updated_at = now;
    return row;
  }
}

/** Most recently updated first; among equal times, the later-created row wins. */
function newestFirst(rows: GatewayRecord[]): GatewayRecord[] {
  return rows.map((row, index) => ({ row, index }))
    .sort((a, b) => b.row.updated_at.getTime() - a.row.updated_at.getTime() || b.index - a.index)
    .map(({ row }) => row);
}
