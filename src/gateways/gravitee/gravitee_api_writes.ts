/**
 * Writing a v4 API back: `PUT /apis/{id}` takes a whole `UpdateApiV4` (Gravitee refuses
 * properties it does not know, so the read-only fields of the answer are left out), then
 * `POST /apis/{id}/deployments` makes the change reach the gateways: until then the API is
 * `NEED_REDEPLOY` and the gateway still runs the previous definition.
 *
 * @module
 */

import type { GraviteeClient } from "./gravitee_client.ts";
import { type GraviteeApi, GraviteeApiSchema } from "./gravitee_types.ts";

/** Label of the deployments stoa-connect requests (Gravitee allows 32 characters). */
export const DEPLOYMENT_LABEL = "stoa-connect sync";

/** The writable fields of `UpdateApiV4` (`UpdateGenericApi` plus the v4 ones). */
const UPDATE_V4_FIELDS = [
  "name",
  "apiVersion",
  "description",
  "definitionVersion",
  "groups",
  "tags",
  "resources",
  "responseTemplates",
  "visibility",
  "categories",
  "labels",
  "lifecycleState",
  "disableMembershipNotifications",
  "properties",
  "type",
  "listeners",
  "endpointGroups",
  "analytics",
  "failover",
  "flowExecution",
  "flows",
  "services",
  "allowedInApiProducts",
  "allowMultiJwtOauth2Subscriptions",
] as const;

/** The `UpdateApiV4` body for `api` with `changes` applied. */
export function updateBody(
  api: GraviteeApi,
  changes: Partial<GraviteeApi> = {},
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...api, ...changes };
  const body: Record<string, unknown> = {};
  for (const field of UPDATE_V4_FIELDS) {
    if (merged[field] !== undefined) body[field] = merged[field];
  }
  return body;
}

/** `GET /apis/{id}`: the current definition (with `deploymentState`). */
export function getApi(
  client: GraviteeClient,
  apiId: string,
  signal?: AbortSignal,
): Promise<GraviteeApi> {
  return client.call("GET", client.v2(`apis/${encodeURIComponent(apiId)}`), {
    schema: GraviteeApiSchema,
    signal,
  });
}

/** `PUT /apis/{id}` with the given `UpdateApiV4` body; returns the saved API. */
export function saveApi(
  client: GraviteeClient,
  apiId: string,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<GraviteeApi> {
  return client.call("PUT", client.v2(`apis/${encodeURIComponent(apiId)}`), {
    body,
    schema: GraviteeApiSchema,
    signal,
  });
}

/** `POST /apis/{id}/deployments` (202): the gateways pick up the saved definition. */
export async function deployApi(
  client: GraviteeClient,
  apiId: string,
  signal?: AbortSignal,
): Promise<void> {
  await client.call("POST", client.v2(`apis/${encodeURIComponent(apiId)}/deployments`), {
    body: { deploymentLabel: DEPLOYMENT_LABEL },
    expected: [202],
    signal,
  });
}

/** `POST /apis/{id}/_start` or `_stop` (204). */
export async function setApiState(
  client: GraviteeClient,
  apiId: string,
  state: "start" | "stop",
  signal?: AbortSignal,
): Promise<void> {
  await client.call("POST", client.v2(`apis/${encodeURIComponent(apiId)}/_${state}`), {
    expected: [204],
    signal,
  });
}
