/**
 * Deployed routes as v4 PROXY APIs: one API per deployment, recognised after a restart by its
 * description (`[stoa-managed deployment=<id>]`). An API serves traffic only with a published
 * plan, once deployed and started, so a route is: the API (listener path, HTTP proxy endpoint,
 * method filter), a published keyless plan, a deployment, and the STARTED state when activated
 * (STOPPED otherwise). The desired list is authoritative: owned APIs no longer desired are
 * stopped and deleted (their plans closed). Gravitee "Duplicate" copies the description, marker
 * included: several APIs carrying the marker of one deployment are never deleted automatically
 * (one may be an operator's copy); the item fails naming them and nothing is written.
 *
 * @module
 */

import type { SyncOptions } from "../adapter.ts";
import type { DesiredRoute } from "../../sync/desired.ts";
import type { Plan, PlanItem } from "../../sync/plan.ts";
import type { GraviteeClient } from "./gravitee_client.ts";
import { listApis, listPlans, selectedMethods } from "./gravitee_discovery.ts";
import { deployApi, getApi, saveApi, setApiState, updateBody } from "./gravitee_api_writes.ts";
import {
  METHODS_FLOW_NAME,
  policyOwner,
  routeDescription,
  routeOwner,
} from "./gravitee_ownership.ts";
import {
  type GraviteeApi,
  GraviteeApiSchema,
  type GraviteeFlow,
  type GraviteePlan,
  GraviteePlanSchema,
} from "./gravitee_types.ts";
import { DEFAULT_CONCURRENCY, mapConcurrent } from "../concurrency.ts";
import { errorText } from "../error_text.ts";
import { diffFields } from "../field_diff.ts";
import type { KeyedLock } from "../keyed_lock.ts";

/** Name of the keyless plan stoa-connect gives each route. */
export const ROUTE_PLAN_NAME = "stoa-connect keyless";
/** Version shown in the portal for route APIs (the route carries none). */
const ROUTE_API_VERSION = "1.0";
/** Every method Gravitee selectors know: a route allowing all of them needs no filter. */
const ALL_METHODS = [
  "CONNECT",
  "DELETE",
  "GET",
  "HEAD",
  "OPTIONS",
  "PATCH",
  "POST",
  "PUT",
  "TRACE",
];

/** What applying one route item does. */
export type RouteOperation =
  | { readonly type: "create"; readonly route: DesiredRoute }
  | { readonly type: "update"; readonly route: DesiredRoute; readonly apiId: string }
  | { readonly type: "delete"; readonly apiId: string };

/** A plan and what each of its items does. */
export interface PlannedRoutes {
  /** The plan. */
  readonly plan: Plan;
  /** The operation of every item that writes. */
  readonly operations: Map<PlanItem, RouteOperation>;
}

/** The parts of a route API stoa-connect manages, as compared and shown in plans. */
interface RouteShape {
  readonly name: string;
  readonly path: string;
  readonly backend_url: string;
  readonly methods: readonly string[];
  readonly state: "STARTED" | "STOPPED";
  readonly plan: string;
  readonly deployment: string;
}

/** Gravitee stores listener paths with a trailing slash (`/apis/orders` → `/apis/orders/`). */
export function normalisePath(path: string): string {
  return path.endsWith("/") ? path : `${path}/`;
}

/** Plans the routes; reads every API (to find owned ones) and the plans of owned APIs. */
export async function planRouteSync(
  client: GraviteeClient,
  desired: readonly DesiredRoute[],
  options: SyncOptions = {},
): Promise<PlannedRoutes> {
  const apis = await listApis(client, { signal: options.signal, deploymentState: true });
  const owned = new Map<string, GraviteeApi[]>();
  for (const api of apis) {
    const deploymentId = routeOwner(api);
    if (deploymentId !== undefined) {
      owned.set(deploymentId, [...(owned.get(deploymentId) ?? []), api]);
    }
  }
  const ownedApis = [...owned.values()].flat();
  const plans = await mapConcurrent(
    ownedApis,
    options.concurrency ?? DEFAULT_CONCURRENCY,
    (api) => listPlans(client, api.id, { signal: options.signal, statuses: "PUBLISHED" }),
  );
  const plansOf = new Map(ownedApis.map((api, index) => [api.id, plans[index]]));

  const items: PlanItem[] = [];
  const operations = new Map<PlanItem, RouteOperation>();
  const desiredIds = new Set<string>();
  for (const route of desired) {
    desiredIds.add(route.id);
    const base = {
      kind: "route" as const,
      id: route.id,
      name: route.name,
      generation: route.generation,
    };
    const mine = owned.get(route.id) ?? [];
    const [api] = mine;
    if (mine.length > 1) {
      items.push({
        ...base,
        action: "update",
        changes: [],
        error: duplicatesReason(route.id, mine),
      });
      continue;
    }
    const problem = validateRoute(route);
    if (problem) {
      items.push({ ...base, action: api ? "update" : "create", changes: [], error: problem });
      continue;
    }
    const wanted = desiredShape(route);
    const target = `v4 API ${route.name} at ${normalisePath(route.pathPrefix)}`;
    if (!api) {
      const item: PlanItem = {
        ...base,
        action: "create",
        target,
        changes: diffFields(undefined, wanted),
      };
      items.push(item);
      operations.set(item, { type: "create", route });
    } else {
      const changes = diffFields(currentShape(api, plansOf.get(api.id) ?? []), wanted);
      const item: PlanItem = {
        ...base,
        action: changes.length > 0 ? "update" : "unchanged",
        target: `${target} (id ${api.id})`,
        changes,
      };
      items.push(item);
      if (changes.length > 0) operations.set(item, { type: "update", route, apiId: api.id });
    }
  }
  for (const [deploymentId, apisOfDeployment] of owned) {
    if (desiredIds.has(deploymentId)) continue;
    if (apisOfDeployment.length > 1) {
      items.push({
        kind: "route",
        id: deploymentId,
        name: apisOfDeployment[0].name,
        action: "delete",
        changes: [],
        error: duplicatesReason(deploymentId, apisOfDeployment),
      });
      continue;
    }
    for (const api of apisOfDeployment) addDelete(api, "no longer deployed");
  }
  return { plan: { kind: "route", items }, operations };

  function addDelete(api: GraviteeApi, why: string): void {
    const item: PlanItem = {
      kind: "route",
      id: routeOwner(api)!,
      name: api.name,
      action: "delete",
      target: `v4 API ${api.name} (id ${api.id}; ${why})`,
      changes: diffFields(currentShape(api, plansOf.get(api.id) ?? []), undefined),
    };
    items.push(item);
    operations.set(item, { type: "delete", apiId: api.id });
  }
}

/** Why a deployment with several APIs carrying its marker is not synchronised. */
function duplicatesReason(deploymentId: string, apis: readonly GraviteeApi[]): string {
  const named = [...apis].sort((a, b) => a.id.localeCompare(b.id))
    .map((api) => `'${api.name}' (id ${api.id})`).join(", ");
  return `${apis.length} APIs carry the stoa-connect marker of deployment ${deploymentId}: ${named}; stoa-connect never deletes a duplicate (it may be an operator's copy) and changes none of them: delete the extra APIs or remove the marker from their description in Gravitee`;
}

/** Applies one route operation; throws on the first failing call (the item then fails). */
export async function applyRouteOperation(
  client: GraviteeClient,
  operation: RouteOperation,
  signal?: AbortSignal,
): Promise<void> {
  switch (operation.type) {
    case "create": {
      const { route } = operation;
      const api = await client.call("POST", client.v2("apis"), {
        body: createBody(route),
        expected: [201],
        schema: GraviteeApiSchema,
        signal,
      });
      await ensurePublishedPlan(client, api.id, [], signal);
      // The first start deploys the API; a route that must not serve traffic is deployed stopped.
      if (route.activated) await setApiState(client, api.id, "start", signal);
      else await deployApi(client, api.id, signal);
      return;
    }
    case "update": {
      const { route, apiId } = operation;
      const api = await getApi(client, apiId, signal);
      const plans = await listPlans(client, apiId, { signal, statuses: "PUBLISHED" });
      const changes = routeChanges(api, route);
      const saved = changes ? await saveApi(client, apiId, updateBody(api, changes), signal) : api;
      const planCreated = await ensurePublishedPlan(client, apiId, plans, signal);
      const deploy = changes !== undefined || planCreated || saved.deploymentState !== "DEPLOYED";
      if (deploy) await deployApi(client, apiId, signal);
      if (route.activated && saved.state !== "STARTED") {
        await setApiState(client, apiId, "start", signal);
      } else if (!route.activated && saved.state === "STARTED") {
        await setApiState(client, apiId, "stop", signal);
      }
      return;
    }
    case "delete": {
      const api = await getApi(client, operation.apiId, signal);
      if (api.state === "STARTED") await setApiState(client, operation.apiId, "stop", signal);
      await client.call("DELETE", client.v2(`apis/${encodeURIComponent(operation.apiId)}`), {
        query: { closePlans: true },
        expected: [204],
        signal,
      });
      return;
    }
  }
}

/**
 * Applies route items, at most `concurrency` at a time, never two writers on one API (`locks`,
 * shared with policy sync); one result (error text) per item.
 */
export async function applyRouteSync(
  client: GraviteeClient,
  work: readonly { readonly item: PlanItem; readonly operation: RouteOperation }[],
  locks: KeyedLock,
  options: SyncOptions = {},
): Promise<Map<PlanItem, string | undefined>> {
  const errors = await mapConcurrent(
    work,
    options.concurrency ?? DEFAULT_CONCURRENCY,
    async ({ operation }) => {
      try {
        // Updates and deletes read, change and save an existing API: one writer per API at a time.
        if (operation.type === "create") {
          await applyRouteOperation(
            client,
            operation,
            options.signal,
          );
        } else {
          await locks.run(
            operation.apiId,
            () => applyRouteOperation(client, operation, options.signal),
          );
        }
        return undefined;
      } catch (error) {
        return errorText(error);
      }
    },
  );
  return new Map(work.map(({ item }, index) => [item, errors[index]]));
}

function validateRoute(route: DesiredRoute): string | undefined {
  if (!route.pathPrefix.startsWith("/")) {
    return `path_prefix '${route.pathPrefix}' must start with '/'`;
  }
  let url: URL;
  try {
    url = new URL(route.backendUrl);
  } catch {
    return `backend_url '${route.backendUrl}' is not a URL`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `backend_url '${route.backendUrl}' must be http or https for a Gravitee HTTP proxy`;
  }
  return undefined;
}

/** The methods a route is limited to, or `[]` when it allows every method. */
function routeMethods(route: DesiredRoute): string[] {
  const methods = [...new Set(route.methods.map((method) => method.toUpperCase()))].sort();
  return ALL_METHODS.every((method) => methods.includes(method)) ? [] : methods;
}

function desiredShape(route: DesiredRoute): RouteShape {
  return {
    name: route.name,
    path: normalisePath(route.pathPrefix),
    backend_url: route.backendUrl,
    methods: routeMethods(route),
    state: route.activated ? "STARTED" : "STOPPED",
    plan: `${ROUTE_PLAN_NAME} (published)`,
    deployment: "DEPLOYED",
  };
}

function currentShape(api: GraviteeApi, plans: readonly GraviteePlan[]): RouteShape {
  const listener = (api.listeners ?? []).find((candidate) => candidate.type === "HTTP");
  const keyless = plans.find((plan) =>
    plan.status === "PUBLISHED" && plan.security?.type === "KEY_LESS"
  );
  return {
    name: api.name,
    path: listener?.paths?.[0]?.path ?? "",
    backend_url: api.endpointGroups?.[0]?.endpoints?.[0]?.configuration?.target ?? "",
    methods: [...selectedMethods(api)].sort(),
    state: api.state === "STARTED" ? "STARTED" : "STOPPED",
    plan: keyless ? `${keyless.name} (published)` : "none",
    deployment: api.deploymentState ?? "NEED_REDEPLOY",
  };
}

function methodsFlow(methods: readonly string[]): GraviteeFlow {
  return {
    name: METHODS_FLOW_NAME,
    enabled: true,
    selectors: [{ type: "HTTP", path: "/", pathOperator: "STARTS_WITH", methods: [...methods] }],
    request: [],
    response: [],
  };
}

function flowExecution(methods: readonly string[]) {
  // With a method filter, a request no flow matches (another method) is answered 404.
  return { mode: "DEFAULT", matchRequired: methods.length > 0 };
}

function createBody(route: DesiredRoute): Record<string, unknown> {
  const methods = routeMethods(route);
  return {
    name: route.name,
    apiVersion: ROUTE_API_VERSION,
    definitionVersion: "V4",
    type: "PROXY",
    description: routeDescription(route.id, route.name),
    listeners: [{
      type: "HTTP",
      paths: [{ path: normalisePath(route.pathPrefix) }],
      entrypoints: [{ type: "http-proxy" }],
    }],
    endpointGroups: [{
      name: "default-group",
      type: "http-proxy",
      endpoints: [{
        name: "default",
        type: "http-proxy",
        inheritConfiguration: false,
        configuration: { target: route.backendUrl },
      }],
    }],
    flowExecution: flowExecution(methods),
    flows: methods.length > 0 ? [methodsFlow(methods)] : [],
  };
}

/**
 * The definition changes a route needs, or `undefined` when the definition already matches:
 * name, listener path, endpoint target and the method filter (policy flows follow the filter so
 * that they never let other methods through).
 */
function routeChanges(api: GraviteeApi, route: DesiredRoute): Partial<GraviteeApi> | undefined {
  const methods = routeMethods(route);
  const path = normalisePath(route.pathPrefix);
  const listener = (api.listeners ?? []).find((candidate) => candidate.type === "HTTP");
  const target = api.endpointGroups?.[0]?.endpoints?.[0]?.configuration?.target;
  const currentMethods = [...selectedMethods(api)].sort();
  const same = api.name === route.name && listener?.paths?.[0]?.path === path &&
    target === route.backendUrl &&
    currentMethods.join() === methods.join() &&
    (api.flowExecution?.matchRequired === true) === (methods.length > 0);
  if (same) return undefined;
  const listeners = (api.listeners ?? []).map((candidate) =>
    candidate === listener ? { ...candidate, paths: [{ path }] } : candidate
  );
  const endpointGroups = (api.endpointGroups ?? []).map((group, index) =>
    index !== 0 ? group : {
      ...group,
      endpoints: (group.endpoints ?? []).map((endpoint, position) =>
        position !== 0 ? endpoint : {
          ...endpoint,
          configuration: { ...endpoint.configuration, target: route.backendUrl },
        }
      ),
    }
  );
  const flows: GraviteeFlow[] = [];
  if (methods.length > 0) flows.push(methodsFlow(methods));
  for (const flow of api.flows ?? []) {
    if (flow.name === METHODS_FLOW_NAME) continue;
    flows.push(
      policyOwner(flow) === undefined ? flow : {
        ...flow,
        selectors: (flow.selectors ?? []).map((selector) =>
          selector.type === "HTTP" ? { ...selector, methods: [...methods] } : selector
        ),
      },
    );
  }
  return {
    name: route.name,
    listeners,
    endpointGroups,
    flows,
    flowExecution: { ...api.flowExecution, ...flowExecution(methods) },
  };
}

/**
 * Creates and publishes the keyless plan when the API has no published keyless plan; true when
 * it did (the API then needs a deployment).
 */
async function ensurePublishedPlan(
  client: GraviteeClient,
  apiId: string,
  published: readonly GraviteePlan[],
  signal: AbortSignal | undefined,
): Promise<boolean> {
  if (published.some((plan) => plan.security?.type === "KEY_LESS")) return false;
  const plans = client.v2(`apis/${encodeURIComponent(apiId)}/plans`);
  const plan = await client.call("POST", plans, {
    body: {
      definitionVersion: "V4",
      name: ROUTE_PLAN_NAME,
      description: "Open access to a route deployed by stoa-connect",
      security: { type: "KEY_LESS" },
      validation: "AUTO",
      mode: "STANDARD",
      flows: [],
    },
    expected: [201],
    schema: GraviteePlanSchema,
    signal,
  });
  await client.call("POST", `${plans}/${encodeURIComponent(plan.id)}/_publish`, {
    schema: GraviteePlanSchema,
    signal,
  });
  return true;
}
