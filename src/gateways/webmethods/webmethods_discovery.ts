/**
 * Discovery of every API of a webMethods API Gateway in the Control Plane's shape: the list (every
 * page), each API's definition (bounded concurrency), then the API policies and their actions in a
 * few batched calls, whatever the number of APIs.
 *
 * @module
 */

import type { DiscoveredApi } from "../adapter.ts";
import type { WebMethodsClient } from "./webmethods_client.ts";
import {
  DETAIL_CONCURRENCY,
  getApis,
  getPolicies,
  listApis,
  listPolicyActions,
} from "./webmethods_inventory.ts";
import type { ApiDetail, ApiSummary } from "./webmethods_types.ts";

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Options of {@linkcode discoverApis}. */
export interface DiscoverOptions {
  /** Aborts the discovery. */
  readonly signal?: AbortSignal;
  /** API details read at once (default 16). */
  readonly concurrency?: number;
}

/**
 * One `DiscoveredApi` per API, in the gateway's order. An API deleted while discovery runs is left
 * out; any other failed call fails the discovery (a partial inventory would tell the Control Plane
 * that APIs disappeared).
 */
export async function discoverApis(
  client: WebMethodsClient,
  options: DiscoverOptions = {},
): Promise<DiscoveredApi[]> {
  const { signal } = options;
  const summaries = await listApis(client, signal);
  const details = await getApis(client, summaries.map((api) => api.id), {
    signal,
    concurrency: options.concurrency ?? DETAIL_CONCURRENCY,
  });
  const policyIds = unique([...details.values()].flatMap((api) => api.policies ?? []));
  const policies = await getPolicies(client, policyIds, signal);
  const actionIds = unique(
    policies.flatMap((policy) =>
      (policy.policyEnforcements ?? []).flatMap((stage) =>
        (stage.enforcements ?? []).map((enforcement) => enforcement.enforcementObjectId)
      )
    ),
  );
  const actions = actionIds.length === 0
    ? []
    : await listPolicyActions(client, { ids: actionIds, signal });
  const templateOf = new Map(actions.map((action) => [action.id, action.templateKey]));
  const templatesOfPolicy = new Map(policies.map((policy) => [
    policy.id,
    (policy.policyEnforcements ?? []).flatMap((stage) =>
      (stage.enforcements ?? []).flatMap((enforcement) => {
        const template = templateOf.get(enforcement.enforcementObjectId);
        return template ? [template] : [];
      })
    ),
  ]));
  return summaries.flatMap((summary) => {
    const detail = details.get(summary.id);
    if (!detail) return [];
    const templates = (detail.policies ?? []).flatMap((id) => templatesOfPolicy.get(id) ?? []);
    return [toDiscoveredApi(summary, detail, templates)];
  });
}

/**
 * Maps one API:
 * - `name`, `version`: `apiName`, `apiVersion`;
 * - `backend_url`: the first native endpoint URI;
 * - `paths`, `methods`: the enabled resources of the definition (`apiDefinition.paths`, or the older
 *   `resources[]`), methods upper-cased, in first-seen order;
 * - `policies`: template keys of the actions of the API's policy (`throttle`, `cors`, …), once each;
 * - `is_active`: `isActive` (from the definition, else the list).
 */
export function toDiscoveredApi(
  summary: ApiSummary,
  detail: ApiDetail,
  policyTemplates: readonly string[],
): DiscoveredApi {
  const paths = new Set<string>();
  const methods = new Set<string>();
  for (const [path, item] of Object.entries(detail.apiDefinition?.paths ?? {})) {
    if (!isEnabled(item)) continue;
    const enabledMethods = HTTP_METHODS.filter((method) =>
      isEnabled((item as Record<string, unknown>)[method])
    );
    if (enabledMethods.length === 0) continue;
    paths.add(path);
    for (const method of enabledMethods) methods.add(method.toUpperCase());
  }
  for (const resource of detail.resources ?? []) {
    paths.add(resource.resourcePath);
    for (const method of resource.methods ?? []) methods.add(method.toUpperCase());
  }
  const backend = (detail.nativeEndpoint ?? []).find((endpoint) => endpoint.uri)?.uri ?? "";
  return {
    name: detail.apiName,
    version: detail.apiVersion ?? summary.apiVersion ?? "",
    backend_url: backend,
    paths: [...paths],
    methods: [...methods],
    policies: unique(policyTemplates),
    is_active: (detail.isActive ?? summary.isActive) === true,
  };
}

/** webMethods marks disabled resources and operations with `enabled: false`. */
function isEnabled(node: unknown): boolean {
  return node !== null && typeof node === "object" &&
    (node as Record<string, unknown>).enabled !== false;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
