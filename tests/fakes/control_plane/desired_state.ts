/**
 * The deployment `desired_state` exactly as the CP's deploy service builds it from a catalog entry
 * (contract §8.1). This catalog-shaped object is what `/config` and the SSE `sync-deployment`
 * event carry raw; only `/routes` maps it to route items.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { type JsonObject, pythonJsonDumpsSorted } from "./python_format.ts";

/** Methods the CP collects from OpenAPI `paths`. */
const SPEC_METHODS: ReadonlySet<string> = new Set([
  "get",
  "post",
  "put",
  "patch",
  "delete",
  "head",
  "options",
]);

/** Methods assumed when the spec names none. */
export const DEFAULT_METHODS: readonly string[] = ["GET", "POST", "PUT", "DELETE"];

/** The API catalog entry a deployment is built from. */
export interface CatalogEntry {
  /** `api_catalog_id`. */
  readonly apiCatalogId: string;
  /** Human API name. */
  readonly apiName: string;
  /** API slug; routes use it as `/apis/{api_id}`. */
  readonly apiId: string;
  /** Owning tenant. */
  readonly tenantId: string;
  /** API version. */
  readonly version: string;
  /** OpenAPI document, if any. */
  readonly openapiSpec: JsonObject | null;
  /** Catalog metadata (`backend_url` or `url`). */
  readonly metadata: JsonObject;
  /** Git commit the catalog entry came from; none means a DB-only ("shortcut") entry. */
  readonly gitCommitSha: string | null;
}

/** The gateway a deployment targets, stamped into the desired state. */
export interface DeployTarget {
  /** Gateway name. */
  readonly name: string;
  /** Gateway environment. */
  readonly environment: string;
}

/** Builds `desired_state` for a direct deploy of `entry` to `target`. */
export function buildDesiredState(entry: CatalogEntry, target: DeployTarget): JsonObject {
  const source = entry.openapiSpec ?? (Object.keys(entry.metadata).length ? entry.metadata : {});
  const gitPath = `tenants/${entry.tenantId}/apis/${entry.apiName}`;
  return {
    spec_hash: specHash(source),
    version: entry.version,
    api_name: entry.apiName,
    api_id: entry.apiId,
    api_catalog_id: entry.apiCatalogId,
    tenant_id: entry.tenantId,
    backend_url: backendUrlOf(entry),
    methods: methodsOf(entry.openapiSpec),
    activated: true,
    openapi_spec: entry.openapiSpec,
    ...(entry.gitCommitSha
      ? {
        desired_source: "git",
        git_sync_status: "up_to_date",
        desired_commit_sha: entry.gitCommitSha,
        desired_git_path: gitPath,
      }
      : {
        desired_source: "db_shortcut",
        git_sync_status: "git_sync_disabled",
        desired_commit_sha: null,
        desired_git_path: gitPath,
      }),
    target_gateway_name: target.name,
    target_environment: target.environment,
    target_source: "direct",
  };
}

/** sha256 hex of `json.dumps(value, sort_keys=True)`, the CP's `spec_hash`. */
export function specHash(value: unknown): string {
  return createHash("sha256").update(pythonJsonDumpsSorted(value)).digest("hex");
}

function backendUrlOf(entry: CatalogEntry): string {
  const fromMetadata = entry.metadata.backend_url ?? entry.metadata.url;
  if (typeof fromMetadata === "string" && fromMetadata) return fromMetadata;
  const servers = entry.openapiSpec?.servers;
  if (Array.isArray(servers) && servers[0] && typeof servers[0] === "object") {
    const url = (servers[0] as JsonObject).url;
    if (typeof url === "string") return url;
  }
  return "";
}

function methodsOf(spec: JsonObject | null): string[] {
  const found = new Set<string>();
  const paths = spec?.paths;
  if (paths && typeof paths === "object" && !Array.isArray(paths)) {
    for (const item of Object.values(paths)) {
      if (!item || typeof item !== "object") continue;
      for (const method of Object.keys(item)) {
        if (SPEC_METHODS.has(method.toLowerCase())) found.add(method.toUpperCase());
      }
    }
  }
  return found.size ? [...found].sort() : [...DEFAULT_METHODS];
}
