/**
 * Deployed routes on webMethods: one owned API per deployment, named `stoa-<route name>`, made from
 * the deployment's OpenAPI document (after spec hygiene) or, without one, from a generated REST
 * definition; activated or deactivated as the Control Plane says; deleted when no longer desired.
 *
 * Planning compares the desired state with what the gateway really has, never with a remembered
 * hash (the Go agent's P-11): the spec hash kept in the API's ownership marker, the backend, the
 * operations, the name and the activation state. An API that is inactive while it should serve, or
 * was edited on the gateway, is planned for repair even when the spec did not change.
 *
 * Apply keeps the Go agent's hard-won rules: a 409 on create re-reads the list and updates the API
 * found, once; a 409 on update fails; activation is checked; one route's failure never stops the
 * others. Only an API of the version the agent creates (`ROUTE_API_VERSION`) is owned: webMethods
 * "Create new version" copies the name and the ownership marker, and an operator's version is never
 * touched. Several owned APIs for one deployment (an operator's copy) are never deleted
 * automatically: the item fails naming them, and nothing is written.
 *
 * @module
 */

import type { SyncOptions } from "../adapter.ts";
import { GatewayHttpError } from "../admin_http.ts";
import type { DesiredRoute } from "../../sync/desired.ts";
import type { FieldChange, PlanItem } from "../../sync/plan.ts";
import { segment } from "../../http/url.ts";
import type { WebMethodsClient } from "./webmethods_client.ts";
import { getApi, getApis, listApis } from "./webmethods_inventory.ts";
import {
  ownedDescription,
  ownedMarker,
  ownedName,
  type OwnershipMarker,
} from "./webmethods_ownership.ts";
import type { PlannedItem } from "./webmethods_plan.ts";
import {
  type DefinitionError,
  type PreparedDefinition,
  prepareSpec,
  restDefinition,
} from "./webmethods_spec_hygiene.ts";
import { type ApiDetail, type ApiSummary, readApiDetail } from "./webmethods_types.ts";

/** Version of every API the agent creates (webMethods exposes `/gateway/<name>/<version>`). */
export const ROUTE_API_VERSION = "1.0";

const OPERATION_KEYS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

interface OwnedApi {
  readonly api: ApiSummary;
  readonly marker: OwnershipMarker;
}

/** What an owned API must look like. */
interface Wanted {
  readonly route: DesiredRoute;
  readonly name: string;
  readonly marker: OwnershipMarker;
  readonly prepared: PreparedDefinition;
}

/** Plans every desired route and the removal of owned APIs no longer desired. */
export async function planRouteSync(
  client: WebMethodsClient,
  desired: readonly DesiredRoute[],
  options: SyncOptions = {},
): Promise<PlannedItem[]> {
  const { signal } = options;
  const apis = await listApis(client, signal);
  const owned = new Map<string, OwnedApi[]>();
  for (const api of apis) {
    const marker = ownedMarker(api.apiName, api.apiDescription, "deployment");
    // Another version of an owned API is an operator's ("Create new version" copies the marker).
    if (!marker || (api.apiVersion ?? ROUTE_API_VERSION) !== ROUTE_API_VERSION) continue;
    owned.set(marker.id, [...(owned.get(marker.id) ?? []), { api, marker }]);
  }
  const desiredIds = new Set(desired.map((route) => route.id));
  const adopted = new Set<string>();
  const namesTaken = new Map<string, DesiredRoute>();
  const candidates = new Map<string, { wanted: Wanted; primary?: OwnedApi }>();
  const planned = new Map<string, PlannedItem>();

  for (const route of desired) {
    const name = ownedName(route.name);
    const twin = namesTaken.get(name);
    if (twin) {
      planned.set(
        route.id,
        failed(
          route,
          name,
          `route '${route.name}' and route '${twin.name}' both become the webMethods API '${name}' (characters outside A-Z a-z 0-9 . _ - become '-'); rename one of them`,
        ),
      );
      continue;
    }
    namesTaken.set(name, route);
    const prepared: PreparedDefinition | DefinitionError = route.openapiSpec === null
      ? restDefinition(route)
      : prepareSpec(route.openapiSpec, { backendUrl: route.backendUrl });
    if ("error" in prepared) {
      planned.set(route.id, failed(route, name, prepared.error));
      continue;
    }
    const marker: OwnershipMarker = {
      kind: "deployment",
      id: route.id,
      attributes: route.specHash ? { spec: route.specHash } : {},
    };
    const mine = [...(owned.get(route.id) ?? [])];
    if (mine.length > 1) {
      planned.set(route.id, failed(route, name, duplicatesReason(route.id, mine), "update"));
      continue;
    }
    if (mine.length === 0) {
      // A redeployment under a new id: reuse the API of a deployment that is no longer desired
      // (only when that deployment has a single API: duplicates are left to the operator).
      const orphan = [...owned.values()].filter((list) => list.length === 1).flat().find((
        candidate,
      ) =>
        candidate.api.apiName === name && !desiredIds.has(candidate.marker.id) &&
        !adopted.has(candidate.api.id)
      );
      if (orphan) {
        adopted.add(orphan.api.id);
        mine.push(orphan);
      }
    }
    if (mine.length === 0) {
      const foreign = apis.find((api) =>
        api.apiName === name && (api.apiVersion ?? ROUTE_API_VERSION) === ROUTE_API_VERSION
      );
      if (foreign) {
        planned.set(
          route.id,
          failed(
            route,
            name,
            `an API named '${name}' (version ${ROUTE_API_VERSION}, id ${foreign.id}) exists on the gateway but is not managed by stoa-connect (no ownership marker in its description); delete or rename it on the gateway`,
          ),
        );
        continue;
      }
    }
    candidates.set(route.id, { wanted: { route, name, marker, prepared }, primary: mine[0] });
  }

  const primaries = [...candidates.values()].flatMap(({ primary }) => primary ? [primary] : []);
  const details = await getApis(client, primaries.map(({ api }) => api.id), { signal });

  const items: PlannedItem[] = desired.map((route) => {
    const own = planned.get(route.id);
    if (own) return own;
    const { wanted, primary } = candidates.get(route.id)!;
    const detail = primary ? details.get(primary.api.id) : undefined;
    return planOne(client, wanted, primary, detail);
  });

  for (const [deploymentId, list] of owned) {
    if (desiredIds.has(deploymentId)) continue;
    if (list.length > 1) {
      // Never delete a duplicate automatically: one of them may be an operator's copy.
      items.push({
        item: {
          kind: "route",
          id: deploymentId,
          name: list[0].api.apiName,
          action: "delete",
          target: `api ${list[0].api.apiName}`,
          changes: [],
          error: duplicatesReason(deploymentId, list),
        },
      });
      continue;
    }
    for (const { api, marker } of list) {
      if (adopted.has(api.id)) continue;
      items.push({
        item: {
          kind: "route",
          id: marker.id,
          name: api.apiName,
          action: "delete",
          target: `api ${api.apiName}`,
          changes: [
            { field: "apiName", before: api.apiName },
            { field: "isActive", before: api.isActive === true },
          ],
        },
        operation: (signal) => removeApi(client, api.id, signal),
      });
    }
  }
  return items;
}

function planOne(
  client: WebMethodsClient,
  wanted: Wanted,
  primary: OwnedApi | undefined,
  detail: ApiDetail | undefined,
): PlannedItem {
  const { route, name } = wanted;
  const target = `api ${name}`;
  const base = { kind: "route" as const, id: route.id, name: route.name, target };
  const generation = route.generation === undefined ? {} : { generation: route.generation };
  if (!primary || !detail) {
    const changes: FieldChange[] = [
      { field: "apiName", after: name },
      { field: "type", after: wanted.prepared.type },
      { field: "backend_url", after: backendOf(wanted.prepared) },
      { field: "operations", after: operationsOf(wanted.prepared.definition.paths) },
      ...(route.specHash ? [{ field: "spec_hash", after: route.specHash }] : []),
      { field: "isActive", after: route.activated },
    ];
    return {
      item: { ...base, action: "create", changes, ...generation },
      operation: (signal) => createApi(client, wanted, signal),
    };
  }
  const changes: FieldChange[] = [];
  const compare = (field: string, before: unknown, after: unknown) => {
    if (JSON.stringify(before) !== JSON.stringify(after)) changes.push({ field, before, after });
  };
  compare("deployment", primary.marker.id, route.id);
  compare("apiName", detail.apiName, name);
  compare("spec_hash", primary.marker.attributes.spec ?? "", route.specHash);
  compare("backend_url", currentBackend(detail), backendOf(wanted.prepared));
  compare("operations", currentOperations(detail), operationsOf(wanted.prepared.definition.paths));
  if (changes.length === 0 && detail.apiDescription !== ownedDescription(wanted.marker)) {
    changes.push({
      field: "apiDescription",
      before: detail.apiDescription ?? "",
      after: ownedDescription(wanted.marker),
    });
  }
  const rewrite = changes.length > 0;
  const active = detail.isActive === true;
  compare("isActive", active, route.activated);
  if (changes.length === 0) {
    return { item: { ...base, action: "unchanged", changes, ...generation } };
  }
  return {
    item: { ...base, action: "update", changes, ...generation },
    operation: async (signal) => {
      if (rewrite) await writeApi(client, "PUT", wanted, primary.api.id, signal);
      if (active !== route.activated) {
        await setActive(client, primary.api.id, route.activated, signal);
      }
    },
  };
}

/** The create payload (`InputAPI`) or update payload (`GatewayAPI`) of an owned API. */
export function apiPayload(
  wanted: Pick<Wanted, "name" | "marker" | "prepared">,
): Record<string, unknown> {
  return {
    apiName: wanted.name,
    apiVersion: ROUTE_API_VERSION,
    apiDescription: ownedDescription(wanted.marker),
    type: wanted.prepared.type,
    apiDefinition: wanted.prepared.definition,
  };
}

async function createApi(
  client: WebMethodsClient,
  wanted: Wanted,
  signal: AbortSignal | undefined,
): Promise<void> {
  const response = await client.send("POST", "apis", { body: apiPayload(wanted), signal });
  let id: string;
  if (response.status === 409) {
    // Created meanwhile (another agent, or a lost answer seen again): take it over once.
    const again = (await listApis(client, signal)).find((api) =>
      api.apiName === wanted.name && (api.apiVersion ?? ROUTE_API_VERSION) === ROUTE_API_VERSION
    );
    if (!again) {
      throw new GatewayHttpError(
        `webMethods answered 409 to creating '${wanted.name}' but the API is not in the list (ghost conflict or search index lag); the next sync retries`,
        { status: 409, body: response.body },
      );
    }
    if (!ownedMarker(again.apiName, again.apiDescription, "deployment")) {
      throw new GatewayHttpError(
        `webMethods answered 409 to creating '${wanted.name}': an API with that name exists and is not managed by stoa-connect; delete or rename it on the gateway`,
        { status: 409, body: response.body },
      );
    }
    id = again.id;
    await writeApi(client, "PUT", wanted, id, signal, "persistent conflict after 409 on create");
  } else if (response.status === 200 || response.status === 201) {
    const created = readApiDetail(response.body);
    if (!created) {
      throw new GatewayHttpError(
        `webMethods created '${wanted.name}' but its answer has no API id; the next sync finds it and activates it`,
        { status: response.status, body: response.body },
      );
    }
    id = created.id;
  } else {
    throw client.statusError("POST", "apis", response);
  }
  if (wanted.route.activated) await setActive(client, id, true, signal);
}

async function writeApi(
  client: WebMethodsClient,
  method: "PUT",
  wanted: Wanted,
  id: string,
  signal: AbortSignal | undefined,
  conflict = "version/content conflict",
): Promise<void> {
  const path = `apis/${segment(id)}`;
  const response = await client.send(method, path, { body: apiPayload(wanted), signal });
  if (response.status === 409) {
    throw new GatewayHttpError(
      `webMethods refused to update '${wanted.name}' (409, ${conflict}); the next sync retries`,
      { status: 409, body: response.body },
    );
  }
  if (response.status !== 200 && response.status !== 201) {
    throw client.statusError(method, path, response);
  }
}

/**
 * Activates or deactivates an API and checks the result. webMethods answers 400 both for "already
 * in that state" and for real refusals (no enabled operation): the API is read to tell them apart.
 */
async function setActive(
  client: WebMethodsClient,
  id: string,
  active: boolean,
  signal: AbortSignal | undefined,
): Promise<void> {
  const path = `apis/${segment(id)}/${active ? "activate" : "deactivate"}`;
  const response = await client.send("PUT", path, { signal });
  if (response.status === 200) {
    const api = readApiDetail(response.body);
    if (api?.isActive === undefined || api.isActive === null || api.isActive === active) return;
  } else if (response.status !== 400) {
    throw client.statusError("PUT", path, response);
  }
  const current = await getApi(client, id, signal);
  if (current?.isActive === active) return;
  const error = client.statusError("PUT", path, response);
  throw new GatewayHttpError(
    `API ${id} is ${
      active ? "not active after activation" : "still active after deactivation"
    }: ${error.message}`,
    { status: response.status, body: response.body },
  );
}

/** Deactivates (webMethods deletes only inactive APIs) and deletes an API; gone counts as done. */
async function removeApi(
  client: WebMethodsClient,
  id: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const current = await getApi(client, id, signal);
  if (!current) return;
  if (current.isActive === true) await setActive(client, id, false, signal);
  await client.call("DELETE", `apis/${segment(id)}`, {
    query: { forceDelete: true },
    signal,
    expected: [200, 204, 404],
  });
}

/** The backend a prepared definition points at. */
function backendOf(prepared: PreparedDefinition): string {
  const definition = prepared.definition;
  if (prepared.type === "openapi") {
    const servers = definition.servers;
    const first = Array.isArray(servers) ? servers[0] as { url?: unknown } | undefined : undefined;
    return typeof first?.url === "string" ? first.url : "";
  }
  const scheme = Array.isArray(definition.schemes) ? String(definition.schemes[0]) : "http";
  return typeof definition.host === "string"
    ? `${scheme}://${definition.host}${definition.basePath ?? ""}`
    : "";
}

function currentBackend(detail: ApiDetail): string {
  return (detail.nativeEndpoint ?? []).find((endpoint) => endpoint.uri)?.uri ?? "";
}

/** `METHOD path` of every enabled operation, sorted. */
function operationsOf(paths: unknown): string[] {
  const out: string[] = [];
  if (paths === null || typeof paths !== "object") return out;
  for (const [path, item] of Object.entries(paths)) {
    if (
      item === null || typeof item !== "object" || (item as { enabled?: unknown }).enabled === false
    ) {
      continue;
    }
    for (const key of OPERATION_KEYS) {
      const operation = (item as Record<string, unknown>)[key];
      if (operation === null || typeof operation !== "object") continue;
      if ((operation as { enabled?: unknown }).enabled === false) continue;
      out.push(`${key.toUpperCase()} ${path}`);
    }
  }
  return out.sort();
}

function currentOperations(detail: ApiDetail): string[] {
  const fromResources = (detail.resources ?? []).flatMap((resource) =>
    (resource.methods ?? []).map((method) => `${method.toUpperCase()} ${resource.resourcePath}`)
  );
  return [...operationsOf(detail.apiDefinition?.paths), ...fromResources].sort();
}

/** Why a deployment with several owned APIs is not synchronised. */
function duplicatesReason(deploymentId: string, list: readonly OwnedApi[]): string {
  const named = [...list].sort((a, b) => a.api.id.localeCompare(b.api.id)).map(({ api }) =>
    `'${api.apiName}' (id ${api.id}, version ${api.apiVersion ?? ROUTE_API_VERSION})`
  ).join(", ");
  return `${list.length} APIs carry the stoa-connect marker of deployment ${deploymentId}: ${named}; stoa-connect never deletes a duplicate (it may be an operator's copy) and changes none of them: delete the extra APIs or remove the marker from their description on the gateway`;
}

function failed(
  route: DesiredRoute,
  name: string,
  error: string,
  action: PlanItem["action"] = "create",
): PlannedItem {
  const item: PlanItem = {
    kind: "route",
    id: route.id,
    name: route.name,
    action,
    target: `api ${name}`,
    changes: [],
    error,
    ...(route.generation === undefined ? {} : { generation: route.generation }),
  };
  return { item };
}
