/**
 * Planning deployed routes on Kong. Each Control Plane deployment becomes one service (the
 * backend) and one route (path prefix and methods) owned through the tag
 * `stoa-deployment:<deployment id>`, named `stoa-<api>-<8 hex>`. Changed deployments are updated
 * in place (same ids), deployments no longer listed are removed (route first, then service), and
 * `activated: false` keeps the API but disables its service, so Kong stops serving it.
 *
 * @module
 */

import type { DesiredRoute } from "../../sync/desired.ts";
import type { FieldChange } from "../../sync/plan.ts";
import { diffManagedFields } from "../field_diff.ts";
import { deleteOp, type EntityOp } from "./kong_operations.ts";
import { mergeTags, ownedName, ownedTags, ownerId, stableId } from "./kong_ownership.ts";
import { type PlannedItem, plannedItem } from "./kong_plan_item.ts";
import type { KongStateReader } from "./kong_state.ts";
import {
  type KongRoute,
  KongRouteSchema,
  type KongService,
  KongServiceSchema,
} from "./kong_types.ts";

/** Options of {@linkcode planRouteItems}. */
export interface RoutePlanOptions {
  /** Reads Kong. */
  readonly reader: KongStateReader;
  /** Enterprise workspace, part of generated ids. */
  readonly workspace?: string;
}

/** The backend of a Kong service, from a URL. */
export interface KongUpstreamTarget {
  /** `http` or `https`. */
  readonly protocol: "http" | "https";
  /** Host name or IP address (IPv6 without brackets). */
  readonly host: string;
  /** Port (the scheme's default when the URL has none). */
  readonly port: number;
  /** Path prefix sent upstream, `null` when the URL has none. */
  readonly path: string | null;
}

/** Route protocols: clients may call over HTTP or HTTPS, whatever the backend speaks. */
const ROUTE_PROTOCOLS = ["http", "https"];

/** Plans every desired deployment, then deletes for owned deployments no longer desired. */
export async function planRouteItems(
  desired: readonly DesiredRoute[],
  options: RoutePlanOptions,
): Promise<PlannedItem[]> {
  const services = groupByDeployment(await options.reader.owned("services", KongServiceSchema));
  const routes = groupByDeployment(await options.reader.owned("routes", KongRouteSchema));
  const planned: PlannedItem[] = [];
  const seen = new Set<string>();
  for (const route of desired) {
    const existing = {
      services: services.get(route.id) ?? [],
      routes: routes.get(route.id) ?? [],
    };
    services.delete(route.id);
    routes.delete(route.id);
    const duplicate = seen.has(route.id);
    seen.add(route.id);
    planned.push(
      routeItem(
        route,
        existing,
        options,
        duplicate ? `deployment ${route.id} is listed twice` : undefined,
      ),
    );
  }
  for (const id of new Set([...services.keys(), ...routes.keys()])) {
    planned.push(removalItem(id, services.get(id) ?? [], routes.get(id) ?? []));
  }
  return planned;
}

/**
 * Splits a backend URL into Kong's service fields. Kong services carry neither credentials nor a
 * query string, so URLs with those are refused rather than silently changed.
 */
export function upstreamTarget(
  backendUrl: string,
): KongUpstreamTarget | { readonly error: string } {
  let url: URL;
  try {
    url = new URL(backendUrl);
  } catch {
    return { error: `backend_url '${backendUrl}' is not a URL` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { error: `backend_url '${backendUrl}' must start with http:// or https://` };
  }
  if (url.username !== "" || url.password !== "") {
    return {
      error:
        "backend_url carries user:password, which a Kong service cannot hold; authenticate to the backend with a plugin instead",
    };
  }
  if (url.search !== "" || url.hash !== "") {
    return {
      error:
        `backend_url '${url.origin}${url.pathname}…' has a query string or fragment, which a Kong service cannot carry`,
    };
  }
  const protocol = url.protocol === "https:" ? "https" : "http";
  // WHATWG URLs always have a path: "/" must be kept only when the URL really ends with one.
  const hasPath = /^[a-z][a-z0-9+.-]*:\/\/[^/]+\//i.test(backendUrl);
  return {
    protocol,
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port === "" ? (protocol === "https" ? 443 : 80) : Number(url.port),
    path: hasPath ? url.pathname : null,
  };
}

function groupByDeployment<T extends { tags?: readonly string[] | null }>(
  entities: readonly T[],
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const entity of entities) {
    const id = ownerId(entity.tags, "deployment");
    if (id !== undefined) groups.set(id, [...(groups.get(id) ?? []), entity]);
  }
  return groups;
}

function routeItem(
  route: DesiredRoute,
  existing: { readonly services: readonly KongService[]; readonly routes: readonly KongRoute[] },
  options: RoutePlanOptions,
  duplicate: string | undefined,
): PlannedItem {
  const [service, ...extraServices] = existing.services;
  const [kongRoute, ...extraRoutes] = existing.routes;
  const name = ownedName(route.name, route.id);
  const target = upstreamTarget(route.backendUrl);
  const problems = [
    ...(duplicate ? [duplicate] : []),
    ...("error" in target ? [target.error] : []),
    ...pathProblems(route.pathPrefix),
    ...route.methods.filter((method) => !/^[A-Z]+$/.test(method)).map((method) =>
      `method '${method}' is not an upper-case HTTP method`
    ),
  ];
  const facts = {
    kind: "route" as const,
    id: route.id,
    name: route.name,
    target: `service ${service?.name ?? name}`,
    exists: existing.services.length > 0 || existing.routes.length > 0,
    wanted: true,
    generation: route.generation,
  };
  if (problems.length > 0 || "error" in target) {
    return plannedItem({ ...facts, ops: [], changes: [], error: problems.join("; ") });
  }
  const serviceId = service?.id ?? stableId(options.workspace ?? "", "service", route.id);
  const tags = ownedTags("deployment", route.id);
  const serviceView = {
    name,
    protocol: target.protocol,
    host: target.host,
    port: target.port,
    path: target.path,
    enabled: route.activated,
  };
  const methods = route.methods.length > 0 ? [...new Set(route.methods)] : null;
  const routeView = {
    name,
    protocols: ROUTE_PROTOCOLS,
    paths: [route.pathPrefix],
    methods,
    strip_path: true,
    service: serviceId,
  };
  const ops: EntityOp[] = [];
  const changes: FieldChange[] = [];
  const serviceNow = service && {
    name: service.name,
    protocol: service.protocol,
    host: service.host,
    port: service.port,
    path: service.path ?? null,
    enabled: service.enabled !== false,
  };
  const serviceChanges = diffManagedFields(serviceNow, serviceView, { prefix: "service." });
  if (serviceChanges.length > 0) {
    ops.push({
      kind: "upsert",
      collection: "services",
      id: serviceId,
      body: { ...serviceView, tags: mergeTags(tags, service?.tags) },
      what: `${service ? "update" : "create"} service ${name}`,
    });
    changes.push(...serviceChanges);
  }
  const routeNow = kongRoute && {
    name: kongRoute.name,
    protocols: kongRoute.protocols,
    paths: kongRoute.paths,
    methods: kongRoute.methods && kongRoute.methods.length > 0 ? kongRoute.methods : null,
    strip_path: kongRoute.strip_path,
    service: kongRoute.service?.id,
  };
  const routeChanges = diffManagedFields(routeNow, routeView, { prefix: "route." });
  if (routeChanges.length > 0) {
    ops.push({
      kind: "upsert",
      collection: "routes",
      id: kongRoute?.id ?? stableId(options.workspace ?? "", "route", route.id),
      body: {
        ...routeView,
        service: { id: serviceId },
        tags: mergeTags(tags, kongRoute?.tags),
      },
      what: `${kongRoute ? "update" : "create"} route ${name}`,
    });
    changes.push(...routeChanges);
  }
  const removal = removalOps(extraServices, extraRoutes);
  ops.push(...removal.ops);
  changes.push(...removal.changes);
  return plannedItem({ ...facts, ops, changes });
}

/** An owned deployment the Control Plane no longer lists. */
function removalItem(
  deploymentId: string,
  services: readonly KongService[],
  routes: readonly KongRoute[],
): PlannedItem {
  const { ops, changes } = removalOps(services, routes);
  const name = services[0]?.name ?? routes[0]?.name ?? deploymentId;
  return plannedItem({
    kind: "route",
    id: deploymentId,
    name,
    target: `service ${name}`,
    exists: true,
    wanted: false,
    ops,
    changes,
  });
}

/** Deletes routes before services: Kong refuses to delete a service that still has routes. */
function removalOps(
  services: readonly KongService[],
  routes: readonly KongRoute[],
): { ops: EntityOp[]; changes: FieldChange[] } {
  const ops: EntityOp[] = [];
  const changes: FieldChange[] = [];
  for (const route of routes) {
    ops.push(deleteOp("routes", route.id, `delete route ${route.name ?? route.id}`));
    changes.push({ field: "route.paths", before: route.paths ?? null });
  }
  for (const service of services) {
    ops.push(deleteOp("services", service.id, `delete service ${service.name ?? service.id}`));
    changes.push({
      field: "service.url",
      before: `${service.protocol}://${service.host}:${service.port}${service.path ?? ""}`,
    });
  }
  return { ops, changes };
}

function pathProblems(pathPrefix: string): string[] {
  if (!pathPrefix.startsWith("/")) {
    return [`path_prefix '${pathPrefix}' must start with /`];
  }
  if (/\s/.test(pathPrefix)) return [`path_prefix '${pathPrefix}' must not contain spaces`];
  return [];
}
