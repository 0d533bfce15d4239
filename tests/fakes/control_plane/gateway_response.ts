/**
 * `GatewayInstanceResponse`: the full gateway object that register answers with (contract §3.4).
 *
 * @module
 */

import { type JsonObject, pydanticDatetime } from "./python_format.ts";
import type { GatewayRecord } from "./records.ts";
import { endpointValue } from "./topology.ts";

/** Renders a gateway row as the CP's response model, datetimes with the `Z` suffix. */
export function gatewayResponse(row: GatewayRecord): JsonObject {
  const datetime = (value: Date | null) => (value ? pydanticDatetime(value) : null);
  return {
    id: row.id,
    name: row.name,
    display_name: row.display_name,
    gateway_type: row.gateway_type,
    environment: row.environment,
    tenant_id: row.tenant_id,
    base_url: row.base_url,
    // The response back-fills the URL columns from the endpoint map when they are empty.
    target_gateway_url: row.target_gateway_url ??
      endpointValue(row.endpoints, "target_gateway_url"),
    public_url: row.public_url ?? endpointValue(row.endpoints, "public_url"),
    ui_url: row.ui_url ?? endpointValue(row.endpoints, "ui_url"),
    endpoints: { ...row.endpoints },
    deployment_mode: row.deployment_mode,
    target_gateway_type: row.target_gateway_type,
    topology: row.topology,
    auth_config: structuredClone(row.auth_config),
    status: row.status,
    last_health_check: datetime(row.last_health_check),
    health_details: structuredClone(row.health_details),
    capabilities: [...row.capabilities],
    tags: [...row.tags],
    version: row.version,
    mode: row.mode,
    protected: row.protected,
    enabled: row.enabled,
    visibility: row.visibility ? structuredClone(row.visibility) : null,
    source: row.source,
    deleted_at: datetime(row.deleted_at),
    deleted_by: row.deleted_by,
    created_at: datetime(row.created_at),
    updated_at: datetime(row.updated_at),
  };
}
