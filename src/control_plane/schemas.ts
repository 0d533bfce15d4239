/**
 * Wire schemas of the Control Plane's gateway API (control-plane-contract.md §3–§9), in zod.
 * Requests are typed so that `null` is never sent where the contract rejects it; responses are
 * validated so that a malformed answer is a clear error, not a crash later. Lists whose items
 * become work (policies, routes) are validated item by item so one bad item never hides the rest.
 *
 * @module
 */

import { z } from "zod";

/** Body of `POST /register` (§3.1). Optional keys are omitted, never `null`. */
export interface RegisterRequest {
  hostname: string;
  mode: "connect";
  version: string;
  admin_url: string;
  environment: string;
  capabilities: string[];
  tenant_id?: string;
  target_gateway_url?: string;
  public_url?: string;
  ui_url?: string;
  deployment_mode: "connect";
  topology: "remote-agent";
  target_gateway_type?: "kong" | "gravitee" | "webmethods";
}

/** The part of the register answer the agent uses (§3.4). */
export const RegisteredGatewaySchema = z.looseObject({
  id: z.string({ error: "the answer has no gateway id" }).trim().min(1, {
    error: "the answer has no gateway id",
  }),
  name: z.string().optional(),
  status: z.string().optional(),
});
/** The gateway the Control Plane registered. */
export type RegisteredGateway = z.infer<typeof RegisteredGatewaySchema>;

/** Body of `POST /{id}/heartbeat` (§4). */
export interface HeartbeatRequest {
  uptime_seconds: number;
  routes_count: number;
  policies_count: number;
  discovered_apis: number;
}

/** One API in the discovery report (§5): every field set, never `null`. */
export interface DiscoveredApiPayload {
  name: string;
  version: string;
  backend_url: string;
  paths: string[];
  methods: string[];
  policies: string[];
  is_active: boolean;
}

/** Answer of `POST /{id}/discovery`. */
export const DiscoveryReceiptSchema = z.looseObject({
  gateway_id: z.string().optional(),
  apis_received: z.number().int().optional(),
});
/** Receipt of a discovery report. */
export type DiscoveryReceipt = z.infer<typeof DiscoveryReceiptSchema>;

/** A policy as served in `pending_policies` (§7). */
export const PolicySchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  policy_type: z.string().min(1),
  config: z.record(z.string(), z.unknown()).nullable().default(null),
  priority: z.number().int().default(100),
  enabled: z.boolean(),
});
/** A policy the Control Plane wants applied (enabled) or absent (disabled). */
export type Policy = z.infer<typeof PolicySchema>;

/** Answer of `GET /{id}/config` (§6); items are kept raw and validated one by one. */
export const GatewayConfigSchema = z.looseObject({
  gateway_id: z.string().optional(),
  name: z.string().optional(),
  environment: z.string().optional(),
  tenant_id: z.string().nullable().optional(),
  pending_deployments: z.array(z.unknown()).default([]),
  pending_policies: z.array(z.unknown()).default([]),
});
/** The gateway's configuration as the Control Plane serves it. */
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;

/** One item of `GET /routes` (§8.2). */
export const RouteSchema = z.object({
  id: z.string().default(""),
  api_id: z.string().default(""),
  deployment_id: z.string().min(1, { error: "deployment_id is missing" }),
  gateway_instance_id: z.string().optional(),
  name: z.string().min(1, { error: "name is missing" }),
  tenant_id: z.string().default(""),
  path_prefix: z.string().startsWith("/", { error: "path_prefix must start with /" }),
  backend_url: z.url({ error: "backend_url is not a URL" }),
  methods: z.array(z.string()).nullable().default(null).transform((m) =>
    m && m.length > 0 ? m.map((x) => x.toUpperCase()) : ["GET", "POST", "PUT", "DELETE"]
  ),
  spec_hash: z.string().default(""),
  // null means "no spec" (reference-agent P-28).
  openapi_spec: z.record(z.string(), z.unknown()).nullable().default(null),
  activated: z.boolean().default(true),
  generation: z.number().int().nonnegative().optional(),
});
/** A deployed route the Control Plane wants on the gateway. */
export type Route = z.infer<typeof RouteSchema>;

/** Answer of `GET /routes`: a JSON array (items validated one by one). */
export const RouteListSchema = z.array(z.unknown()).nullable().transform((items) => items ?? []);

/** Status of one policy in a sync ack (§8.4). */
export type PolicyAckStatus = "applied" | "removed" | "failed";

/** Body of `POST /{id}/sync-ack`. */
export interface PolicySyncAck {
  synced_policies: { policy_id: string; status: PolicyAckStatus; error?: string }[];
  sync_timestamp: string;
}

/** A step of a route sync, as shown in the Console (§8.3). */
export interface RouteSyncStep {
  name: "agent_received" | "adapter_connected" | "api_synced";
  status: "success" | "failed" | "skipped";
  started_at: string;
  completed_at?: string;
  detail?: string;
}

/** Body of `POST /{id}/route-sync-ack`. */
export interface RouteSyncAck {
  synced_routes: {
    deployment_id: string;
    status: "applied" | "failed";
    error?: string;
    generation?: number;
    steps?: RouteSyncStep[];
  }[];
  sync_timestamp: string;
}

/** Answer of `POST /{id}/route-sync-ack`. */
export const RouteSyncReceiptSchema = z.looseObject({
  processed: z.number().int().optional(),
  not_found: z.number().int().optional(),
});
/** Receipt of a route sync ack. */
export type RouteSyncReceipt = z.infer<typeof RouteSyncReceiptSchema>;

/** Data of a `sync-deployment` event (§9): `desired_state` is catalog-shaped, not a route. */
export const DeploymentEventSchema = z.looseObject({
  deployment_id: z.string().min(1, { error: "deployment_id is missing" }),
  api_catalog_id: z.string().optional(),
  gateway_instance_id: z.string().optional(),
  sync_status: z.string().optional(),
  desired_state: z.record(z.string(), z.unknown()).nullable().optional(),
});
/** A deployment pushed on the event stream. */
export type DeploymentEvent = z.infer<typeof DeploymentEventSchema>;

/**
 * Maps a `sync-deployment` event onto a route the way the Control Plane's `/routes` does
 * server-side (§8.2): `api_name → name`, `/apis/{api_id} → path_prefix`, `api_catalog_id → id`.
 * Throws a zod error with a readable message when the state cannot make a route.
 */
export function routeFromDeploymentEvent(event: DeploymentEvent): Route {
  const state = event.desired_state ?? {};
  const text = (key: string): string | undefined =>
    typeof state[key] === "string" && state[key] !== "" ? state[key] as string : undefined;
  const apiId = text("api_id") ?? text("api_name");
  return RouteSchema.parse({
    id: text("api_catalog_id") ?? event.api_catalog_id ?? "",
    api_id: apiId ?? "",
    deployment_id: event.deployment_id,
    gateway_instance_id: event.gateway_instance_id,
    name: text("api_name") ?? text("apiName") ?? text("name"),
    tenant_id: text("tenant_id") ?? "",
    path_prefix: text("path_prefix") ?? (apiId ? `/apis/${apiId}` : undefined),
    backend_url: text("backend_url") ?? text("url"),
    methods: Array.isArray(state.methods) ? state.methods : null,
    spec_hash: text("spec_hash") ?? "",
    openapi_spec: state.openapi_spec ?? null,
    activated: typeof state.activated === "boolean" ? state.activated : true,
    generation: typeof state.generation === "number" ? state.generation : undefined,
  });
}

/** A zod error as one human sentence: `backend_url is not a URL; name is missing`. */
export function describeZodError(error: z.ZodError): string {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    return issue.message.includes(String(issue.path.at(-1) ?? "\0"))
      ? issue.message
      : `${where}${issue.message}`;
  }).join("; ");
}
