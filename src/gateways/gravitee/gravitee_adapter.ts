/**
 * The Gravitee adapter: detection, probe, discovery and sync (policies, deployed routes,
 * credentials) over the Management API of APIM 4.x, same contract as every adapter.
 *
 * @example
 * ```ts
 * const gravitee = createGraviteeAdapter({ adminUrl: "http://localhost:8083", user: "admin", password: "admin" });
 * await gravitee.probe();                       // { type: "gravitee", version: "unknown", edition: "oss" }
 * const apis = await gravitee.discover();       // every API, every page
 * const plan = await gravitee.planPolicies(desired, { discovered: apis });
 * const results = await gravitee.apply(plan);   // one result per item
 * ```
 *
 * @module
 */

import { DEFAULT_CONCURRENCY } from "../concurrency.ts";
import type {
  CallOptions,
  DiscoveredApi,
  GatewayInfo,
  SyncAdapter,
  SyncOptions,
} from "../adapter.ts";
import type { DesiredCredential, DesiredPolicy, DesiredRoute } from "../../sync/desired.ts";
import type { ItemResult, Plan, PlanItem, SyncKind } from "../../sync/plan.ts";
import { GraviteeClient, type GraviteeConnectionOptions } from "./gravitee_client.ts";
import { detectWith, probeWith } from "./gravitee_detection.ts";
import { discoverApis } from "./gravitee_discovery.ts";
import { applyPolicySync, planPolicySync, type PolicyOperation } from "./gravitee_policy_sync.ts";
import { applyRouteSync, planRouteSync, type RouteOperation } from "./gravitee_routes.ts";
import { KeyedLock } from "../keyed_lock.ts";
import {
  applyCredentialSync,
  type CredentialOperation,
  planCredentialSync,
} from "./gravitee_credentials.ts";

/** Options of {@linkcode createGraviteeAdapter} and {@linkcode detectGravitee}. */
export type GraviteeAdapterOptions = GraviteeConnectionOptions;

/** A connection to one Gravitee Management API. */
export interface GraviteeAdapter extends SyncAdapter {
  /** Always `"gravitee"`. */
  readonly type: "gravitee";
  /** Organisation in use. */
  readonly organization: string;
  /** Environment in use. */
  readonly environment: string;
  /** Number of Management API calls made so far (diagnostics, benchmarks). */
  readonly calls: number;
}

type Operation = PolicyOperation | RouteOperation | CredentialOperation;

/** Default number of writes in flight. */

/** Creates the adapter; no call is made until the first method call. */
export function createGraviteeAdapter(options: GraviteeAdapterOptions): GraviteeAdapter {
  const client = new GraviteeClient(options);
  // Policy and route writes read, change and save whole APIs: one writer per API at a time, even
  // when the engine applies items (or kinds) side by side.
  const locks = new KeyedLock();
  const credentialWriters = { locks, created: new Map<string, string>() };
  // What each planned item does on Gravitee. Items are looked up by identity first; a plan that
  // was copied (same items, new objects) is matched by kind, id, name, action and target.
  const byItem = new WeakMap<PlanItem, Operation>();
  const byKey = new Map<SyncKind, Map<string, Operation>>();
  const remember = <T extends Operation>(kind: SyncKind, operations: Map<PlanItem, T>) => {
    const keyed = new Map<string, Operation>();
    for (const [item, operation] of operations) {
      byItem.set(item, operation);
      keyed.set(itemKey(item), operation);
    }
    byKey.set(kind, keyed);
  };
  const operationOf = (item: PlanItem) =>
    byItem.get(item) ?? byKey.get(item.kind)?.get(itemKey(item));

  return {
    type: "gravitee",
    organization: client.context.organization,
    environment: client.context.environment,
    get calls(): number {
      return client.calls;
    },
    probe(callOptions: CallOptions = {}): Promise<GatewayInfo> {
      return probeWith(client, callOptions);
    },
    discover(callOptions: CallOptions = {}): Promise<DiscoveredApi[]> {
      return discoverApis(client, callOptions);
    },
    async planPolicies(
      desired: readonly DesiredPolicy[],
      syncOptions?: SyncOptions,
    ): Promise<Plan> {
      const planned = await planPolicySync(client, desired, syncOptions);
      remember("policy", planned.operations);
      return planned.plan;
    },
    async planRoutes(desired: readonly DesiredRoute[], syncOptions?: SyncOptions): Promise<Plan> {
      const planned = await planRouteSync(client, desired, syncOptions);
      remember("route", planned.operations);
      return planned.plan;
    },
    async planCredentials(
      desired: readonly DesiredCredential[],
      syncOptions?: SyncOptions,
    ): Promise<Plan> {
      const planned = await planCredentialSync(client, desired, syncOptions);
      credentialWriters.created.clear();
      remember("credential", planned.operations);
      return planned.plan;
    },
    async apply(plan: Plan, syncOptions: SyncOptions = {}): Promise<ItemResult[]> {
      const settled = new Map<PlanItem, ItemResult>();
      const work: { item: PlanItem; operation: Operation }[] = [];
      for (const item of plan.items) {
        const base = { kind: item.kind, id: item.id, name: item.name, action: item.action };
        const generation = item.generation !== undefined ? { generation: item.generation } : {};
        if (item.error !== undefined) {
          settled.set(item, { ...base, ...generation, status: "failed", error: item.error });
        } else if (item.action === "unchanged") {
          settled.set(item, { ...base, ...generation, status: "unchanged" });
        } else {
          const operation = operationOf(item);
          if (operation) work.push({ item, operation });
          else {
            settled.set(item, {
              ...base,
              ...generation,
              status: "failed",
              error:
                "this plan item was not planned by this Gravitee adapter (or the agent restarted since): plan again",
            });
          }
        }
      }
      const options = {
        ...syncOptions,
        concurrency: syncOptions.concurrency ?? DEFAULT_CONCURRENCY,
      };
      const errors = plan.kind === "policy"
        ? await applyPolicySync(
          client,
          work as { item: PlanItem; operation: PolicyOperation }[],
          locks,
          options,
        )
        : plan.kind === "route"
        ? await applyRouteSync(
          client,
          work as { item: PlanItem; operation: RouteOperation }[],
          locks,
          options,
        )
        : await applyCredentialSync(
          client,
          work as { item: PlanItem; operation: CredentialOperation }[],
          credentialWriters,
          options,
        );
      for (const { item } of work) {
        const error = errors.get(item);
        const base = { kind: item.kind, id: item.id, name: item.name, action: item.action };
        const generation = item.generation !== undefined ? { generation: item.generation } : {};
        settled.set(
          item,
          error !== undefined
            ? { ...base, ...generation, status: "failed", error }
            : { ...base, ...generation, status: item.action === "delete" ? "removed" : "applied" },
        );
      }
      return plan.items.map((item) => settled.get(item)!);
    },
  };
}

/**
 * Tells whether `adminUrl` is a Gravitee Management API v2: its {@linkcode GatewayInfo}, or
 * `null` when something else answers. Throws when nothing answers, and when Gravitee itself
 * refuses the credentials (detection cannot go on, the credentials must change).
 */
export function detectGravitee(
  options: GraviteeAdapterOptions & CallOptions,
): Promise<GatewayInfo | null> {
  return detectWith(new GraviteeClient(options), { signal: options.signal });
}

function itemKey(item: PlanItem): string {
  return JSON.stringify([item.kind, item.id, item.name, item.action, item.target ?? ""]);
}
