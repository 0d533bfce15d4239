/**
 * Request bodies of the internal gateway API, field for field and in the CP's declaration order
 * (which is the order FastAPI reports errors in): contract §3.1, §4, §5, §8.3, §8.4.
 *
 * @module
 */

import {
  bool,
  dict,
  float,
  int,
  list,
  model,
  type ModelValue,
  nullable,
  optional,
  required,
  str,
  withDefault,
} from "./validation.ts";

const registerFields = {
  hostname: required(str),
  mode: required(str),
  version: required(str),
  environment: withDefault(str, () => "dev"),
  capabilities: withDefault(list(str), () => [] as string[]),
  admin_url: required(str),
  tenant_id: withDefault(nullable(str), () => null),
  // Present-but-null clears the stored URL, absent keeps it: `optional` keeps the difference.
  target_gateway_url: optional(nullable(str)),
  public_url: optional(nullable(str)),
  ui_url: optional(nullable(str)),
  endpoints: withDefault(nullable(dict(str)), () => null),
  deployment_mode: withDefault(nullable(str), () => null),
  target_gateway_type: withDefault(nullable(str), () => null),
  topology: withDefault(nullable(str), () => null),
  topology_proof: withDefault(nullable(dict()), () => null),
};

/** `POST /register` body. */
export const registerBody = model(registerFields);
/** A validated registration. */
export type RegisterPayload = ModelValue<typeof registerFields>;

const heartbeatFields = {
  uptime_seconds: required(int),
  routes_count: withDefault(int, () => 0),
  policies_count: withDefault(int, () => 0),
  discovered_apis: withDefault(int, () => 0),
  requests_total: withDefault(nullable(int), () => null),
  error_rate: withDefault(nullable(float), () => null),
};

/** `POST /{id}/heartbeat` body. */
export const heartbeatBody = model(heartbeatFields);
/** A validated heartbeat. */
export type HeartbeatPayload = ModelValue<typeof heartbeatFields>;

const discoveredApiFields = {
  name: required(str),
  version: withDefault(str, () => ""),
  backend_url: withDefault(str, () => ""),
  paths: withDefault(list(str), () => [] as string[]),
  methods: withDefault(list(str), () => [] as string[]),
  policies: withDefault(list(str), () => [] as string[]),
  is_active: withDefault(bool, () => true),
};

/** One discovered API, normalised to all seven fields. */
export type DiscoveredApi = ModelValue<typeof discoveredApiFields>;

const discoveryFields = {
  apis: withDefault(list(model(discoveredApiFields)), () => [] as DiscoveredApi[]),
};

/** `POST /{id}/discovery` body. */
export const discoveryBody = model(discoveryFields);
/** A validated discovery report. */
export type DiscoveryPayload = ModelValue<typeof discoveryFields>;

const syncedPolicyFields = {
  policy_id: required(str),
  status: required(str),
  error: withDefault(nullable(str), () => null),
};

/** One policy result of a sync-ack. */
export type SyncedPolicy = ModelValue<typeof syncedPolicyFields>;

const syncAckFields = {
  synced_policies: withDefault(list(model(syncedPolicyFields)), () => [] as SyncedPolicy[]),
  sync_timestamp: required(str),
};

/** `POST /{id}/sync-ack` body. */
export const syncAckBody = model(syncAckFields);
/** A validated policy sync ack. */
export type SyncAckPayload = ModelValue<typeof syncAckFields>;

const syncedRouteFields = {
  deployment_id: required(str),
  status: required(str),
  error: withDefault(nullable(str), () => null),
  steps: withDefault(nullable(list(dict())), () => null),
  generation: withDefault(nullable(int), () => null),
};

/** One route result of a route-sync-ack. */
export type SyncedRoute = ModelValue<typeof syncedRouteFields>;

const routeSyncAckFields = {
  synced_routes: withDefault(list(model(syncedRouteFields)), () => [] as SyncedRoute[]),
  sync_timestamp: required(str),
};

/** `POST /{id}/route-sync-ack` body. */
export const routeSyncAckBody = model(routeSyncAckFields);
/** A validated route sync ack. */
export type RouteSyncAckPayload = ModelValue<typeof routeSyncAckFields>;
