/**
 * The deployment table and the CP flows that write it: "deploy API to gateway" (create, or update
 * with a generation bump when the desired state changed), force-sync, undeploy, and the
 * route-sync-ack loop with its ownership check (contract §8.1, §8.3 rule 1, §11.2).
 *
 * @module
 */

import { buildDesiredState, type CatalogEntry } from "./desired_state.ts";
import type { JsonObject } from "./python_format.ts";
import type { DeploymentRecord, GatewayRecord, SyncStatus } from "./records.ts";
import type { SyncedRoute } from "./request_models.ts";
import { applyRouteAck } from "./route_sync_ack.ts";
import { parsePythonUuid } from "./validation.ts";

/** A deploy request: the catalog entry, plus optional seeding of the resulting row's sync state. */
export interface DeployOptions {
  /** API name (`api_name`). */
  readonly apiName: string;
  /** API slug (default: `apiName` lower-cased, non-alphanumerics as `-`). */
  readonly apiId?: string;
  /** Catalog id (default: reused for the same tenant and `apiId`, else a fresh UUID). */
  readonly apiCatalogId?: string;
  /** Backend URL, stored as catalog metadata (default: the spec's first server). */
  readonly backendUrl?: string;
  /** OpenAPI document; its `paths` give the methods. */
  readonly openapiSpec?: JsonObject | null;
  /** Methods, overriding what the spec implies (a seeding shortcut). */
  readonly methods?: readonly string[];
  /** API version (default `1.0.0`). */
  readonly version?: string;
  /** Owning tenant (default: the gateway's tenant, else `default`). */
  readonly tenantId?: string;
  /** Git commit of the catalog entry (default: none, a DB-only entry). */
  readonly gitCommitSha?: string;
  /** Raw desired state replacing the built one, e.g. to reproduce a malformed row. */
  readonly desiredState?: JsonObject;
  /** Sync status to leave the row in (default: `pending` on create or change). */
  readonly status?: SyncStatus;
  /** `desired_generation` to leave the row at. */
  readonly desiredGeneration?: number;
  /** `synced_generation` (default for a seeded `synced` row: the desired generation). */
  readonly syncedGeneration?: number;
  /** `last_sync_success` (default for a seeded `synced` row: now). */
  readonly lastSyncSuccess?: Date | null;
  /** `sync_error`. */
  readonly syncError?: string | null;
}

/** Result of a deploy: the row and whether its desired state is new or changed. */
export interface DeployResult {
  /** The created or updated row. */
  readonly deployment: DeploymentRecord;
  /** False when an existing row got the identical desired state again. */
  readonly changed: boolean;
}

/** Deployment rows in creation order. */
export class DeploymentBook {
  readonly #rows = new Map<string, DeploymentRecord>();

  /** Every row, oldest first. */
  all(): DeploymentRecord[] {
    return [...this.#rows.values()];
  }

  /** A row by canonical id. */
  find(id: string): DeploymentRecord | undefined {
    return this.#rows.get(id);
  }

  /** Rows of one gateway, newest first (the `/config` order). */
  forGatewayNewestFirst(gatewayId: string): DeploymentRecord[] {
    return this.all().filter((row) => row.gateway_instance_id === gatewayId).reverse();
  }

  /** Deploys an API to a gateway the way the CP's deploy service does. */
  deploy(gateway: GatewayRecord, options: DeployOptions, now: Date): DeployResult {
    const tenantId = options.tenantId ?? gateway.tenant_id ?? "default";
    const apiId = options.apiId ?? slug(options.apiName);
    const apiCatalogId = options.apiCatalogId ?? this.#catalogIdOf(tenantId, apiId) ??
      crypto.randomUUID();
    const entry: CatalogEntry = {
      apiCatalogId,
      apiName: options.apiName,
      apiId,
      tenantId,
      version: options.version ?? "1.0.0",
      openapiSpec: options.openapiSpec ?? null,
      metadata: options.backendUrl === undefined ? {} : { backend_url: options.backendUrl },
      gitCommitSha: options.gitCommitSha ?? null,
    };
    const desired = options.desiredState
      ? structuredClone(options.desiredState)
      : buildDesiredState(entry, gateway);
    if (options.methods && !options.desiredState) desired.methods = [...options.methods];

    const existing = this.all().find((row) =>
      row.api_catalog_id === apiCatalogId && row.gateway_instance_id === gateway.id
    );
    let deployment: DeploymentRecord;
    let changed = true;
    if (existing) {
      deployment = existing;
      changed = JSON.stringify(existing.desired_state) !== JSON.stringify(desired);
      deployment.desired_state = desired;
      deployment.desired_at = now;
      if (changed) {
        deployment.sync_status = "pending";
        deployment.sync_error = null;
        deployment.sync_attempts = 0;
        deployment.desired_generation += 1;
      }
      deployment.updated_at = now;
    } else {
      deployment = {
        id: crypto.randomUUID(),
        api_catalog_id: apiCatalogId,
        gateway_instance_id: gateway.id,
        desired_state: desired,
        desired_at: now,
        sync_status: "pending",
        desired_generation: 1,
        synced_generation: 0,
        attempted_generation: 0,
        last_sync_attempt: null,
        last_sync_success: null,
        sync_error: null,
        sync_attempts: 0,
        sync_steps: [],
        created_at: now,
        updated_at: now,
      };
      this.#rows.set(deployment.id, deployment);
    }
    seedSyncState(deployment, options, now);
    return { deployment, changed };
  }

  /** Force-sync: back to `pending` with a new generation. Publishes nothing on SSE. */
  forceSync(id: string, now: Date): DeploymentRecord {
    const deployment = this.#require(id);
    deployment.sync_status = "pending";
    deployment.sync_error = null;
    deployment.sync_attempts = 0;
    deployment.desired_generation += 1;
    deployment.updated_at = now;
    return deployment;
  }

  /**
   * Undeploy: a deployment that has reached the gateway becomes `deleting` (and, for agent
   * gateways, stays there); one that never did is deleted outright.
   */
  undeploy(id: string, now: Date): DeploymentRecord | undefined {
    const deployment = this.#require(id);
    if (deployment.last_sync_success === null) {
      this.#rows.delete(id);
      return undefined;
    }
    deployment.sync_status = "deleting";
    deployment.updated_at = now;
    return deployment;
  }

  /**
   * The route-sync-ack loop. The path's gateway is not looked up, only compared with each
   * deployment's owner, so acks keep working for a soft-deleted gateway.
   */
  acknowledge(
    gatewayId: string,
    items: readonly SyncedRoute[],
    now: Date,
  ): { processed: number; not_found: number } {
    let processed = 0;
    let notFound = 0;
    for (const item of items) {
      const id = parsePythonUuid(item.deployment_id);
      const deployment = id === null ? undefined : this.#rows.get(id);
      if (!deployment || deployment.gateway_instance_id !== gatewayId) {
        notFound++;
        continue;
      }
      if (applyRouteAck(deployment, item, now) === "processed") processed++;
    }
    return { processed, not_found: notFound };
  }

  #require(id: string): DeploymentRecord {
    const deployment = this.#rows.get(id);
    if (!deployment) throw new Error(`no deployment ${id}`);
    return deployment;
  }

  #catalogIdOf(tenantId: string, apiId: string): string | undefined {
    return this.all().find((row) =>
      row.desired_state.tenant_id === tenantId && row.desired_state.api_id === apiId
    )?.api_catalog_id;
  }
}

/** Applies the explicit sync-state seeds of a deploy, defaulting a `synced` row to a real one. */
function seedSyncState(deployment: DeploymentRecord, options: DeployOptions, now: Date): void {
  if (options.desiredGeneration !== undefined) {
    deployment.desired_generation = options.desiredGeneration;
  }
  if (options.status !== undefined) deployment.sync_status = options.status;
  const synced = options.status === "synced";
  if (options.syncedGeneration !== undefined) {
    deployment.synced_generation = options.syncedGeneration;
  } else if (synced) {
    deployment.synced_generation = deployment.desired_generation;
  }
  if (synced || options.syncedGeneration !== undefined) {
    deployment.attempted_generation = Math.max(
      deployment.attempted_generation,
      deployment.synced_generation,
    );
  }
  if (options.lastSyncSuccess !== undefined) {
    deployment.last_sync_success = options.lastSyncSuccess;
  } else if (synced && deployment.last_sync_success === null) {
    deployment.last_sync_success = now;
  }
  if (options.syncError !== undefined) deployment.sync_error = options.syncError;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "api";
}
