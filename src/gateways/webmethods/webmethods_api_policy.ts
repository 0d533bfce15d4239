/**
 * Editing the enforcements of an API's own policy (`api.policies[0]`), one API at a time.
 *
 * An edit re-reads the policy under the API's lock, removes and adds action ids stage by stage,
 * and keeps webMethods' rule that a throttle needs an "Identify & Authorize Application" action on
 * the same API (PolicyManagement Postman collection: "Policy action Throttling Traffic Optimization
 * is dependent to policy action(s) [Identify & Authorize Application]"), while an API has at most
 * one such action ("An API can be associated with only one policy action with template id Identify
 * & Authorize Application"). When a throttle would be alone, a support identify action that admits
 * anonymous callers is added; it is removed again as soon as it is not needed or another identify
 * action takes its place.
 *
 * @module
 */

import { GatewayHttpError } from "../admin_http.ts";
import { segment } from "../../http/url.ts";
import type { WebMethodsClient } from "./webmethods_client.ts";
import { getApi, getPolicy, listPolicyActions } from "./webmethods_inventory.ts";
import type { KeyedLock } from "../keyed_lock.ts";
import { OWNED_NAME_PREFIX, parseMarker } from "./webmethods_ownership.ts";
import { actionBody, createAction, deleteAction } from "./webmethods_policy_actions.ts";
import {
  IDENTIFY_TEMPLATE,
  SUPPORT_IDENTIFY_ACTION,
  THROTTLE_TEMPLATE,
} from "./webmethods_policy_mapping.ts";
import { firstValue, type Policy, type PolicyAction } from "./webmethods_types.ts";

/** Name of the support identify action. */
export const SUPPORT_ACTION_NAME = `${OWNED_NAME_PREFIX}identify-for-throttling`;

/** An action to enforce in a stage. */
export interface Attachment {
  /** Stage, e.g. `LMT`. */
  readonly stageKey: string;
  /** Policy action id. */
  readonly actionId: string;
}

/** What to change in an API's policy. */
export interface ApiPolicyEdit {
  /** Actions to enforce (kept where they are when already enforced). */
  readonly attach: readonly Attachment[];
  /** Action ids to stop enforcing. */
  readonly detach: ReadonlySet<string>;
}

/** What an edit needs. */
export interface ApiPolicyContext {
  /** The gateway. */
  readonly client: WebMethodsClient;
  /** Serialises edits per API. */
  readonly locks: KeyedLock;
  /** Abort signal. */
  readonly signal?: AbortSignal;
}

/** The outcome of an edit. */
export type EditOutcome = "edited" | "unchanged" | "api-gone";

interface Stage {
  readonly stageKey: string;
  readonly enforcements: Record<string, unknown>[];
}

/** Applies `edit` to the policy of `apiId`; `api-gone` when the API no longer exists. */
export function editApiPolicy(
  context: ApiPolicyContext,
  apiId: string,
  edit: ApiPolicyEdit,
): Promise<EditOutcome> {
  return context.locks.run(`api:${apiId}`, () => applyEdit(context, apiId, edit));
}

/** The id of the API's own policy, `undefined` when the API is gone. */
async function apiPolicyId(
  client: WebMethodsClient,
  apiId: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const api = await getApi(client, apiId, signal);
  if (!api) return undefined;
  const id = api.policies?.[0];
  if (!id) {
    throw new GatewayHttpError(
      `webMethods API ${api.apiName} (${apiId}) has no policy although API Gateway creates one with every API; open the API in the API Gateway UI to repair it`,
      {},
    );
  }
  return id;
}

async function applyEdit(
  context: ApiPolicyContext,
  apiId: string,
  edit: ApiPolicyEdit,
): Promise<EditOutcome> {
  const { client, signal } = context;
  const policyId = await apiPolicyId(client, apiId, signal);
  if (policyId === undefined) return "api-gone";
  const policy = await getPolicy(client, policyId, signal);
  if (!policy) {
    throw new GatewayHttpError(
      `the policy ${policyId} of webMethods API ${apiId} does not exist; open the API in the API Gateway UI to repair it`,
      {},
    );
  }
  const before = stagesOf(policy);
  const stages = stagesOf(policy).map((stage) => ({
    stageKey: stage.stageKey,
    enforcements: stage.enforcements.filter((enforcement) =>
      !edit.detach.has(String(enforcement.enforcementObjectId))
    ),
  }));
  for (const attachment of edit.attach) add(stages, attachment);

  const ids = stages.flatMap((stage) => stage.enforcements.map(enforcementId));
  const actions = ids.length === 0 ? [] : await listPolicyActions(client, { ids, signal });
  const byId = new Map(actions.map((action) => [action.id, action]));
  const withTemplate = (template: string) =>
    ids.filter((id) => byId.get(id)?.templateKey === template);
  const throttles = withTemplate(THROTTLE_TEMPLATE);
  const identifies = withTemplate(IDENTIFY_TEMPLATE);
  const supports = identifies.filter((id) => isSupport(byId.get(id), apiId));
  let dropped: string[] = [];
  if (throttles.length > 0 && identifies.length === 0) {
    const support = await createAction(
      client,
      actionBody(SUPPORT_IDENTIFY_ACTION, SUPPORT_ACTION_NAME, {
        kind: "support",
        id: apiId,
        attributes: {},
      }),
      signal,
    );
    add(stages, { stageKey: SUPPORT_IDENTIFY_ACTION.stageKey, actionId: support.id });
  } else if (supports.length > 0) {
    const needed = throttles.length > 0 && identifies.length === supports.length;
    dropped = needed ? supports.slice(1) : supports;
  }
  const final = stages.map((stage) => ({
    stageKey: stage.stageKey,
    enforcements: stage.enforcements.filter((enforcement) =>
      !dropped.includes(enforcementId(enforcement))
    ),
  })).filter((stage) => stage.enforcements.length > 0);

  if (canonical(final) === canonical(before.filter((stage) => stage.enforcements.length > 0))) {
    return "unchanged";
  }
  await client.call("PUT", `policies/${segment(policyId)}`, {
    body: { policy: { ...policy, policyEnforcements: final } },
    signal,
  });
  for (const id of dropped) await deleteAction(client, id, signal);
  return "edited";
}

/** True for the support identify action the agent added to this API. */
function isSupport(action: PolicyAction | undefined, apiId?: string): boolean {
  if (!action || !firstValue(action.names).startsWith(OWNED_NAME_PREFIX)) return false;
  const marker = parseMarker(firstValue(action.descriptions));
  return marker?.kind === "support" && (apiId === undefined || marker.id === apiId);
}

/** Ids of every action enforced by a policy. */
export function enforcedIds(policy: Policy): string[] {
  return stagesOf(policy).flatMap((stage) => stage.enforcements.map(enforcementId));
}

function stagesOf(policy: Policy): Stage[] {
  return (policy.policyEnforcements ?? []).map((stage) => ({
    stageKey: stage.stageKey,
    enforcements: (stage.enforcements ?? []).map((enforcement) => ({ ...enforcement })),
  }));
}

function add(stages: Stage[], attachment: Attachment): void {
  if (
    stages.some((stage) => stage.enforcements.some((e) => enforcementId(e) === attachment.actionId))
  ) {
    return;
  }
  let stage = stages.find((candidate) => candidate.stageKey === attachment.stageKey);
  if (!stage) {
    stage = { stageKey: attachment.stageKey, enforcements: [] };
    stages.push(stage);
  }
  stage.enforcements.push({
    enforcementObjectId: attachment.actionId,
    order: String(stage.enforcements.length),
  });
}

function enforcementId(enforcement: Record<string, unknown>): string {
  return String(enforcement.enforcementObjectId);
}

function canonical(stages: readonly Stage[]): string {
  return JSON.stringify(
    stages.map((stage) => [stage.stageKey, stage.enforcements.map(enforcementId)]),
  );
}
