/**
 * The policy table and the `/config` selection rule (contract §6, §7): a tenant gateway gets its
 * tenant's policies plus platform-wide ones, a tenant-less gateway (the normal stoa-connect case)
 * gets every policy of every tenant; disabled policies are included; order is priority, then name.
 *
 * @module
 */

import type { JsonObject } from "./python_format.ts";
import type { PolicyRecord, PolicyType } from "./records.ts";

/** A policy to store. */
export interface PolicyOptions {
  /** Row id (default: a fresh UUID). */
  readonly id?: string;
  /** Name, unique per tenant. */
  readonly name: string;
  /** One of the CP's seven types. */
  readonly policyType: PolicyType;
  /** Free-form config, never validated by the CP (default `{}`). */
  readonly config?: JsonObject;
  /** Lower runs first (default 100). */
  readonly priority?: number;
  /** `false` asks the agent to make sure the policy is absent (default `true`). */
  readonly enabled?: boolean;
  /** Owning tenant; `null` is platform-wide (default `null`). */
  readonly tenantId?: string | null;
}

/** Fields a test may change on an existing policy. */
export type PolicyChanges = Partial<Omit<PolicyOptions, "id">>;

/** Policy rows. */
export class PolicyBook {
  readonly #rows = new Map<string, PolicyRecord>();

  /** Every policy, in creation order. */
  all(): PolicyRecord[] {
    return [...this.#rows.values()];
  }

  /** Stores a policy; a duplicate name within a tenant is refused like the DB's unique index. */
  add(options: PolicyOptions, now: Date): PolicyRecord {
    const row: PolicyRecord = {
      id: options.id ?? crypto.randomUUID(),
      name: options.name,
      policy_type: options.policyType,
      config: structuredClone(options.config ?? {}),
      priority: options.priority ?? 100,
      enabled: options.enabled ?? true,
      tenant_id: options.tenantId ?? null,
      created_at: now,
    };
    this.#assertUnique(row);
    this.#rows.set(row.id, row);
    return row;
  }

  /** Changes an existing policy. */
  update(id: string, changes: PolicyChanges): PolicyRecord {
    const row = this.#rows.get(id);
    if (!row) throw new Error(`no policy ${id}`);
    const next: PolicyRecord = {
      ...row,
      name: changes.name ?? row.name,
      policy_type: changes.policyType ?? row.policy_type,
      config: changes.config ? structuredClone(changes.config) : row.config,
      priority: changes.priority ?? row.priority,
      enabled: changes.enabled ?? row.enabled,
      tenant_id: changes.tenantId === undefined ? row.tenant_id : changes.tenantId,
    };
    this.#assertUnique(next);
    this.#rows.set(id, next);
    return next;
  }

  /** Deletes a policy; returns whether it existed. */
  remove(id: string): boolean {
    return this.#rows.delete(id);
  }

  /** The policies `/config` serves to a gateway of this tenant. */
  selectFor(gatewayTenantId: string | null): PolicyRecord[] {
    return this.all()
      .filter((row) =>
        !gatewayTenantId || row.tenant_id === gatewayTenantId || row.tenant_id === null
      )
      .sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  #assertUnique(candidate: PolicyRecord): void {
    for (const row of this.#rows.values()) {
      if (
        row.id !== candidate.id && row.name === candidate.name &&
        row.tenant_id === candidate.tenant_id
      ) {
        throw new Error(`policy name ${candidate.name} already exists for this tenant`);
      }
    }
  }
}

/** A policy as `/config` serves it in `pending_policies`. */
export function policyWire(row: PolicyRecord): JsonObject {
  return {
    id: row.id,
    name: row.name,
    policy_type: row.policy_type,
    config: structuredClone(row.config),
    priority: row.priority,
    enabled: row.enabled,
  };
}
