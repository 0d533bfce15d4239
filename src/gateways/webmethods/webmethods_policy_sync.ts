/**
 * Policy sync on webMethods: one plan item per STOA policy and target (`api <name>` or `global`).
 *
 * - A policy with targets (`config.apis`) becomes owned policy actions on each target API's own
 *   policy (every version of an API with that name), plus, for `ip_filter` and `jwt_validation`, an
 *   owned application registered with the API that holds the admitted addresses or claims.
 * - A policy without targets becomes one owned global policy holding its actions, kept active.
 * - Owned actions, applications and global policies of policies no longer desired, disabled, or no
 *   longer targeting an API are removed, and so is every duplicate (two actions of one policy on
 *   one API, two global policies of one policy).
 *
 * Planning reads the whole gateway once (APIs, actions, global policies, applications) and the
 * policies of the APIs involved; it never writes. Items that webMethods cannot express carry the
 * reason and never touch the gateway.
 *
 * @module
 */

import type { SyncOptions } from "../adapter.ts";
import type { DesiredPolicy } from "../../sync/desired.ts";
import type { FieldChange, PlanItem } from "../../sync/plan.ts";
import { segment } from "../../http/url.ts";
import { editApiPolicy, enforcedIds } from "./webmethods_api_policy.ts";
import {
  type AppIdentity,
  deleteApplication,
  identifierChanges,
  type OwnedApplication,
  sameIdentifiers,
  upsertApplication,
} from "./webmethods_applications.ts";
import type { WebMethodsClient } from "./webmethods_client.ts";
import {
  getApis,
  getPolicies,
  getRegisteredApis,
  listApis,
  listApplications,
  listGlobalPolicies,
  listPolicyActions,
} from "./webmethods_inventory.ts";
import type { KeyedLock } from "../keyed_lock.ts";
import {
  ownedDescription,
  ownedMarker,
  ownedName,
  type OwnershipMarker,
} from "./webmethods_ownership.ts";
import {
  actionBody,
  createAction,
  deleteAction,
  flattenParameters,
  sameParameters,
  updateAction,
} from "./webmethods_policy_actions.ts";
import {
  type ActionSpec,
  IDENTIFY_TEMPLATE,
  mapPolicy,
  type PolicyMapping,
} from "./webmethods_policy_mapping.ts";
import { type PlannedItem, removeEvery } from "./webmethods_plan.ts";
import {
  type ApiSummary,
  firstValue,
  type Policy,
  type PolicyAction,
  readPolicies,
} from "./webmethods_types.ts";

/** What policy planning and applying need. */
export interface PolicySyncContext {
  /** The gateway. */
  readonly client: WebMethodsClient;
  /** Serialises edits of one API's policy. */
  readonly locks: KeyedLock;
}

/** Label of the item of a policy without targets. */
const GLOBAL = "global";
/** API types a gateway-wide policy applies to. */
const ALL_API_TYPES = ["REST", "SOAP", "ODATA"];

interface OwnedAction {
  readonly action: PolicyAction;
  readonly marker: OwnershipMarker;
}

interface OwnedGlobal {
  readonly policy: Policy;
  readonly marker: OwnershipMarker;
}

/** Everything planning read from the gateway. */
interface Snapshot {
  readonly apis: readonly ApiSummary[];
  readonly actions: ReadonlyMap<string, PolicyAction>;
  /** Owned actions by policy id. */
  readonly ownedActions: ReadonlyMap<string, OwnedAction[]>;
  /** Owned global policies by policy id. */
  readonly ownedGlobals: ReadonlyMap<string, OwnedGlobal[]>;
  /** Owned applications by policy id. */
  readonly ownedApps: ReadonlyMap<string, OwnedApplication[]>;
  /** Ids of the actions each API's policy enforces (for the APIs involved). */
  readonly enforced: ReadonlyMap<string, ReadonlySet<string>>;
}

/** What one policy needs on one API. */
interface ApiWork {
  /** The API (or `global` for a global policy). */
  readonly apiId: string;
  /** Prefix of field names: the API version when the target name has several. */
  readonly apiLabel: string;
  /** Owned actions that already match. */
  readonly keep: readonly { readonly id: string; readonly spec: ActionSpec }[];
  /** Owned actions whose parameters change. */
  readonly update: readonly { readonly id: string; readonly spec: ActionSpec }[];
  /** Actions to create. */
  readonly create: readonly ActionSpec[];
  /** Owned actions of the same policy and API beyond the desired ones. */
  readonly duplicates: readonly string[];
  /** The application of an identification policy. */
  readonly application?: AppWork;
}

/** What one identification policy needs as its application on one API. */
interface AppWork {
  readonly primary?: OwnedApplication;
  readonly duplicates: readonly OwnedApplication[];
  readonly identity: AppIdentity;
}

/** Plans every desired policy and the removal of owned leftovers. */
export async function planPolicySync(
  context: PolicySyncContext,
  desired: readonly DesiredPolicy[],
  options: SyncOptions = {},
): Promise<PlannedItem[]> {
  const snapshot = await readSnapshot(context, desired, options.signal);
  return new PolicyPlanner(context, snapshot, desired, options).plan();
}

async function readSnapshot(
  context: PolicySyncContext,
  desired: readonly DesiredPolicy[],
  signal: AbortSignal | undefined,
): Promise<Snapshot> {
  const { client } = context;
  const [apis, actions, globals, applications] = await Promise.all([
    listApis(client, signal),
    listPolicyActions(client, { signal }),
    listGlobalPolicies(client, signal),
    listApplications(client, signal),
  ]);
  const ownedActions = groupBy(
    actions.flatMap((action) => withPolicyMarker(action, (marker) => ({ action, marker }))),
    (owned) => owned.marker.id,
  );
  const ownedGlobals = groupBy(
    globals.flatMap((policy) => withPolicyMarker(policy, (marker) => ({ policy, marker }))),
    (owned) => owned.marker.id,
  );
  const appsWithMarker = applications.flatMap((app) => {
    const marker = ownedMarker(app.name, app.description, "policy");
    return marker ? [{ app, marker }] : [];
  });
  const registered = await Promise.all(
    appsWithMarker.map(({ app }) => getRegisteredApis(client, app.id, signal)),
  );
  const ownedApps = groupBy(
    appsWithMarker.map(({ app, marker }, index) => ({
      app,
      marker,
      apiIds: registered[index] ?? [],
    })),
    (owned) => owned.marker.id,
  );

  // The APIs whose policies matter: every target, and every API holding something owned.
  const byName = namesToIds(apis);
  const involved = new Set<string>();
  for (const policy of desired) {
    for (const name of policy.targets) for (const id of byName.get(name) ?? []) involved.add(id);
  }
  for (const owned of [...ownedActions.values()].flat()) {
    if (owned.marker.attributes.api) involved.add(owned.marker.attributes.api);
  }
  const known = new Set(apis.map((api) => api.id));
  const details = await getApis(client, [...involved].filter((id) => known.has(id)), { signal });
  const policyOfApi = new Map<string, string>();
  for (const [id, detail] of details) {
    if (detail.policies?.[0]) policyOfApi.set(id, detail.policies[0]);
  }
  const policies = await getPolicies(client, [...new Set(policyOfApi.values())], signal);
  const enforcedByPolicy = new Map(policies.map((policy) => [policy.id, enforcedIds(policy)]));
  const enforced = new Map<string, Set<string>>();
  for (const [apiId, policyId] of policyOfApi) {
    enforced.set(apiId, new Set(enforcedByPolicy.get(policyId) ?? []));
  }
  return {
    apis,
    actions: new Map(actions.map((action) => [action.id, action])),
    ownedActions,
    ownedGlobals,
    ownedApps,
    enforced,
  };
}

class PolicyPlanner {
  readonly #context: PolicySyncContext;
  readonly #snapshot: Snapshot;
  readonly #desired: readonly DesiredPolicy[];
  readonly #options: SyncOptions;
  readonly #byName: Map<string, string[]>;
  readonly #apiById: Map<string, ApiSummary>;
  /** Which desired policy may hold the identify action of each API. */
  readonly #identifyHolder = new Map<string, DesiredPolicy>();

  constructor(
    context: PolicySyncContext,
    snapshot: Snapshot,
    desired: readonly DesiredPolicy[],
    options: SyncOptions,
  ) {
    this.#context = context;
    this.#snapshot = snapshot;
    this.#desired = desired;
    this.#options = options;
    this.#byName = namesToIds(snapshot.apis);
    this.#apiById = new Map(snapshot.apis.map((api) => [api.id, api]));
  }

  plan(): PlannedItem[] {
    const mappings = new Map<string, PolicyMapping | { error: string }>();
    for (const policy of this.#desired) {
      if (policy.enabled) mappings.set(policy.id, mapPolicy(policy));
    }
    this.#electIdentifyHolders(mappings);
    const planned: PlannedItem[] = [];
    const claimed = new Set<string>();
    for (const policy of this.#desired) {
      const owned = this.#ownedTargets(policy.id);
      if (!policy.enabled) {
        const labels = new Set([...targetLabels(policy), ...owned.keys()]);
        for (const label of labels) {
          claimed.add(key(policy.id, label));
          planned.push(this.#removal(policy.id, policy.name, label, owned.get(label)));
        }
        continue;
      }
      const mapping = mappings.get(policy.id)!;
      for (const label of targetLabels(policy)) {
        claimed.add(key(policy.id, label));
        planned.push(
          "error" in mapping
            ? failed(policy, label, mapping.error)
            : label === GLOBAL
            ? this.#globalItem(policy, mapping)
            : this.#apiItem(policy, mapping, label.slice("api ".length)),
        );
      }
    }
    // Leftovers: owned objects of policies no longer desired, or of targets no longer listed.
    const leftovers = new Set([
      ...this.#snapshot.ownedActions.keys(),
      ...this.#snapshot.ownedGlobals.keys(),
      ...this.#snapshot.ownedApps.keys(),
    ]);
    for (const policyId of leftovers) {
      for (const [label, targets] of this.#ownedTargets(policyId)) {
        if (claimed.has(key(policyId, label))) continue;
        planned.push(this.#removal(policyId, this.#ownedPolicyName(policyId), label, targets));
      }
    }
    return planned;
  }

  /**
   * webMethods allows one identify action per API. An API keeps the STOA policy already holding it;
   * otherwise the desired policy with the lowest priority (then id) gets it.
   */
  #electIdentifyHolders(mappings: ReadonlyMap<string, PolicyMapping | { error: string }>): void {
    const claimants = this.#desired
      .filter((policy) => {
        const mapping = mappings.get(policy.id);
        return mapping !== undefined && !("error" in mapping) &&
          mapping.actions.some((action) => action.templateKey === IDENTIFY_TEMPLATE);
      })
      .sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id));
    for (const policy of claimants) {
      for (const name of policy.targets) {
        for (const apiId of this.#byName.get(name) ?? []) {
          const holder = this.#identifyOwner(apiId);
          const current = holder?.kind === "policy"
            ? claimants.find((candidate) => candidate.id === holder.id)
            : undefined;
          if (current) this.#identifyHolder.set(apiId, current);
          else if (!this.#identifyHolder.has(apiId)) this.#identifyHolder.set(apiId, policy);
        }
      }
    }
  }

  /** Who holds the identify action enforced on an API now (support actions hold nothing). */
  #identifyOwner(
    apiId: string,
  ): { kind: "policy"; id: string } | { kind: "foreign"; name: string } | undefined {
    for (const id of this.#snapshot.enforced.get(apiId) ?? []) {
      const action = this.#snapshot.actions.get(id);
      if (action?.templateKey !== IDENTIFY_TEMPLATE) continue;
      const marker = ownedMarker(firstValue(action.names), firstValue(action.descriptions));
      if (marker?.kind === "support") continue;
      if (marker?.kind === "policy") return { kind: "policy", id: marker.id };
      return { kind: "foreign", name: firstValue(action.names) || action.id };
    }
    return undefined;
  }

  #apiItem(policy: DesiredPolicy, mapping: PolicyMapping, name: string): PlannedItem {
    const label = apiLabel(name);
    const discovered = this.#options.discovered;
    if (discovered && !discovered.some((api) => api.name === name)) {
      return failed(
        policy,
        label,
        `target API '${name}' was not found by the last discovery (config.apis names APIs as discovered)`,
      );
    }
    const apiIds = this.#byName.get(name) ?? [];
    if (apiIds.length === 0) {
      return failed(policy, label, `target API '${name}' is not on the gateway`);
    }
    const identifies = mapping.actions.some((action) => action.templateKey === IDENTIFY_TEMPLATE);
    if (identifies) {
      for (const apiId of apiIds) {
        const conflict = this.#identifyConflict(policy, apiId, name);
        if (conflict) return failed(policy, label, conflict);
      }
    }
    const works = apiIds.map((apiId) => this.#apiWork(policy, mapping, apiId, apiIds.length > 1));
    const changes = works.flatMap((work) =>
      this.#workChanges(work, this.#snapshot.enforced.get(work.apiId) ?? new Set())
    );
    const action = changes.length === 0
      ? "unchanged"
      : works.every((work) =>
          work.keep.length === 0 && work.update.length === 0 && !work.application?.primary
        )
      ? "create"
      : "update";
    const item: PlanItem = {
      kind: "policy",
      id: policy.id,
      name: policy.name,
      action,
      target: label,
      changes,
    };
    if (action === "unchanged") return { item };
    return {
      item,
      operation: (signal) => this.#applyApiWorks(policy, works, signal),
    };
  }

  #identifyConflict(policy: DesiredPolicy, apiId: string, name: string): string | undefined {
    const owner = this.#identifyOwner(apiId);
    const rule = "webMethods allows one Identify & Authorize Application action per API";
    if (owner?.kind === "foreign") {
      return `API '${name}' already has an Identify & Authorize Application action not managed by STOA ('${owner.name}'); ${rule}: remove it on the gateway or drop '${name}' from config.apis`;
    }
    const holder = this.#identifyHolder.get(apiId);
    if (holder && holder.id !== policy.id) {
      return `API '${name}' already admits callers through STOA policy '${holder.name}' (${holder.type}); ${rule}, so only one of them can target it`;
    }
    return undefined;
  }

  #apiWork(
    policy: DesiredPolicy,
    mapping: PolicyMapping,
    apiId: string,
    withVersion: boolean,
  ): ApiWork {
    const api = this.#apiById.get(apiId);
    const apiLabelText = withVersion ? `${api?.apiVersion ?? apiId}:` : "";
    const current = (this.#snapshot.ownedActions.get(policy.id) ?? [])
      .filter((owned) => owned.marker.attributes.api === apiId)
      .map((owned) => owned.action);
    const matched = matchActions(mapping.actions, current);
    let application: AppWork | undefined;
    if (mapping.identifiers) {
      const apps = (this.#snapshot.ownedApps.get(policy.id) ?? [])
        .filter((owned) => owned.marker.attributes.api === apiId);
      application = {
        primary: apps[0],
        duplicates: apps.slice(1),
        identity: {
          name: ownedName(`${policy.name}-${api?.apiName ?? apiId}`),
          marker: { kind: "policy", id: policy.id, attributes: { api: apiId } },
          identifiers: mapping.identifiers,
          apiIds: [apiId],
        },
      };
    }
    return { apiId, apiLabel: apiLabelText, ...matched, application };
  }

  /** Field changes of one API's work; `enforced`: ids the API's (or global) policy enforces. */
  #workChanges(work: ApiWork, enforced: ReadonlySet<string>): FieldChange[] {
    const changes: FieldChange[] = [];
    const field = (template: string, path: string) => `${work.apiLabel}${template}.${path}`;
    for (const spec of work.create) {
      for (const [path, after] of Object.entries(flattenParameters(spec.parameters))) {
        changes.push({ field: field(spec.templateKey, path), after: show(after) });
      }
    }
    for (const { id, spec } of work.update) {
      const before = flattenParameters(this.#snapshot.actions.get(id)?.parameters);
      const after = flattenParameters(spec.parameters);
      for (const path of new Set([...Object.keys(before), ...Object.keys(after)])) {
        if (JSON.stringify(before[path]) === JSON.stringify(after[path])) continue;
        changes.push({
          field: field(spec.templateKey, path),
          ...(before[path] ? { before: show(before[path]) } : {}),
          ...(after[path] ? { after: show(after[path]) } : {}),
        });
      }
    }
    for (const { id, spec } of [...work.keep, ...work.update]) {
      if (!enforced.has(id)) {
        changes.push({ field: field(spec.templateKey, "enforced"), before: false, after: true });
      }
    }
    if (work.duplicates.length > 0) {
      changes.push({
        field: `${work.apiLabel}duplicate actions`,
        before: work.duplicates.length,
        after: 0,
      });
    }
    if (work.application) changes.push(...appChanges(work.application, work.apiLabel));
    return changes;
  }

  async #applyApiWorks(
    policy: DesiredPolicy,
    works: readonly ApiWork[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const { client } = this.#context;
    for (const work of works) {
      const marker: OwnershipMarker = {
        kind: "policy",
        id: policy.id,
        attributes: { api: work.apiId },
      };
      const name = ownedName(policy.name);
      if (work.application) await applyAppWork(client, work.application, signal);
      const attach = await writeActions(client, work, name, marker, signal);
      const outcome = await editApiPolicy({ ...this.#context, signal }, work.apiId, {
        attach: attach.map(({ id, spec }) => ({ stageKey: spec.stageKey, actionId: id })),
        detach: new Set(work.duplicates),
      });
      if (outcome === "api-gone") {
        throw new Error(
          `API ${work.apiId} was deleted from the gateway after planning; the next sync plans again`,
        );
      }
      await removeEvery(
        work.duplicates,
        `duplicate policy actions of ${name}`,
        (id) => deleteAction(client, id, signal),
        signal,
      );
    }
  }

  #globalItem(policy: DesiredPolicy, mapping: PolicyMapping): PlannedItem {
    if (mapping.gatewayWideError) return failed(policy, GLOBAL, mapping.gatewayWideError);
    const globals = this.#snapshot.ownedGlobals.get(policy.id) ?? [];
    const primary = globals[0]?.policy;
    const duplicates = globals.slice(1).map((owned) => owned.policy);
    const inPrimary = new Set(primary ? enforcedIds(primary) : []);
    const current = (this.#snapshot.ownedActions.get(policy.id) ?? [])
      .filter((owned) => owned.marker.attributes.scope === GLOBAL)
      .map((owned) => owned.action);
    const matched = matchActions(mapping.actions, current);
    const work: ApiWork = { apiId: GLOBAL, apiLabel: "", ...matched };
    const changes: FieldChange[] = [];
    if (!primary) changes.push({ field: "global policy", after: ownedName(policy.name) });
    changes.push(...this.#workChanges(work, inPrimary));
    if (primary && primary.active !== true) {
      changes.push({ field: "active", before: false, after: true });
    }
    if (duplicates.length > 0) {
      changes.push({ field: "duplicate global policies", before: duplicates.length, after: 0 });
    }
    if (changes.length === 0) {
      return { item: item(policy.id, policy.name, "unchanged", GLOBAL, []) };
    }
    return {
      item: item(policy.id, policy.name, primary ? "update" : "create", GLOBAL, changes),
      operation: (signal) =>
        this.#applyGlobal(policy, { primary, duplicates, work, inPrimary }, signal),
    };
  }

  async #applyGlobal(
    policy: DesiredPolicy,
    state: {
      readonly primary?: Policy;
      readonly duplicates: readonly Policy[];
      readonly work: ApiWork;
      readonly inPrimary: ReadonlySet<string>;
    },
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const { client } = this.#context;
    const marker: OwnershipMarker = {
      kind: "policy",
      id: policy.id,
      attributes: { scope: GLOBAL },
    };
    const name = ownedName(policy.name);
    await removeEvery(
      state.duplicates,
      `duplicate global policies of ${name}`,
      (duplicate) => removeGlobalPolicy(client, duplicate, signal),
      signal,
    );
    const { work } = state;
    const enforcementChanges = work.create.length > 0 || work.duplicates.length > 0 ||
      [...work.keep, ...work.update].some(({ id }) => !state.inPrimary.has(id));
    const edits = enforcementChanges || work.update.length > 0;
    let target = state.primary;
    if (target?.active === true && edits) {
      // webMethods edits an active global policy only once it is deactivated.
      target = await setGlobalActive(client, target.id, false, signal);
    }
    const attach = await writeActions(client, work, name, marker, signal);
    const policyEnforcements = stagesFor(attach.map(({ id, spec }) => ({
      stageKey: spec.stageKey,
      actionId: id,
    })));
    const globalMarker: OwnershipMarker = { kind: "policy", id: policy.id, attributes: {} };
    const body = {
      names: [{ value: name, locale: "English" }],
      descriptions: [{ value: ownedDescription(globalMarker), locale: "English" }],
      scope: { applicableAPITypes: ALL_API_TYPES, logicalConnector: "AND", scopeConditions: [] },
      policyEnforcements,
      policyScope: "GLOBAL",
      global: true,
      systemPolicy: false,
    };
    if (!target) {
      const created = await client.call("POST", "policies", {
        body: { policy: { ...body, active: false } },
        signal,
        expected: [200, 201],
      });
      target = readPolicies(created)?.[0];
      if (!target) {
        throw new Error(
          "webMethods created the global policy but its answer has no id; the next sync finds it",
        );
      }
    } else if (enforcementChanges) {
      target = readPolicies(
        await client.call("PUT", `policies/${segment(target.id)}`, {
          body: { policy: { ...target, ...body, active: target.active ?? false } },
          signal,
        }),
      )?.[0] ?? target;
    }
    await removeEvery(
      work.duplicates,
      `duplicate policy actions of ${name}`,
      (id) => deleteAction(client, id, signal),
      signal,
    );
    if (target.active !== true) await setGlobalActive(client, target.id, true, signal);
  }

  /** The removal item of one policy on one target (unchanged when nothing is there). */
  #removal(
    policyId: string,
    name: string,
    label: string,
    targets: OwnedTargets | undefined,
  ): PlannedItem {
    if (!targets || isEmpty(targets)) {
      return { item: item(policyId, name, "unchanged", label, []) };
    }
    const changes: FieldChange[] = [];
    for (const owned of targets.actions) {
      for (const [path, before] of Object.entries(flattenParameters(owned.action.parameters))) {
        changes.push({ field: `${owned.action.templateKey}.${path}`, before: show(before) });
      }
    }
    for (const global of targets.globals) {
      changes.push({ field: "global policy", before: firstValue(global.policy.names) });
    }
    for (const app of targets.apps) changes.push({ field: "application", before: app.app.name });
    return {
      item: item(policyId, name, "delete", label, changes),
      operation: (signal) => this.#applyRemoval(targets, signal),
    };
  }

  async #applyRemoval(targets: OwnedTargets, signal: AbortSignal | undefined): Promise<void> {
    const { client } = this.#context;
    for (const global of targets.globals) await removeGlobalPolicy(client, global.policy, signal);
    const byApi = groupBy(
      targets.actions.filter((owned) => owned.marker.attributes.api),
      (owned) => owned.marker.attributes.api!,
    );
    for (const [apiId, owned] of byApi) {
      await editApiPolicy({ ...this.#context, signal }, apiId, {
        attach: [],
        detach: new Set(owned.map(({ action }) => action.id)),
      });
    }
    // Deleting a global policy deleted its actions; only orphans are left to delete.
    const gone = new Set(targets.globals.flatMap((global) => enforcedIds(global.policy)));
    await removeEvery(
      targets.actions.filter((owned) => !gone.has(owned.action.id)),
      "policy actions",
      (owned) => deleteAction(client, owned.action.id, signal),
      signal,
    );
    await removeEvery(
      targets.apps,
      "applications",
      (app) => deleteApplication(client, app.app.id, signal),
      signal,
    );
  }

  /** Owned objects of a policy, grouped by item label (`global`, `api <name>`). */
  #ownedTargets(policyId: string): Map<string, OwnedTargets> {
    const targets = new Map<string, OwnedTargets>();
    const slot = (label: string) => {
      let entry = targets.get(label);
      if (!entry) targets.set(label, entry = { actions: [], globals: [], apps: [] });
      return entry;
    };
    for (const owned of this.#snapshot.ownedActions.get(policyId) ?? []) {
      const apiId = owned.marker.attributes.api;
      slot(apiId ? this.#labelOfApi(apiId) : GLOBAL).actions.push(owned);
    }
    for (const global of this.#snapshot.ownedGlobals.get(policyId) ?? []) {
      slot(GLOBAL).globals.push(global);
    }
    for (const app of this.#snapshot.ownedApps.get(policyId) ?? []) {
      const apiId = app.marker.attributes.api;
      slot(apiId ? this.#labelOfApi(apiId) : GLOBAL).apps.push(app);
    }
    return targets;
  }

  #labelOfApi(apiId: string): string {
    return apiLabel(this.#apiById.get(apiId)?.apiName ?? apiId);
  }

  /** A policy's name from its owned objects (`stoa-<name>`), for items of undesired policies. */
  #ownedPolicyName(policyId: string): string {
    const names = [
      ...(this.#snapshot.ownedActions.get(policyId) ?? []).map((o) => firstValue(o.action.names)),
      ...(this.#snapshot.ownedGlobals.get(policyId) ?? []).map((o) => firstValue(o.policy.names)),
    ];
    const found = names.find((name) => name !== "");
    return found ? found.replace(/^stoa-/, "") : policyId;
  }
}

interface OwnedTargets {
  readonly actions: OwnedAction[];
  readonly globals: OwnedGlobal[];
  readonly apps: OwnedApplication[];
}

/** Updates and creates the actions of a work; returns every action to enforce, with its spec. */
async function writeActions(
  client: WebMethodsClient,
  work: ApiWork,
  name: string,
  marker: OwnershipMarker,
  signal: AbortSignal | undefined,
): Promise<{ id: string; spec: ActionSpec }[]> {
  const attach = [...work.keep];
  for (const { id, spec } of work.update) {
    await updateAction(client, id, actionBody(spec, name, marker), signal);
    attach.push({ id, spec });
  }
  for (const spec of work.create) {
    const created = await createAction(client, actionBody(spec, name, marker), signal);
    attach.push({ id: created.id, spec });
  }
  return attach;
}

/** `[make(marker)]` for a policy action or policy the agent owns for a STOA policy, else `[]`. */
function withPolicyMarker<T>(
  named: Pick<PolicyAction, "names" | "descriptions">,
  make: (marker: OwnershipMarker) => T,
): T[] {
  const marker = ownedMarker(firstValue(named.names), firstValue(named.descriptions), "policy");
  return marker ? [make(marker)] : [];
}

function isEmpty(targets: OwnedTargets): boolean {
  return targets.actions.length === 0 && targets.globals.length === 0 && targets.apps.length === 0;
}

/**
 * Pairs desired actions with current ones: exact matches are kept, then each remaining desired
 * action updates a current action of the same template, else is created; current actions left
 * over are duplicates.
 */
function matchActions(
  desired: readonly ActionSpec[],
  current: readonly PolicyAction[],
): Pick<ApiWork, "keep" | "update" | "create" | "duplicates"> {
  const remaining = [...current].sort((a, b) => a.id.localeCompare(b.id));
  const keep: { id: string; spec: ActionSpec }[] = [];
  const pending: ActionSpec[] = [];
  for (const spec of desired) {
    const index = remaining.findIndex((action) =>
      action.templateKey === spec.templateKey && sameParameters(action.parameters, spec.parameters)
    );
    if (index === -1) pending.push(spec);
    else keep.push({ id: remaining.splice(index, 1)[0].id, spec });
  }
  const update: { id: string; spec: ActionSpec }[] = [];
  const create: ActionSpec[] = [];
  for (const spec of pending) {
    const index = remaining.findIndex((action) => action.templateKey === spec.templateKey);
    if (index === -1) create.push(spec);
    else update.push({ id: remaining.splice(index, 1)[0].id, spec });
  }
  return { keep, update, create, duplicates: remaining.map((action) => action.id) };
}

function appChanges(work: AppWork, prefix: string): FieldChange[] {
  const changes: FieldChange[] = [];
  if (!work.primary) {
    changes.push({ field: `${prefix}application`, after: work.identity.name });
    changes.push(
      ...identifierChanges(undefined, work.identity.identifiers, `${prefix}application`),
    );
    changes.push({ field: `${prefix}application.apis`, after: [...work.identity.apiIds] });
  } else {
    const { app, apiIds } = work.primary;
    if (!sameIdentifiers(app.identifiers ?? [], work.identity.identifiers)) {
      changes.push(
        ...identifierChanges(
          app.identifiers ?? [],
          work.identity.identifiers,
          `${prefix}application`,
        ),
      );
    }
    if (JSON.stringify([...apiIds].sort()) !== JSON.stringify([...work.identity.apiIds].sort())) {
      changes.push({
        field: `${prefix}application.apis`,
        before: [...apiIds],
        after: [...work.identity.apiIds],
      });
    }
  }
  if (work.duplicates.length > 0) {
    changes.push({
      field: `${prefix}duplicate applications`,
      before: work.duplicates.length,
      after: 0,
    });
  }
  return changes;
}

async function applyAppWork(
  client: WebMethodsClient,
  work: AppWork,
  signal: AbortSignal | undefined,
): Promise<void> {
  await upsertApplication(client, work.identity, work.primary, signal);
  await removeEvery(
    work.duplicates,
    `duplicate applications ${work.identity.name}`,
    (duplicate) => deleteApplication(client, duplicate.app.id, signal),
    signal,
  );
}

/** Deactivates (when active) and deletes a global policy; webMethods deletes its actions too. */
async function removeGlobalPolicy(
  client: WebMethodsClient,
  policy: Policy,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (policy.active === true) await setGlobalActive(client, policy.id, false, signal);
  await client.call("DELETE", `policies/${segment(policy.id)}`, {
    signal,
    expected: [200, 204, 404],
  });
}

/** Activates or deactivates a global policy; "already in that state" counts as done. */
async function setGlobalActive(
  client: WebMethodsClient,
  id: string,
  active: boolean,
  signal: AbortSignal | undefined,
): Promise<Policy> {
  const path = `policies/${segment(id)}/${active ? "activate" : "deactivate"}`;
  const response = await client.send("PUT", path, { signal });
  if (response.status === 400) {
    // 400 also answers "already active/inactive": read the policy to tell.
    const [current] =
      readPolicies(await client.call("GET", `policies/${segment(id)}`, { signal })) ??
        [];
    if (current && (current.active === true) === active) return current;
  }
  if (response.status !== 200) throw client.statusError("PUT", path, response);
  const [policy] = readPolicies(response.body) ?? [];
  return policy ?? { id, active };
}

function stagesFor(
  attachments: readonly { readonly stageKey: string; readonly actionId: string }[],
): { stageKey: string; enforcements: { enforcementObjectId: string; order: string }[] }[] {
  const stages = new Map<string, { enforcementObjectId: string; order: string }[]>();
  for (const { stageKey, actionId } of attachments) {
    const list = stages.get(stageKey) ?? [];
    list.push({ enforcementObjectId: actionId, order: String(list.length) });
    stages.set(stageKey, list);
  }
  return [...stages].map(([stageKey, enforcements]) => ({ stageKey, enforcements }));
}

function failed(policy: DesiredPolicy, label: string, error: string): PlannedItem {
  return {
    item: {
      kind: "policy",
      id: policy.id,
      name: policy.name,
      action: "update",
      target: label,
      changes: [],
      error,
    },
  };
}

function item(
  id: string,
  name: string,
  action: PlanItem["action"],
  target: string,
  changes: FieldChange[],
): PlanItem {
  return { kind: "policy", id, name, action, target, changes };
}

/** Item labels of a policy's targets, each once: `global`, or `api <name>` per target. */
function targetLabels(policy: DesiredPolicy): string[] {
  return policy.targets.length === 0 ? [GLOBAL] : [...new Set(policy.targets.map(apiLabel))];
}

function apiLabel(name: string): string {
  return `api ${name}`;
}

function key(policyId: string, label: string): string {
  return `${policyId}\u0000${label}`;
}

/** A value list as shown in a plan: one value as itself, several as a list. */
function show(values: readonly string[]): string | string[] {
  return values.length === 1 ? values[0] : [...values];
}

function namesToIds(apis: readonly ApiSummary[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const api of apis) byName.set(api.apiName, [...(byName.get(api.apiName) ?? []), api.id]);
  return byName;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const entry of items) {
    const group = groups.get(keyOf(entry));
    if (group) group.push(entry);
    else groups.set(keyOf(entry), [entry]);
  }
  return groups;
}
