/**
 * Policy sync: each STOA policy lives in a flow stoa-connect owns (`stoa-policy:<id> <name>`)
 * inside every v4 proxy API it targets (all of them when it names no API), or, for CORS, in the
 * HTTP listener's settings with an empty owned flow as the record. Planning reads every API
 * (flows come with the API listing) and diffs only the owned parts; applying groups the changes by
 * API, so that each API is read fresh, saved once and deployed once whatever the number of
 * policies that changed on it, and reports one result per policy.
 *
 * Deploying publishes the whole saved definition, so an API stoa-connect does not own (no route
 * marker) is written only when it is DEPLOYED: with saved but undeployed changes (an operator's
 * unfinished edit) it is neither saved nor deployed, and the items on it fail with the reason.
 *
 * @module
 */

import type { SyncOptions } from "../adapter.ts";
import type { DesiredPolicy } from "../../sync/desired.ts";
import type { FieldChange, Plan, PlanItem } from "../../sync/plan.ts";
import type { GraviteeClient } from "./gravitee_client.ts";
import { listApis, selectedMethods } from "./gravitee_discovery.ts";
import { deployApi, getApi, saveApi, updateBody } from "./gravitee_api_writes.ts";
import { policyFlowName, policyOwner, routeOwner } from "./gravitee_ownership.ts";
import { type GraviteePlacement, mapPolicy } from "./gravitee_policy_mapping.ts";
import type { GraviteeApi, GraviteeCors, GraviteeFlow } from "./gravitee_types.ts";
import { DEFAULT_CONCURRENCY, mapConcurrent } from "../concurrency.ts";
import { errorText } from "../error_text.ts";
import { diffFields, projectOnto } from "../field_diff.ts";
import type { KeyedLock } from "../keyed_lock.ts";

/** What one policy item changes on one API: its owned flow, and the listener CORS for `cors`. */
export interface ApiPolicyChange {
  /** The owned flow wanted, or `null` to remove it. */
  readonly flow: GraviteeFlow | null;
  /** CORS settings wanted (`null`: disable them, `undefined`: leave them). */
  readonly cors?: GraviteeCors | null;
}

/** What applying one policy item does: a change per API id. */
export interface PolicyOperation {
  /** API id → change. */
  readonly apis: ReadonlyMap<string, ApiPolicyChange>;
  /** API id → name, for messages. */
  readonly names: ReadonlyMap<string, string>;
}

/** A plan and what each of its items does. */
export interface PlannedPolicies {
  /** The plan (printable, applicable). */
  readonly plan: Plan;
  /** The operation of every item that writes. */
  readonly operations: Map<PlanItem, PolicyOperation>;
}

const DISABLED_CORS: GraviteeCors = { enabled: false };

/** True for the APIs stoa-connect places policies on: v4 proxies with an HTTP listener. */
export function acceptsPolicies(api: GraviteeApi): boolean {
  return api.definitionVersion === "V4" && api.type === "PROXY" &&
    (api.listeners ?? []).some((listener) => listener.type === "HTTP");
}

/**
 * The flow carrying `policy` on an API whose route is limited to `methods` (so that the policy
 * flow never lets other methods through a route's method filter). CORS flows hold no step: the
 * settings are on the listener.
 */
export function policyFlow(
  policy: DesiredPolicy,
  placement: GraviteePlacement,
  methods: readonly string[],
): GraviteeFlow {
  const steps = placement.kind === "steps" ? placement.steps : [];
  return {
    name: policyFlowName(policy.id, policy.name),
    enabled: placement.kind === "steps",
    selectors: [{ type: "HTTP", path: "/", pathOperator: "STARTS_WITH", methods: [...methods] }],
    request: steps.map((step) => ({
      name: policy.name,
      description: `STOA ${policy.type} policy ${policy.id}`,
      enabled: true,
      policy: step.policy,
      configuration: step.configuration,
    })),
    response: [],
  };
}

/** Plans the policies; reads every API (all pages), writes nothing. */
export async function planPolicySync(
  client: GraviteeClient,
  desired: readonly DesiredPolicy[],
  options: SyncOptions = {},
): Promise<PlannedPolicies> {
  const apis = await listApis(client, { signal: options.signal });
  const eligible = apis.filter(acceptsPolicies);
  const byName = new Map<string, GraviteeApi[]>();
  for (const api of apis) byName.set(api.name, [...(byName.get(api.name) ?? []), api]);
  const owned = ownedFlows(apis);
  const corsOwner = new Map<string, string>(); // API id → policy id holding its CORS
  for (const [policyId, flows] of owned) {
    for (const [apiId, flow] of flows) if (!flow.enabled) corsOwner.set(apiId, policyId);
  }

  const items: PlanItem[] = [];
  const operations = new Map<PlanItem, PolicyOperation>();
  const sorted = [...desired].sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id));
  for (const policy of sorted) {
    const present = owned.get(policy.id) ?? new Map<string, GraviteeFlow>();
    const base = { kind: "policy" as const, id: policy.id, name: policy.name };
    const fail = (error: string, target?: string) =>
      items.push({
        ...base,
        action: present.size > 0 ? "update" : "create",
        target,
        changes: [],
        error,
      });
    const mapped = policy.enabled ? mapPolicy(policy) : undefined;
    if (mapped?.error !== undefined) {
      fail(mapped.error);
      continue;
    }
    const placement = mapped?.placement;
    let targets: GraviteeApi[] = [];
    const skipped: string[] = [];
    if (placement) {
      if (policy.targets.length > 0) {
        const resolved = resolveTargets(policy.targets, byName);
        if (typeof resolved === "string") {
          fail(resolved);
          continue;
        }
        targets = resolved;
      } else {
        targets = eligible;
      }
      if (placement.kind === "cors") {
        const conflicts = targets.filter((api) => corsTaken(api, policy.id, corsOwner));
        if (conflicts.length > 0 && policy.targets.length > 0) {
          fail(
            `CORS of ${
              conflicts.map((api) => `'${api.name}'`).join(", ")
            } is already set outside this policy (by hand or by another STOA cors policy); stoa-connect does not overwrite it`,
          );
          continue;
        }
        skipped.push(...conflicts.map((api) => api.name));
        targets = targets.filter((api) => !conflicts.includes(api));
        for (const api of targets) corsOwner.set(api.id, policy.id);
      }
    }

    const changes = new Map<string, ApiPolicyChange>();
    const names = new Map<string, string>();
    const fieldChanges: FieldChange[] = [];
    const wanted = new Set(targets.map((api) => api.id));
    for (const api of targets) {
      const flow = policyFlow(policy, placement!, selectedMethods(api));
      const current = present.get(api.id);
      const cors = placement!.kind === "cors" ? placement!.cors : undefined;
      const flowDiff = diffFields(
        current ? projectOnto(current, flow) : undefined,
        flow,
        { prefix: `${api.name}.flow` },
      );
      const currentCors = httpListener(api)?.cors;
      const corsDiff = cors
        ? diffFields(projectOnto(currentCors, cors), cors, { prefix: `${api.name}.cors` })
        : [];
      if (flowDiff.length + corsDiff.length === 0) continue;
      fieldChanges.push(...flowDiff, ...corsDiff);
      changes.set(api.id, { flow, cors });
      names.set(api.id, api.name);
    }
    for (const [apiId, flow] of present) {
      if (wanted.has(apiId)) continue;
      const api = apis.find((candidate) => candidate.id === apiId)!;
      fieldChanges.push(...diffFields(projectOnto(flow, flow), undefined, {
        prefix: `${api.name}.flow`,
      }));
      changes.set(apiId, { flow: null, cors: flow.enabled ? undefined : null });
      names.set(apiId, api.name);
    }
    const action = !policy.enabled
      ? (present.size > 0 ? "delete" : "unchanged")
      : changes.size === 0
      ? "unchanged"
      : present.size === 0
      ? "create"
      : "update";
    const target = !policy.enabled
      ? describeApis([...present.keys()].map((id) => apis.find((api) => api.id === id)!.name))
      : policy.targets.length > 0
      ? describeApis(targets.map((api) => api.name))
      : `all v4 proxy APIs (${targets.length})${
        skipped.length > 0 ? `; not on ${skipped.join(", ")} (own CORS)` : ""
      }`;
    const item: PlanItem = { ...base, action, target, changes: fieldChanges };
    items.push(item);
    if (action !== "unchanged") operations.set(item, { apis: changes, names });
  }

  const desiredIds = new Set(desired.map((policy) => policy.id));
  for (const [policyId, flows] of owned) {
    if (desiredIds.has(policyId)) continue;
    const changes = new Map<string, ApiPolicyChange>();
    const names = new Map<string, string>();
    const fieldChanges: FieldChange[] = [];
    for (const [apiId, flow] of flows) {
      const api = apis.find((candidate) => candidate.id === apiId)!;
      changes.set(apiId, { flow: null, cors: flow.enabled ? undefined : null });
      names.set(apiId, api.name);
      fieldChanges.push(...diffFields(flow, undefined, { prefix: `${api.name}.flow` }));
    }
    const first = [...flows.values()][0];
    const item: PlanItem = {
      kind: "policy",
      id: policyId,
      name: first.request?.[0]?.name ?? first.name ?? policyId,
      action: "delete",
      target: describeApis([...names.values()]),
      changes: fieldChanges,
    };
    items.push(item);
    operations.set(item, { apis: changes, names });
  }
  return { plan: { kind: "policy", items }, operations };
}

/**
 * Applies policy items: every API touched is read again, its owned flows (and CORS) changed for
 * all items at once, saved and deployed; at most `concurrency` APIs at a time, and never two
 * writers on one API (`locks`, shared with route updates). An item fails when one of its APIs
 * fails, with that API named; the others are unaffected. An API stoa-connect does not own that is
 * not DEPLOYED is left alone (deploying it would publish its owner's unfinished changes).
 */
export async function applyPolicySync(
  client: GraviteeClient,
  work: readonly { readonly item: PlanItem; readonly operation: PolicyOperation }[],
  locks: KeyedLock,
  options: SyncOptions = {},
): Promise<Map<PlanItem, string | undefined>> {
  const byApi = new Map<string, Map<string, ApiPolicyChange>>();
  for (const { item, operation } of work) {
    for (const [apiId, change] of operation.apis) {
      const changes = byApi.get(apiId) ?? new Map<string, ApiPolicyChange>();
      changes.set(item.id, change);
      byApi.set(apiId, changes);
    }
  }
  const names = new Map<string, string>();
  for (const { operation } of work) {
    for (const [apiId, name] of operation.names) names.set(apiId, name);
  }
  const apiIds = [...byApi.keys()];
  // API id → complete reason, for failures that name the API themselves.
  const reasons = new Map<string, string>();
  const failures = await mapConcurrent(
    apiIds,
    options.concurrency ?? DEFAULT_CONCURRENCY,
    async (apiId) => {
      try {
        await locks.run(apiId, async () => {
          const api = await getApi(client, apiId, options.signal);
          if (routeOwner(api) === undefined && api.deploymentState !== "DEPLOYED") {
            const reason = `API '${
              names.get(apiId) ?? api.name
            }' has changes not deployed by its owner (deploymentState ${
              api.deploymentState ?? "unknown"
            }); deploy or revert them in Gravitee, then the policy is applied`;
            reasons.set(apiId, reason);
            throw new Error(reason);
          }
          const changes = byApi.get(apiId)!;
          await saveApi(client, apiId, updateBody(api, withPolicies(api, changes)), options.signal);
          await deployApi(client, apiId, options.signal);
        });
        return undefined;
      } catch (error) {
        return errorText(error);
      }
    },
  );
  const failed = new Map(apiIds.map((id, index) => [id, failures[index]]));
  const results = new Map<PlanItem, string | undefined>();
  for (const { item, operation } of work) {
    const errors = [...operation.apis.keys()]
      .filter((apiId) => failed.get(apiId) !== undefined)
      .map((apiId) =>
        reasons.get(apiId) ?? `API '${operation.names.get(apiId)}': ${failed.get(apiId)}`
      );
    results.set(item, errors.length > 0 ? errors.join("; ") : undefined);
  }
  return results;
}

/**
 * The flows (and listeners) of `api` with the policy changes applied: an owned flow is replaced in
 * place, removed, or appended; flows stoa-connect does not own are never touched.
 */
function withPolicies(
  api: GraviteeApi,
  changes: ReadonlyMap<string, ApiPolicyChange>,
): Partial<GraviteeApi> {
  const flows: GraviteeFlow[] = [];
  const done = new Set<string>();
  for (const flow of api.flows ?? []) {
    const owner = policyOwner(flow);
    const change = owner === undefined ? undefined : changes.get(owner);
    if (!change) {
      flows.push(flow);
      continue;
    }
    done.add(owner!);
    if (change.flow) flows.push(change.flow);
  }
  for (const [policyId, change] of changes) {
    if (!done.has(policyId) && change.flow) flows.push(change.flow);
  }
  const corsChange = [...changes.values()].find((change) => change.cors !== undefined);
  if (!corsChange) return { flows };
  let set = false;
  const listeners = (api.listeners ?? []).map((listener) => {
    if (set || listener.type !== "HTTP") return listener;
    set = true;
    return { ...listener, cors: corsChange.cors ?? DISABLED_CORS };
  });
  return { flows, listeners };
}

/** Owned flows by policy id, then API id. */
function ownedFlows(apis: readonly GraviteeApi[]): Map<string, Map<string, GraviteeFlow>> {
  const owned = new Map<string, Map<string, GraviteeFlow>>();
  for (const api of apis) {
    for (const flow of api.flows ?? []) {
      const policyId = policyOwner(flow);
      if (policyId === undefined) continue;
      const byApi = owned.get(policyId) ?? new Map<string, GraviteeFlow>();
      byApi.set(api.id, flow);
      owned.set(policyId, byApi);
    }
  }
  return owned;
}

function resolveTargets(
  names: readonly string[],
  byName: ReadonlyMap<string, GraviteeApi[]>,
): GraviteeApi[] | string {
  const targets: GraviteeApi[] = [];
  for (const name of names) {
    const found = byName.get(name);
    if (!found) return `API '${name}' (config.apis) is not an API of this Gravitee environment`;
    const unusable = found.find((api) => !acceptsPolicies(api));
    if (unusable) {
      return `API '${name}' is a ${unusable.definitionVersion}${
        unusable.type ? ` ${unusable.type}` : ""
      } API: stoa-connect places policies on v4 proxy APIs only (migrate v2 APIs to v4 in Gravitee)`;
    }
    targets.push(...found.filter((api) => !targets.includes(api)));
  }
  return targets;
}

function corsTaken(
  api: GraviteeApi,
  policyId: string,
  owner: ReadonlyMap<string, string>,
): boolean {
  const holder = owner.get(api.id);
  if (holder !== undefined) return holder !== policyId;
  return httpListener(api)?.cors?.enabled === true;
}

function httpListener(api: GraviteeApi) {
  return (api.listeners ?? []).find((listener) => listener.type === "HTTP");
}

function describeApis(names: readonly string[]): string {
  if (names.length === 0) return "no API";
  const shown = names.slice(0, 5).map((name) => `'${name}'`).join(", ");
  return `API ${shown}${names.length > 5 ? ` and ${names.length - 5} more` : ""}`;
}
