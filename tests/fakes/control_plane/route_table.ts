/**
 * `GET /routes`: which deployments are delivered and how a catalog-shaped desired state becomes a
 * route item (contract §8.2). A stored desired state the response model cannot express makes the
 * whole call fail, as on the CP.
 *
 * @module
 */

import type { JsonObject } from "./python_format.ts";
import type { DeploymentRecord, SyncStatus } from "./records.ts";
import { DEFAULT_METHODS } from "./desired_state.ts";
import {
  bool,
  dict,
  int,
  list,
  model,
  nullable,
  required,
  str,
  type ValidationIssue,
} from "./validation.ts";

/** Only these statuses reach `/routes`; a failed route drops out until redeployed. */
export const DELIVERED_STATUSES: ReadonlySet<SyncStatus> = new Set(["synced", "pending"]);

const routeItem = model({
  id: required(str),
  api_id: required(str),
  deployment_id: required(str),
  gateway_instance_id: required(str),
  name: required(str),
  tenant_id: required(str),
  path_prefix: required(str),
  backend_url: required(str),
  methods: required(list(str)),
  spec_hash: required(str),
  openapi_spec: required(nullable(dict())),
  activated: required(bool),
  generation: required(int),
});

/** Thrown when a stored desired state cannot be rendered; the CP answers 500. */
export class MalformedDesiredStateError extends Error {
  /** The response-model errors, for debugging a test's seed data. */
  readonly issues: readonly ValidationIssue[];

  /** Builds the error for one deployment. */
  constructor(deploymentId: string, issues: readonly ValidationIssue[]) {
    super(`desired_state of deployment ${deploymentId} does not fit the route item model`);
    this.name = "MalformedDesiredStateError";
    this.issues = issues;
  }
}

/** Route items for the delivered deployments among `deployments`, in the given order. */
export function routeItems(deployments: readonly DeploymentRecord[]): JsonObject[] {
  const items: JsonObject[] = [];
  for (const deployment of deployments) {
    if (!DELIVERED_STATUSES.has(deployment.sync_status)) continue;
    const state = deployment.desired_state ?? {};
    // Python `dict.get(key, default)`: the default only applies when the key is absent.
    const get = (key: string, fallback: unknown) => (key in state ? state[key] : fallback);
    const apiName = get("api_name", get("apiName", "unknown"));
    const apiId = state.api_id || apiName;
    const raw = {
      id: get("api_catalog_id", ""),
      api_id: apiId,
      deployment_id: deployment.id,
      gateway_instance_id: deployment.gateway_instance_id,
      name: apiName,
      tenant_id: get("tenant_id", ""),
      path_prefix: `/apis/${apiId}`,
      backend_url: get("backend_url", get("url", "")),
      methods: get("methods", [...DEFAULT_METHODS]),
      spec_hash: get("spec_hash", ""),
      openapi_spec: get("openapi_spec", null),
      activated: get("activated", true),
      generation: deployment.desired_generation || 1,
    };
    if (!raw.backend_url) continue;
    const issues: ValidationIssue[] = [];
    const checked = routeItem(raw, [], issues);
    if (!checked.ok) throw new MalformedDesiredStateError(deployment.id, issues);
    items.push(checked.value);
  }
  return items;
}
