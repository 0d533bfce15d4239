/**
 * An in-memory gateway that honours the {@linkcode SyncAdapter} contract, for engine and agent
 * tests: planning reads only the objects the agent owns and never writes; applying writes exactly
 * the items it is given; unowned objects are never touched. Every write is counted and logged, and
 * knobs make items fail (by throwing or by a failed result), make planning fail (gateway down),
 * mark policy types as not expressible, and slow writes down to observe concurrency.
 *
 * @module
 */

import type {
  CallOptions,
  DiscoveredApi,
  GatewayInfo,
  SyncAdapter,
  SyncOptions,
} from "../../src/gateways/adapter.ts";
import type { DesiredCredential, DesiredPolicy, DesiredRoute } from "../../src/sync/desired.ts";
import type { FieldChange, ItemResult, Plan, PlanItem, SyncKind } from "../../src/sync/plan.ts";

/** One object on the fake gateway. */
export interface FakeObject {
  readonly kind: SyncKind;
  /** Control Plane id (the ownership tag) of owned objects; any name for unowned ones. */
  readonly id: string;
  readonly name: string;
  /** Where it lives (`global`, `api orders`, …). */
  readonly target: string;
  readonly fields: Readonly<Record<string, unknown>>;
  /** False for objects someone else created: never planned, never written. */
  readonly owned: boolean;
}

/** One write the adapter performed. */
export interface FakeWrite {
  readonly kind: SyncKind;
  readonly action: "create" | "update" | "delete";
  readonly id: string;
  readonly target: string;
}

/** How a scheduled item failure shows. */
export type FailureMode = "throw" | "result";

function keyOf(kind: SyncKind, id: string, target: string): string {
  return `${kind}\u0000${id}\u0000${target}`;
}

function diff(
  before: Readonly<Record<string, unknown>> | undefined,
  after: Readonly<Record<string, unknown>> | undefined,
): FieldChange[] {
  const fields = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const changes: FieldChange[] = [];
  for (const field of [...fields].sort()) {
    const b = before?.[field];
    const a = after?.[field];
    if (JSON.stringify(b) === JSON.stringify(a)) continue;
    changes.push({
      field,
      ...(b === undefined ? {} : { before: b }),
      ...(a === undefined ? {} : { after: a }),
    });
  }
  return changes;
}

interface Wanted {
  readonly id: string;
  readonly name: string;
  readonly target: string;
  /** `undefined`: the object must be absent. */
  readonly fields?: Readonly<Record<string, unknown>>;
  readonly generation?: number;
  readonly error?: string;
}

/** The fake gateway and its adapter. */
export class FakeSyncAdapter implements SyncAdapter {
  readonly type = "kong" as const;
  /** Writes performed, in order. */
  readonly writes: FakeWrite[] = [];
  /** Number of `apply` calls. */
  applyCalls = 0;
  /** Number of plan calls, by kind. */
  readonly planCalls: Record<SyncKind, number> = { policy: 0, route: 0, credential: 0 };
  /** Most writes in flight at once so far. */
  maxConcurrentWrites = 0;
  /** Delay of every write, to observe concurrency. */
  writeDelayMs = 0;
  /** When set, every plan call rejects with it (gateway unreachable). */
  planError: Error | undefined;
  /** Policy types this gateway cannot express (planned with an error). */
  readonly unsupportedTypes = new Set<string>();
  /** The desired lists the adapter was last asked to plan, by kind. */
  readonly lastDesired: Partial<Record<SyncKind, readonly unknown[]>> = {};
  readonly #objects = new Map<string, FakeObject>();
  readonly #failures = new Map<string, { message: string; mode: FailureMode }>();
  #active = 0;

  /** Every object on the gateway, owned or not. */
  objects(kind?: SyncKind): FakeObject[] {
    return [...this.#objects.values()].filter((o) => kind === undefined || o.kind === kind);
  }

  /** The owned object of an id (first target), if any. */
  owned(kind: SyncKind, id: string): FakeObject | undefined {
    return this.objects(kind).find((o) => o.owned && o.id === id);
  }

  /** Puts an object on the gateway directly (an earlier run's, or someone else's). */
  seed(object: Omit<FakeObject, "owned" | "target"> & { owned?: boolean; target?: string }): void {
    const full: FakeObject = { owned: true, target: "global", ...object };
    this.#objects.set(keyOf(full.kind, full.id, full.target), full);
  }

  /** Makes writes of item `id` fail with `message` until {@linkcode FakeSyncAdapter.heal}. */
  failItem(id: string, message: string, mode: FailureMode = "throw"): void {
    this.#failures.set(id, { message, mode });
  }

  /** Lets item `id` be written again. */
  heal(id: string): void {
    this.#failures.delete(id);
  }

  probe(_options?: CallOptions): Promise<GatewayInfo> {
    return Promise.resolve({ type: "kong", version: "3.9.1", edition: "community" });
  }

  discover(_options?: CallOptions): Promise<DiscoveredApi[]> {
    return Promise.resolve(
      this.objects("route").map((route) => ({
        name: route.name,
        version: "",
        backend_url: String(route.fields.backendUrl ?? ""),
        paths: [String(route.fields.pathPrefix ?? "/")],
        methods: [],
        policies: [],
        is_active: true,
      })),
    );
  }

  planPolicies(desired: readonly DesiredPolicy[], options?: SyncOptions): Promise<Plan> {
    this.lastDesired.policy = desired;
    const wanted = desired.flatMap((policy): Wanted[] => {
      const targets = policy.targets.length > 0
        ? policy.targets.map((name) => `api ${name}`)
        : ["global"];
      const error = policy.enabled && this.unsupportedTypes.has(policy.type)
        ? `${policy.type} cannot be expressed on this gateway`
        : undefined;
      return targets.map((target) => ({
        id: policy.id,
        name: policy.name,
        target,
        fields: policy.enabled
          ? { type: policy.type, config: policy.config, priority: policy.priority }
          : undefined,
        error,
      }));
    });
    return this.#plan("policy", wanted, options);
  }

  planRoutes(desired: readonly DesiredRoute[], options?: SyncOptions): Promise<Plan> {
    this.lastDesired.route = desired;
    return this.#plan(
      "route",
      desired.map((route) => ({
        id: route.id,
        name: route.name,
        target: "global",
        generation: route.generation,
        fields: {
          name: route.name,
          pathPrefix: route.pathPrefix,
          backendUrl: route.backendUrl,
          methods: route.methods,
          activated: route.activated,
          specHash: route.specHash,
        },
      })),
      options,
    );
  }

  planCredentials(desired: readonly DesiredCredential[], options?: SyncOptions): Promise<Plan> {
    this.lastDesired.credential = desired;
    const byConsumer = new Map<string, DesiredCredential[]>();
    for (const credential of desired) {
      byConsumer.set(credential.consumerId, [
        ...(byConsumer.get(credential.consumerId) ?? []),
        credential,
      ]);
    }
    return this.#plan(
      "credential",
      [...byConsumer].map(([id, credentials]) => ({
        id,
        name: id,
        target: "global",
        fields: {
          credentials: credentials
            .map((c) => ({ api: c.apiName, type: c.authType, key: c.key, secret: c.secret }))
            .sort((a, b) => JSON.stringify(a) < JSON.stringify(b) ? -1 : 1),
        },
      })),
      options,
    );
  }

  async apply(plan: Plan, options?: SyncOptions): Promise<ItemResult[]> {
    this.applyCalls++;
    const results: ItemResult[] = [];
    for (const item of plan.items) {
      options?.signal?.throwIfAborted();
      results.push(await this.#write(item));
    }
    return results;
  }

  #plan(kind: SyncKind, wanted: readonly Wanted[], options?: SyncOptions): Promise<Plan> {
    this.planCalls[kind]++;
    if (this.planError) return Promise.reject(this.planError);
    options?.signal?.throwIfAborted();
    const items: PlanItem[] = [];
    const covered = new Set<string>();
    for (const want of wanted) {
      const key = keyOf(kind, want.id, want.target);
      covered.add(key);
      const existing = this.#objects.get(key);
      const current = existing?.owned ? existing : undefined;
      const base = {
        kind,
        id: want.id,
        name: want.name,
        target: want.target,
        ...(want.generation === undefined ? {} : { generation: want.generation }),
      };
      if (want.error !== undefined) {
        items.push({
          ...base,
          action: current ? "update" : "create",
          changes: [],
          error: want.error,
        });
      } else if (want.fields === undefined) {
        items.push(
          current
            ? { ...base, action: "delete", changes: diff(current.fields, undefined) }
            : { ...base, action: "unchanged", changes: [] },
        );
      } else if (!current) {
        items.push({ ...base, action: "create", changes: diff(undefined, want.fields) });
      } else {
        const changes = diff(current.fields, want.fields);
        items.push({ ...base, action: changes.length ? "update" : "unchanged", changes });
      }
    }
    for (const [key, object] of this.#objects) {
      if (object.kind !== kind || !object.owned || covered.has(key)) continue;
      items.push({
        kind,
        id: object.id,
        name: object.name,
        target: object.target,
        action: "delete",
        changes: diff(object.fields, undefined),
      });
    }
    return Promise.resolve({ kind, items });
  }

  async #write(item: PlanItem): Promise<ItemResult> {
    const base = { kind: item.kind, id: item.id, name: item.name, action: item.action };
    if (item.action === "unchanged" || item.error !== undefined) {
      throw new Error(`the engine sent a ${item.action} item to apply: ${item.id}`);
    }
    this.#active++;
    this.maxConcurrentWrites = Math.max(this.maxConcurrentWrites, this.#active);
    try {
      if (this.writeDelayMs > 0) await new Promise((r) => setTimeout(r, this.writeDelayMs));
      const failure = this.#failures.get(item.id);
      if (failure?.mode === "throw") throw new Error(failure.message);
      if (failure) return { ...base, status: "failed", error: failure.message };
      const target = item.target ?? "global";
      const key = keyOf(item.kind, item.id, target);
      this.writes.push({ kind: item.kind, action: item.action, id: item.id, target });
      if (item.action === "delete") {
        this.#objects.delete(key);
        return { ...base, status: "removed" };
      }
      const fields: Record<string, unknown> = {};
      for (const change of item.changes) {
        if (change.after !== undefined) fields[change.field] = change.after;
      }
      const previous = this.#objects.get(key)?.fields ?? {};
      const merged = { ...previous, ...fields };
      for (const change of item.changes) {
        if (change.after === undefined) delete merged[change.field];
      }
      this.#objects.set(key, {
        kind: item.kind,
        id: item.id,
        name: item.name,
        target,
        fields: merged,
        owned: true,
      });
      return { ...base, status: "applied" };
    } finally {
      this.#active--;
    }
  }
}

/** An adapter that only discovers: the agent must skip sync with it. */
export function discoveryOnlyAdapter(): {
  type: "kong";
  probe(): Promise<GatewayInfo>;
  discover(): Promise<DiscoveredApi[]>;
} {
  return {
    type: "kong",
    probe: () => Promise.resolve({ type: "kong", version: "3.9.1" }),
    discover: () => Promise.resolve([]),
  };
}
