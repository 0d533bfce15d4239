/**
 * The endpoint table of the internal gateway API (contract §0): names tests use to query the
 * request log, and the path shapes that decide between 307 (trailing slash), 405 (wrong method)
 * and 404 (no such path), the way Starlette's router does.
 *
 * @module
 */

/** Prefix of every endpoint. */
export const API_PREFIX = "/v1/internal/gateways";

/** Name of an endpoint, as used by `requestsTo`. */
export type EndpointName =
  | "register"
  | "heartbeat"
  | "discovery"
  | "config"
  | "sync-ack"
  | "routes"
  | "route-sync-ack"
  | "events"
  | "cleanup";

/** One endpoint: method and a full-path matcher (`{gateway_id}` is any single segment). */
export interface Endpoint {
  /** Endpoint name. */
  readonly name: EndpointName;
  /** The only method served. */
  readonly method: "GET" | "POST";
  /** Matches the full request path. */
  readonly pattern: RegExp;
}

const byId = (suffix: string) => new RegExp(`^${API_PREFIX}/[^/]+/${suffix}$`);

/** Every endpoint the double serves. */
export const ENDPOINTS: readonly Endpoint[] = [
  { name: "register", method: "POST", pattern: new RegExp(`^${API_PREFIX}/register$`) },
  { name: "routes", method: "GET", pattern: new RegExp(`^${API_PREFIX}/routes$`) },
  { name: "cleanup", method: "POST", pattern: new RegExp(`^${API_PREFIX}/cleanup$`) },
  { name: "heartbeat", method: "POST", pattern: byId("heartbeat") },
  { name: "discovery", method: "POST", pattern: byId("discovery") },
  { name: "config", method: "GET", pattern: byId("config") },
  { name: "sync-ack", method: "POST", pattern: byId("sync-ack") },
  { name: "route-sync-ack", method: "POST", pattern: byId("route-sync-ack") },
  { name: "events", method: "GET", pattern: byId("events") },
];

/** The endpoint a request reaches, ignoring the method; `null` for unknown paths. */
export function endpointOf(path: string): EndpointName | null {
  return ENDPOINTS.find((endpoint) => endpoint.pattern.test(path))?.name ?? null;
}

/** Methods served at `path` (empty when the path is unknown). */
export function methodsAt(path: string): string[] {
  return ENDPOINTS.filter((endpoint) => endpoint.pattern.test(path)).map((e) => e.method);
}
