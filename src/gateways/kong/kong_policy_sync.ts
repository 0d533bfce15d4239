/**
 * Planning policies on Kong. A policy becomes one Kong plugin per (mapped plugin, scope): global
 * when it names no APIs, else one per named service. Owned plugins are found by their tags
 * (`stoa-policy:<id>`), compared field by field with the mapping, and upserted by id; owned
 * plugins no policy wants any more are deleted. Kong allows one plugin of a name per scope, so
 * when two enabled policies map to the same plugin on the same scope, the one with the lower
 * priority number keeps it and the other fails, naming the winner.
 *
 * @module
 */

import type { DiscoveredApi } from "../adapter.ts";
import type { DesiredPolicy } from "../../sync/desired.ts";
import type { FieldChange } from "../../sync/plan.ts";
import { diffManagedFields } from "../field_diff.ts";
import { sameFields, withoutNulls } from "./kong_diff.ts";
import { deleteOp, type EntityOp } from "./kong_operations.ts";
import { mergeTags, ownedTags, ownerId, stableId } from "./kong_ownership.ts";
import { type KongPluginSpec, MANAGED_FIELDS, mapPolicy } from "./kong_policies.ts";
import { type PlannedItem, plannedItem } from "./kong_plan_item.ts";
import type { KongStateReader } from "./kong_state.ts";
import { type KongPlugin, KongPluginSchema } from "./kong_types.ts";

/** Where a plugin runs. */
interface Scope {
  /** `global`, or `service:<id>`. */
  readonly key: string;
  /** `global`, or `service orders-api`. */
  readonly label: string;
  /** Service id for service scopes. */
  readonly serviceId?: string;
}

/** A plugin the policy wants. */
interface Instance {
  readonly spec: KongPluginSpec;
  readonly scope: Scope;
}

/** Options of {@linkcode planPolicyItems}. */
export interface PolicyPlanOptions {
  /** Reads Kong. */
  readonly reader: KongStateReader;
  /** APIs found by the last discovery (`undefined`: targets are resolved on Kong only). */
  readonly discovered?: readonly DiscoveredApi[];
  /** Enterprise workspace, part of generated ids. */
  readonly workspace?: string;
}

const GLOBAL: Scope = { key: "global", label: "global" };
/** Discovered API names quoted in an unknown-target error. */
const NAMES_SHOWN = 5;

/**
 * Plans every desired policy, one item per (policy, scope) so that a refusal on one service does
 * not hide the others, then deletes for owned plugins of policies no longer desired.
 */
export async function planPolicyItems(
  desired: readonly DesiredPolicy[],
  options: PolicyPlanOptions,
): Promise<PlannedItem[]> {
  const { reader } = options;
  const owned = new Map<string, Map<string, Existing[]>>();
  for (const plugin of await reader.owned("plugins", KongPluginSchema)) {
    const policyId = ownerId(plugin.tags, "policy");
    if (policyId === undefined) continue;
    const scope = await scopeOf(plugin, reader);
    const byScope = owned.get(policyId) ?? new Map<string, Existing[]>();
    byScope.set(scope.key, [...(byScope.get(scope.key) ?? []), { plugin, scope }]);
    owned.set(policyId, byScope);
  }
  const wanted = await resolveInstances(desired, options);
  const planned: PlannedItem[] = [];
  for (const policy of desired) {
    const existing = owned.get(policy.id) ?? new Map<string, Existing[]>();
    owned.delete(policy.id);
    const result = wanted.get(policy)!;
    if ("error" in result) {
      // Nothing is written for a policy that cannot be applied; what Kong has stays.
      const scopes = [...existing.values()].flat().map((found) => found.scope);
      planned.push(plannedItem({
        kind: "policy",
        id: policy.id,
        name: policy.name,
        target: targetLabel(scopes),
        exists: scopes.length > 0,
        wanted: true,
        ops: [],
        changes: [],
        error: result.error,
      }));
      continue;
    }
    const scopes = new Map<string, Scope>();
    for (const instance of result.instances) scopes.set(instance.scope.key, instance.scope);
    for (const [key, found] of existing) if (!scopes.has(key)) scopes.set(key, found[0].scope);
    if (scopes.size === 0) scopes.set(GLOBAL.key, GLOBAL);
    for (const scope of scopes.values()) {
      planned.push(scopeItem({
        id: policy.id,
        name: policy.name,
        scope,
        existing: existing.get(scope.key) ?? [],
        instances: result.instances.filter((instance) => instance.scope.key === scope.key),
        workspace: options.workspace,
      }));
    }
  }
  for (const [policyId, byScope] of owned) {
    for (const found of byScope.values()) {
      planned.push(scopeItem({
        id: policyId,
        name: [...new Set(found.map(({ plugin }) => plugin.name))].join(", "),
        scope: found[0].scope,
        existing: found,
        instances: [],
        workspace: options.workspace,
      }));
    }
  }
  return planned;
}

/** An owned plugin and where it runs. */
interface Existing {
  readonly plugin: KongPlugin;
  readonly scope: Scope;
}

type Resolution = { readonly instances: readonly Instance[] } | { readonly error: string };

/**
 * The plugins each policy wants, or its error. Policies are taken by priority (then name, then
 * id) so that the winner of a (plugin, scope) clash is the same on every run.
 */
async function resolveInstances(
  desired: readonly DesiredPolicy[],
  options: PolicyPlanOptions,
): Promise<Map<DesiredPolicy, Resolution>> {
  const resolved = new Map<DesiredPolicy, Resolution>();
  const claimed = new Map<string, DesiredPolicy>();
  const ordered = [...desired].sort((a, b) =>
    a.priority - b.priority || a.name.localeCompare(b.name) || a.id.localeCompare(b.id)
  );
  for (const policy of ordered) {
    if (!policy.enabled) {
      resolved.set(policy, { instances: [] });
      continue;
    }
    const mapping = mapPolicy(policy);
    if ("error" in mapping) {
      resolved.set(policy, mapping);
      continue;
    }
    const scopes = await resolveScopes(policy.targets, options);
    if ("error" in scopes) {
      resolved.set(policy, scopes);
      continue;
    }
    const instances = mapping.plugins.flatMap((spec) =>
      scopes.scopes.map((scope) => ({ spec, scope }))
    );
    const clash = instances.map((instance) => ({
      instance,
      holder: claimed.get(instanceKey(instance.spec.name, instance.scope)),
    })).find(({ holder }) => holder !== undefined);
    if (clash) {
      const { instance, holder } = clash;
      resolved.set(policy, {
        error: `Kong allows one ${instance.spec.name} plugin per scope and policy '${
          holder!.name
        }' (priority ${
          holder!.priority
        }) already uses ${instance.scope.label}; this policy (priority ${policy.priority}) cannot be applied there: merge the two policies, or target different APIs`,
      });
      continue;
    }
    for (const instance of instances) {
      claimed.set(instanceKey(instance.spec.name, instance.scope), policy);
    }
    resolved.set(policy, { instances });
  }
  return resolved;
}

/** The scopes of a policy: global, or one per named API (which must have been discovered). */
async function resolveScopes(
  targets: readonly string[],
  options: PolicyPlanOptions,
): Promise<{ readonly scopes: readonly Scope[] } | { readonly error: string }> {
  if (targets.length === 0) return { scopes: [GLOBAL] };
  const names = [...new Set(targets)];
  const { discovered, reader } = options;
  const unknown = discovered
    ? names.filter((name) => !discovered.some((api) => api.name === name))
    : [];
  if (unknown.length > 0) {
    const known = (discovered ?? []).map((api) => api.name);
    return {
      error: `no API named ${
        unknown.map((name) => `'${name}'`).join(" or ")
      } was discovered on the gateway (discovered: ${
        known.length === 0 ? "none" : known.slice(0, NAMES_SHOWN).join(", ") +
          (known.length > NAMES_SHOWN ? `, … ${known.length} in all` : "")
      })`,
    };
  }
  const scopes: Scope[] = [];
  for (const name of names) {
    const service = await reader.service(name);
    if (!service) {
      return {
        error:
          `no API named '${name}' was discovered on the gateway: Kong has no service of that name (any more)`,
      };
    }
    scopes.push(serviceScope(service.id, service.name ?? service.id));
  }
  return { scopes };
}

function serviceScope(id: string, name: string): Scope {
  return { key: `service:${id}`, label: `service ${name}`, serviceId: id };
}

/** The scope of a plugin Kong has. */
async function scopeOf(plugin: KongPlugin, reader: KongStateReader): Promise<Scope> {
  if (plugin.service?.id) {
    const service = await reader.service(plugin.service.id);
    return serviceScope(plugin.service.id, service?.name ?? plugin.service.id);
  }
  if (plugin.route?.id) {
    return { key: `route:${plugin.route.id}`, label: `route ${plugin.route.id}` };
  }
  if (plugin.consumer?.id) {
    return { key: `consumer:${plugin.consumer.id}`, label: `consumer ${plugin.consumer.id}` };
  }
  return GLOBAL;
}

function instanceKey(pluginName: string, scope: Scope): string {
  return `${pluginName}|${scope.key}`;
}

/** The item of one policy on one scope: upserts for wanted plugins, deletes for the rest. */
function scopeItem(options: {
  readonly id: string;
  readonly name: string;
  readonly scope: Scope;
  readonly existing: readonly Existing[];
  readonly instances: readonly Instance[];
  readonly workspace?: string;
}): PlannedItem {
  const { id, scope, instances } = options;
  const remaining = [...options.existing];
  const several = new Set([
    ...remaining.map(({ plugin }) => plugin.name),
    ...instances.map((instance) => instance.spec.name),
  ]).size > 1;
  const prefix = (plugin: string) => several ? `${plugin} ` : "";
  const ops: EntityOp[] = [];
  const changes: FieldChange[] = [];
  for (const instance of instances) {
    const index = remaining.findIndex(({ plugin }) => plugin.name === instance.spec.name);
    const found = index >= 0 ? remaining.splice(index, 1)[0].plugin : undefined;
    const body = pluginBody(id, instance, found);
    const what = `${found ? "update" : "create"} plugin ${instance.spec.name} (${scope.label})`;
    const fields = `${prefix(instance.spec.name)}config.`;
    if (!found) {
      ops.push({
        kind: "upsert",
        collection: "plugins",
        id: stableId(options.workspace ?? "", "plugin", id, instance.spec.name, scope.key),
        body,
        what,
      });
      changes.push(...diffManagedFields(undefined, instance.spec.config, { prefix: fields }));
      continue;
    }
    const config = found.config ?? {};
    const disabled = found.enabled === false;
    if (!disabled && sameFields(config, instance.spec.config)) continue;
    ops.push({ kind: "upsert", collection: "plugins", id: found.id, body, what });
    if (disabled) {
      changes.push({ field: `${prefix(instance.spec.name)}enabled`, before: false, after: true });
    }
    changes.push(...diffManagedFields(config, instance.spec.config, { prefix: fields }));
  }
  for (const { plugin } of remaining) {
    ops.push(deleteOp("plugins", plugin.id, `delete plugin ${plugin.name} (${scope.label})`));
    const managed = MANAGED_FIELDS[plugin.name] ?? [];
    const config = Object.fromEntries(managed.map((field) => [field, plugin.config?.[field]]));
    changes.push(
      ...diffManagedFields(config, undefined, { prefix: `${prefix(plugin.name)}config.` }),
    );
  }
  return plannedItem({
    kind: "policy",
    id,
    name: options.name,
    target: scope.label,
    exists: options.existing.length > 0,
    wanted: instances.length > 0,
    ops,
    changes,
  });
}

/** The body of `PUT /plugins/{id}`: name, config (unset fields left out), scope, tags. */
function pluginBody(
  policyId: string,
  instance: Instance,
  existing: KongPlugin | undefined,
): Record<string, unknown> {
  return {
    name: instance.spec.name,
    config: withoutNulls(instance.spec.config),
    enabled: true,
    tags: mergeTags(ownedTags("policy", policyId), existing?.tags),
    ...(instance.scope.serviceId ? { service: { id: instance.scope.serviceId } } : {}),
  };
}

/** `global`, `service orders-api` or `services orders-api, users-api`. */
function targetLabel(scopes: readonly Scope[]): string | undefined {
  const labels = [...new Set(scopes.map((scope) => scope.label))];
  if (labels.length === 0) return undefined;
  if (labels.length === 1) return labels[0];
  if (labels.every((label) => label.startsWith("service "))) {
    return `services ${labels.map((label) => label.slice("service ".length)).join(", ")}`;
  }
  return labels.join(", ");
}
