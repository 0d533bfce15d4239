/**
 * How stoa-connect marks what it owns on Gravitee, so that a restarted agent finds it again and
 * never touches anything else. Gravitee has no free tags on APIs at creation time (`labels` are
 * not part of `CreateApiV4`), so the records are:
 *
 * - deployed routes: v4 APIs whose description starts with `[stoa-managed deployment=<id>]`;
 * - policies: flows named `stoa-policy:<policy id> <policy name>` (in any API, owned or not);
 * - the method filter of a route: the flow `stoa-route:methods`;
 * - consumers: applications whose description starts with `[stoa-managed consumer=<id>]`;
 * - subscriptions: metadata `stoa-managed=true` and `stoa-consumer=<id>`.
 *
 * @module
 */

import type { GraviteeApi, GraviteeApplication, GraviteeFlow } from "./gravitee_types.ts";

/** Prefix of the name of every flow that carries a STOA policy. */
export const POLICY_FLOW_PREFIX = "stoa-policy:";
/** Name of the flow that restricts a deployed route to its methods. */
export const METHODS_FLOW_NAME = "stoa-route:methods";
/** Subscription metadata keys. */
export const SUBSCRIPTION_MARK = { managed: "stoa-managed", consumer: "stoa-consumer" } as const;

const ROUTE_MARK = /^\[stoa-managed deployment=([^\]\s]+)\]/;
const CONSUMER_MARK = /^\[stoa-managed consumer=([^\]\s]+)\]/;
const POLICY_FLOW = /^stoa-policy:(\S+)/;

/** The description of an API created for a deployment. */
export function routeDescription(deploymentId: string, apiName: string): string {
  return `[stoa-managed deployment=${deploymentId}] Deployed by stoa-connect for the STOA API ${apiName}. Changes made here are overwritten.`;
}

/** The deployment id of an API stoa-connect created, or `undefined` when it did not. */
export function routeOwner(api: GraviteeApi): string | undefined {
  return ROUTE_MARK.exec(api.description ?? "")?.[1];
}

/** The description of an application created for a consumer. */
export function consumerDescription(consumerId: string): string {
  return `[stoa-managed consumer=${consumerId}] Consumer credentials synchronised by stoa-connect from Vault.`;
}

/** The consumer id of an application stoa-connect created, or `undefined`. */
export function consumerOwner(application: GraviteeApplication): string | undefined {
  return CONSUMER_MARK.exec(application.description ?? "")?.[1];
}

/** The name of the flow carrying a STOA policy. */
export function policyFlowName(policyId: string, policyName: string): string {
  return `${POLICY_FLOW_PREFIX}${policyId} ${policyName}`;
}

/** The STOA policy id a flow carries, or `undefined` for flows stoa-connect does not own. */
export function policyOwner(flow: GraviteeFlow): string | undefined {
  return POLICY_FLOW.exec(flow.name ?? "")?.[1];
}

/** True for the flows stoa-connect owns inside an API (policies and the route method filter). */
export function isOwnedFlow(flow: GraviteeFlow): boolean {
  return policyOwner(flow) !== undefined || flow.name === METHODS_FLOW_NAME;
}
