/**
 * Policy actions as the agent writes them: the request bodies (`{"policyAction": {…}}`, owned name
 * and description), create, update and delete, and a comparable flat view of parameters for plans.
 *
 * @module
 */

import { GatewayHttpError } from "../admin_http.ts";
import { segment } from "../../http/url.ts";
import type { WebMethodsClient } from "./webmethods_client.ts";
import { ownedDescription, type OwnershipMarker } from "./webmethods_ownership.ts";
import type { ActionSpec } from "./webmethods_policy_mapping.ts";
import { type ActionParameter, type PolicyAction, readPolicyActions } from "./webmethods_types.ts";

/** The `{"policyAction": …}` body of an owned action. */
export function actionBody(
  spec: ActionSpec,
  name: string,
  marker: OwnershipMarker,
): { policyAction: Record<string, unknown> } {
  return {
    policyAction: {
      names: [{ value: name, locale: "en" }],
      descriptions: [{ value: ownedDescription(marker), locale: "en" }],
      templateKey: spec.templateKey,
      parameters: spec.parameters,
      active: false,
    },
  };
}

/** Creates an action and returns it (with its id). */
export async function createAction(
  client: WebMethodsClient,
  body: { policyAction: Record<string, unknown> },
  signal?: AbortSignal,
): Promise<PolicyAction> {
  const answer = await client.call("POST", "policyActions", { body, signal, expected: [200, 201] });
  const [created] = readPolicyActions(answer) ?? [];
  if (!created) {
    throw new GatewayHttpError(
      `webMethods API Gateway created a ${
        String(body.policyAction.templateKey)
      } policy action but its answer has no id; the next sync finds and reuses it`,
      { status: 201, body: answer },
    );
  }
  return created;
}

/** Replaces an action's parameters (and restores its owned name and description). */
export async function updateAction(
  client: WebMethodsClient,
  id: string,
  body: { policyAction: Record<string, unknown> },
  signal?: AbortSignal,
): Promise<void> {
  await client.call("PUT", `policyActions/${segment(id)}`, {
    body: { policyAction: { ...body.policyAction, id } },
    signal,
  });
}

/** Deletes an action; one that is already gone counts as deleted. */
export async function deleteAction(
  client: WebMethodsClient,
  id: string,
  signal?: AbortSignal,
): Promise<void> {
  await client.call("DELETE", `policyActions/${segment(id)}`, {
    signal,
    expected: [200, 204, 404],
  });
}

/**
 * Parameters as `path → values`, e.g. `throttleRule.value → ["100"]`; a key repeated at one level
 * gets its position (`destination[1].destinationType`). Two parameter lists are equal for the
 * gateway when their flat views are equal.
 */
export function flattenParameters(
  parameters: readonly ActionParameter[] | null | undefined,
  prefix = "",
): Record<string, readonly string[]> {
  const out: Record<string, readonly string[]> = {};
  const counts = new Map<string, number>();
  for (const parameter of parameters ?? []) {
    counts.set(parameter.templateKey, (counts.get(parameter.templateKey) ?? 0) + 1);
  }
  const seen = new Map<string, number>();
  for (const parameter of parameters ?? []) {
    const index = seen.get(parameter.templateKey) ?? 0;
    seen.set(parameter.templateKey, index + 1);
    const key = (counts.get(parameter.templateKey) ?? 0) > 1
      ? `${parameter.templateKey}[${index}]`
      : parameter.templateKey;
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (parameter.values) out[path] = [...parameter.values];
    if (parameter.parameters) Object.assign(out, flattenParameters(parameter.parameters, path));
  }
  return out;
}

/** True when two parameter lists mean the same to the gateway. */
export function sameParameters(
  a: readonly ActionParameter[] | null | undefined,
  b: readonly ActionParameter[] | null | undefined,
): boolean {
  return canonical(flattenParameters(a)) === canonical(flattenParameters(b));
}

function canonical(flat: Record<string, readonly string[]>): string {
  return JSON.stringify(Object.entries(flat).sort(([x], [y]) => x.localeCompare(y)));
}
