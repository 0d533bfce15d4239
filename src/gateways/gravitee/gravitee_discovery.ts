/**
 * Discovery: every API of the environment (all pages) and the flows of their published and
 * deprecated plans, mapped to the Control Plane's discovered-API shape. v4 and v2 definitions are
 * both read; federated APIs have no gateway side and are reported inactive with what they have.
 *
 * @module
 */

import type { CallOptions, DiscoveredApi } from "../adapter.ts";
import type { GraviteeClient } from "./gravitee_client.ts";
import { readAllPages } from "./gravitee_pagination.ts";
import { METHODS_FLOW_NAME } from "./gravitee_ownership.ts";
import {
  type GraviteeApi,
  GraviteeApiSchema,
  type GraviteeFlow,
  type GraviteePlan,
  GraviteePlanSchema,
} from "./gravitee_types.ts";
import { mapConcurrent } from "../concurrency.ts";
import { GatewayHttpError } from "../admin_http.ts";

/** Plans read at once during discovery. */
export const DISCOVERY_CONCURRENCY = 8;
/** Plan statuses the gateway serves (staging plans are not deployed, closed ones are gone). */
export const ACTIVE_PLAN_STATUSES = "PUBLISHED,DEPRECATED";
/** The policy id Gravitee uses for each plan security type. */
const SECURITY_POLICIES: Readonly<Record<string, string>> = {
  KEY_LESS: "keyless",
  API_KEY: "api-key",
  OAUTH2: "oauth2",
  JWT: "jwt",
  MTLS: "mtls",
};
const STEP_PHASES = ["request", "response", "subscribe", "publish", "pre", "post"] as const;

/** Every API of the environment, all pages. */
export function listApis(
  client: GraviteeClient,
  options: CallOptions & { readonly deploymentState?: boolean } = {},
): Promise<GraviteeApi[]> {
  return readAllPages({
    client,
    path: client.v2("apis"),
    item: GraviteeApiSchema,
    query: { expands: options.deploymentState ? "deploymentState" : undefined },
    signal: options.signal,
  });
}

/** The plans of one API with the given statuses (default: published and deprecated). */
export function listPlans(
  client: GraviteeClient,
  apiId: string,
  options: CallOptions & { readonly statuses?: string } = {},
): Promise<GraviteePlan[]> {
  return readAllPages({
    client,
    path: client.v2(`apis/${encodeURIComponent(apiId)}/plans`),
    item: GraviteePlanSchema,
    query: { statuses: options.statuses ?? ACTIVE_PLAN_STATUSES },
    signal: options.signal,
  });
}

/**
 * Reads the whole environment: one call per page of APIs, then one per API for its plans (at
 * most {@linkcode DISCOVERY_CONCURRENCY} at a time). An API deleted between the two reads (404
 * on its plans) is left out; any other failure fails the discovery, naming the API.
 */
export async function discoverApis(
  client: GraviteeClient,
  options: CallOptions = {},
): Promise<DiscoveredApi[]> {
  const apis = await listApis(client, options);
  const plans = await mapConcurrent(apis, DISCOVERY_CONCURRENCY, async (api) => {
    if (api.definitionVersion !== "V4" && api.definitionVersion !== "V2") return [];
    try {
      return await listPlans(client, api.id, options);
    } catch (error) {
      if (error instanceof GatewayHttpError && error.status === 404) return undefined;
      throw error instanceof GatewayHttpError
        ? new GatewayHttpError(`discovery of API '${api.name}': ${error.message}`, error)
        : error;
    }
  });
  const found: DiscoveredApi[] = [];
  apis.forEach((api, index) => {
    const apiPlans = plans[index];
    if (apiPlans) found.push(toDiscoveredApi(api, apiPlans));
  });
  return found;
}

/**
 * One API in the discovered-API shape:
 * - `paths`: v4 HTTP listener paths, v2 virtual-host paths (or `contextPath`);
 * - `backend_url`: the first endpoint's target (v4 `configuration.target`, v2 `target`);
 * - `methods`: `[]` (Gravitee proxies every method) unless the API requires a flow match and its
 *   flows select methods, as stoa-connect's routes do;
 * - `policies`: policy ids of the enabled steps of enabled API and plan flows, the plans'
 *   security (`api-key`, `jwt`, `oauth2`, `keyless`, `mtls`) and `cors` when CORS is enabled;
 * - `is_active`: `state == STARTED`.
 */
export function toDiscoveredApi(api: GraviteeApi, plans: readonly GraviteePlan[]): DiscoveredApi {
  const policies = new Set<string>();
  const addFlows = (flows: readonly GraviteeFlow[] | undefined) => {
    for (const flow of flows ?? []) {
      if (flow.enabled === false) continue;
      for (const phase of STEP_PHASES) {
        for (const step of flow[phase] ?? []) {
          if (step.enabled !== false && step.policy) policies.add(step.policy);
        }
      }
    }
  };
  addFlows(api.flows);
  for (const plan of plans) {
    const security = plan.security?.type ? SECURITY_POLICIES[plan.security.type] : undefined;
    if (security) policies.add(security);
    addFlows(plan.flows);
  }
  const httpListeners = (api.listeners ?? []).filter((listener) => listener.type === "HTTP");
  if (httpListeners.some((listener) => listener.cors?.enabled) || api.proxy?.cors?.enabled) {
    policies.add("cors");
  }
  const paths = api.definitionVersion === "V2"
    ? (api.proxy?.virtualHosts ?? []).map((host) => host.path).filter(isText)
    : httpListeners.flatMap((listener) => (listener.paths ?? []).map((path) => path.path))
      .filter(isText);
  if (paths.length === 0 && api.contextPath) paths.push(api.contextPath);
  const backend = api.definitionVersion === "V2"
    ? api.proxy?.groups?.[0]?.endpoints?.[0]?.target
    : api.endpointGroups?.[0]?.endpoints?.[0]?.configuration?.target;
  return {
    name: api.name,
    version: api.apiVersion ?? "",
    backend_url: backend ?? "",
    paths: [...new Set(paths)],
    methods: selectedMethods(api),
    policies: [...policies],
    is_active: api.state === "STARTED",
  };
}

/** The methods a route is limited to (its `stoa-route:methods` flow under `matchRequired`). */
export function selectedMethods(api: GraviteeApi): string[] {
  if (api.flowExecution?.matchRequired !== true) return [];
  const flow = (api.flows ?? []).find((candidate) => candidate.name === METHODS_FLOW_NAME);
  return [...(flow?.selectors?.find((selector) => selector.type === "HTTP")?.methods ?? [])];
}

function isText(value: string | undefined): value is string {
  return typeof value === "string" && value !== "";
}
