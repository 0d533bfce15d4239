/**
 * Maps Kong's services, routes and plugins to the Control Plane's discovered-API shape. Pure:
 * everything is read beforehand, in three paginated collections, never one call per service.
 *
 * @module
 */

import type { DiscoveredApi } from "../adapter.ts";
import type { z } from "zod";
import type {
  KongPluginSummarySchema,
  KongRouteSummarySchema,
  KongServiceSummarySchema,
} from "./kong_types.ts";

type KongService = z.infer<typeof KongServiceSummarySchema>;
type KongRoute = z.infer<typeof KongRouteSummarySchema>;
type KongPlugin = z.infer<typeof KongPluginSummarySchema>;

/** Everything discovery needs, as listed by Kong. */
export interface KongInventory {
  /** Every service, in Kong's order. */
  readonly services: readonly KongService[];
  /** Every route. */
  readonly routes: readonly KongRoute[];
  /** Every plugin. */
  readonly plugins: readonly KongPlugin[];
}

/**
 * One `DiscoveredApi` per service, in Kong's order:
 * - `name`: the service name, or its id when unnamed;
 * - `backend_url`: `protocol://host:port` + path;
 * - `paths`: every path of the service's routes, first occurrence first;
 * - `methods`: the union of the routes' methods, or `[]` ("every method") as soon as one route
 *   accepts any method, because a union with "anything" is anything;
 * - `policies`: names of the enabled plugins scoped to the service or to one of its routes
 *   (global and consumer-only plugins are not specific to an API; disabled ones do not apply);
 * - `is_active`: `enabled !== false` (Kong before 2.7 has no `enabled`).
 */
export function toDiscoveredApis(inventory: KongInventory): DiscoveredApi[] {
  const routesByService = new Map<string, KongRoute[]>();
  const serviceOfRoute = new Map<string, string>();
  for (const route of inventory.routes) {
    const serviceId = route.service?.id;
    if (!serviceId) continue;
    serviceOfRoute.set(route.id, serviceId);
    const list = routesByService.get(serviceId);
    if (list) list.push(route);
    else routesByService.set(serviceId, [route]);
  }

  const policiesByService = new Map<string, Set<string>>();
  for (const plugin of inventory.plugins) {
    if (plugin.enabled === false) continue;
    const serviceId = plugin.service?.id ??
      (plugin.route ? serviceOfRoute.get(plugin.route.id) : undefined);
    if (!serviceId) continue;
    const names = policiesByService.get(serviceId);
    if (names) names.add(plugin.name);
    else policiesByService.set(serviceId, new Set([plugin.name]));
  }

  return inventory.services.map((service) => {
    const routes = routesByService.get(service.id) ?? [];
    const paths = new Set<string>();
    const methods = new Set<string>();
    let anyMethod = false;
    for (const route of routes) {
      for (const path of route.paths ?? []) paths.add(path);
      if (!route.methods || route.methods.length === 0) anyMethod = true;
      else for (const method of route.methods) methods.add(method);
    }
    return {
      name: service.name || service.id,
      version: "",
      backend_url: `${service.protocol}://${service.host}:${service.port}${service.path ?? ""}`,
      paths: [...paths],
      methods: anyMethod ? [] : [...methods],
      policies: [...(policiesByService.get(service.id) ?? [])],
      is_active: service.enabled !== false,
    };
  });
}
