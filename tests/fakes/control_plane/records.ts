/**
 * The rows the double keeps, named and typed like the CP's tables (contract §3.4, §7.1, §8.1) so
 * that test assertions read like the contract. Accessors hand out copies; these shapes are the
 * copies' types too.
 *
 * @module
 */

import type { JsonObject } from "./python_format.ts";

/** Gateway instance status (contract §11.1). */
export type GatewayStatus = "online" | "offline" | "degraded" | "maintenance";

/** Who created a gateway row. */
export type GatewaySource = "argocd" | "self_register" | "manual";

/** The CP's `gateway_type` enum. */
export type GatewayType =
  | "webmethods"
  | "kong"
  | "apigee"
  | "aws_apigateway"
  | "azure_apim"
  | "gravitee"
  | "stoa"
  | "stoa_edge_mcp"
  | "stoa_sidecar"
  | "stoa_proxy"
  | "stoa_shadow";

/** Deployment sync status (contract §11.2). */
export type SyncStatus = "pending" | "syncing" | "synced" | "drifted" | "error" | "deleting";

/** Policy types the CP can store (contract §7.2). */
export type PolicyType =
  | "cors"
  | "rate_limit"
  | "jwt_validation"
  | "ip_filter"
  | "logging"
  | "caching"
  | "transform";

/** The CP's `DEPLOY_MODE`: whether deploys publish SSE events (contract §9). */
export type DeployMode = "legacy" | "sse_only" | "dual";

/** A `gateway_instances` row. */
export interface GatewayRecord {
  id: string;
  name: string;
  display_name: string;
  gateway_type: GatewayType;
  environment: string;
  tenant_id: string | null;
  base_url: string;
  target_gateway_url: string | null;
  public_url: string | null;
  ui_url: string | null;
  endpoints: Record<string, string>;
  deployment_mode: string | null;
  target_gateway_type: string | null;
  topology: string | null;
  auth_config: JsonObject;
  status: GatewayStatus;
  last_health_check: Date | null;
  health_details: JsonObject;
  capabilities: string[];
  tags: string[];
  version: string | null;
  mode: string | null;
  protected: boolean;
  enabled: boolean;
  visibility: JsonObject | null;
  source: GatewaySource;
  deleted_at: Date | null;
  deleted_by: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A `gateway_deployments` row. */
export interface DeploymentRecord {
  id: string;
  api_catalog_id: string;
  gateway_instance_id: string;
  desired_state: JsonObject;
  desired_at: Date;
  sync_status: SyncStatus;
  desired_generation: number;
  synced_generation: number;
  attempted_generation: number;
  last_sync_attempt: Date | null;
  last_sync_success: Date | null;
  sync_error: string | null;
  sync_attempts: number;
  sync_steps: JsonObject[];
  created_at: Date;
  updated_at: Date;
}

/** A `gateway_policies` row. */
export interface PolicyRecord {
  id: string;
  name: string;
  policy_type: PolicyType;
  config: JsonObject;
  priority: number;
  enabled: boolean;
  tenant_id: string | null;
  created_at: Date;
}
