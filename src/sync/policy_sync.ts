/**
 * Policy sync (contract §6–§8.4): the Control Plane's `pending_policies` → validated
 * {@linkcode DesiredPolicy} items → plan against the policies this agent owns → apply → one
 * `sync-ack` item per policy. An invalid policy, or one of a type the agent does not know, is acked
 * `failed` with a reason a person understands while the rest proceeds; a disabled policy is made
 * absent and acked `removed`.
 *
 * Targeting (DESIGN.md): a policy applies gateway-wide unless `config.apis` names APIs (as
 * discovered); that key is taken out of the config before the adapter maps it.
 *
 * @module
 */

import type { ControlPlaneClient } from "../control_plane/client.ts";
import { describeZodError, type Policy, PolicySchema } from "../control_plane/schemas.ts";
import type { DiscoveredApi } from "../gateways/adapter.ts";
import { rfc3339Seconds } from "../http/timestamps.ts";
import { log } from "../observability/logger.ts";
import { type DesiredPolicy, STOA_POLICY_TYPES, type StoaPolicyType } from "./desired.ts";
import { KindRunner, type RunOptions, type SyncAdapterSource } from "./kind_runner.ts";
import { MassDeleteGuard } from "./mass_delete_guard.ts";
import type { PendingAck, PolicyAckItem } from "./outbox.ts";
import type { ItemResult } from "./plan.ts";
import { type InvalidItem, reconcile } from "./reconcile.ts";
import type { KindOutcome } from "./sync_report.ts";

/** Key of the policy config that names target APIs. */
export const TARGETS_KEY = "apis";

/** What the Control Plane asked about one policy, for its ack. */
interface AskedPolicy {
  readonly id: string;
  readonly enabled: boolean;
  /** Set when the policy cannot be applied. */
  readonly invalid?: string;
}

/** The Control Plane's policy list, read item by item. */
export interface ReadPolicies {
  /** Valid policies (enabled or not). */
  readonly desired: DesiredPolicy[];
  /** Policies that cannot be applied, with the reason. */
  readonly invalid: InvalidItem[];
  /** Every policy with an id, in the Control Plane's order, for the acks. */
  readonly asked: AskedPolicy[];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Reads `config.apis`: a list of API names (one name is accepted as a list of one). */
function targetsOf(config: Readonly<Record<string, unknown>>): string[] | string {
  const raw = config[TARGETS_KEY];
  if (raw === undefined || raw === null) return [];
  if (typeof raw === "string" && raw.trim() !== "") return [raw.trim()];
  if (Array.isArray(raw) && raw.every((name) => typeof name === "string" && name.trim() !== "")) {
    return [...new Set(raw.map((name: string) => name.trim()))];
  }
  return `config.${TARGETS_KEY} must be a list of API names as discovered on the gateway, got ${
    JSON.stringify(raw)
  }`;
}

/**
 * Validates the raw `pending_policies` one by one. A disabled policy needs only an id: whatever
 * its type, the agent makes sure nothing it owns remains for it.
 */
export function readPolicies(raw: readonly unknown[]): ReadPolicies {
  const desired: DesiredPolicy[] = [];
  const invalid: InvalidItem[] = [];
  const asked: AskedPolicy[] = [];
  const seen = new Set<string>();
  for (const item of raw) {
    const record = item !== null && typeof item === "object" ? item as Record<string, unknown> : {};
    const id = text(record.id);
    if (id === undefined) {
      log("policy-sync").warn(
        "a policy from the Control Plane has no id and cannot be acknowledged; it is ignored: {item}",
        { item: JSON.stringify(item)?.slice(0, 200) },
      );
      continue;
    }
    if (seen.has(id)) {
      log("policy-sync").warn("the Control Plane sent policy {id} twice; the first one is used", {
        id,
      });
      continue;
    }
    seen.add(id);
    const name = text(record.name) ?? id;
    const parsed = PolicySchema.safeParse(item);
    if (record.enabled === false) {
      asked.push({ id, enabled: false });
      // Absence needs no valid type or config: whatever the agent owns for this id is removed.
      const type = parsed.data?.policy_type as StoaPolicyType | undefined;
      if (parsed.success && type && STOA_POLICY_TYPES.includes(type)) {
        desired.push(toDesired(parsed.data, type, []));
      }
      continue;
    }
    const reason = !parsed.success
      ? `invalid policy from the Control Plane: ${describeZodError(parsed.error)}`
      : problemOf(parsed.data.policy_type, parsed.data.config ?? {});
    if (reason !== undefined) {
      invalid.push({ id, name, error: reason });
      asked.push({ id, enabled: true, invalid: reason });
      continue;
    }
    const policy = parsed.data!;
    desired.push(
      toDesired(policy, policy.policy_type as StoaPolicyType, targetsOf(policy.config ?? {})),
    );
    asked.push({ id, enabled: true });
  }
  return { desired, invalid, asked };
}

/** Why an enabled policy cannot be applied, or `undefined` when it can. */
function problemOf(type: string, config: Readonly<Record<string, unknown>>): string | undefined {
  if (!STOA_POLICY_TYPES.includes(type as StoaPolicyType)) {
    return `unknown policy type "${type}": stoa-connect applies ${
      STOA_POLICY_TYPES.join(", ")
    }; the policy was not applied`;
  }
  const targets = targetsOf(config);
  return typeof targets === "string" ? targets : undefined;
}

function toDesired(
  policy: Policy,
  type: StoaPolicyType,
  targets: readonly string[] | string,
): DesiredPolicy {
  const { [TARGETS_KEY]: _targets, ...config } = policy.config ?? {};
  return {
    id: policy.id,
    name: policy.name,
    type,
    config,
    priority: policy.priority,
    enabled: policy.enabled,
    targets: typeof targets === "string" ? [] : targets,
  };
}

/**
 * The ack of one policy from the results of its plan items (a policy may land on several
 * targets): `failed` if any failed, `removed` for a disabled policy, else `applied`. A policy whose
 * removal is held gets no ack this cycle.
 */
export function policyAck(
  asked: AskedPolicy,
  results: readonly ItemResult[],
): PolicyAckItem | undefined {
  if (asked.invalid !== undefined) {
    return { policy_id: asked.id, status: "failed", error: asked.invalid };
  }
  const failed = results.find((result) => result.status === "failed");
  if (failed) {
    return { policy_id: asked.id, status: "failed", error: failed.error ?? "failed" };
  }
  if (results.some((result) => result.status === "held")) return undefined;
  if (!asked.enabled) return { policy_id: asked.id, status: "removed" };
  if (results.length === 0) {
    return {
      policy_id: asked.id,
      status: "failed",
      error: "the gateway adapter planned nothing for this policy (a stoa-connect bug)",
    };
  }
  return { policy_id: asked.id, status: "applied" };
}

/** Options of {@linkcode PolicySync}. */
export interface PolicySyncOptions {
  /** Control Plane client. */
  readonly client: Pick<ControlPlaneClient, "fetchConfig">;
  /** Where the adapter comes from. */
  readonly adapter: SyncAdapterSource;
  /** The current gateway id (`undefined` while unregistered). */
  readonly gatewayId: () => string | undefined;
  /** Queues acks and tries to deliver them; resolves once tried. */
  readonly acknowledge?: (acks: readonly PendingAck[]) => Promise<void>;
  /** APIs found by the last discovery (policy targets are API names). */
  readonly discovered?: () => readonly DiscoveredApi[];
  /** Most items written at once (default 8). */
  readonly concurrency?: number;
  /** Called after every real run. */
  readonly onOutcome?: (outcome: KindOutcome) => void;
}

/** Synchronises the Control Plane's policies onto the gateway. */
export class PolicySync {
  /** The guard against mass deletion of policies. */
  readonly guard: MassDeleteGuard = new MassDeleteGuard("policy");
  readonly #options: PolicySyncOptions;
  readonly #runner: KindRunner;

  /** A policy sync that has not run yet. */
  constructor(options: PolicySyncOptions) {
    this.#options = options;
    this.#runner = new KindRunner({
      kind: "policy",
      adapter: options.adapter,
      onOutcome: options.onOutcome,
    });
  }

  /** The outcome of the last real run. */
  get last(): KindOutcome | undefined {
    return this.#runner.last;
  }

  /** One cycle: fetch, plan, apply (unless dry run), acknowledge. */
  run(options: RunOptions = {}): Promise<KindOutcome> {
    const dryRun = options.dryRun ?? false;
    return this.#runner.run(options, async (adapter, startedAt) => {
      const gatewayId = this.#options.gatewayId();
      if (gatewayId === undefined) {
        throw new Error(
          "not registered with the Control Plane yet; policies are synchronised once registration succeeds",
        );
      }
      const config = await this.#options.client.fetchConfig(gatewayId, {
        signal: options.signal,
      });
      const read = readPolicies(config.pending_policies);
      const discovered = this.#options.discovered?.() ?? [];
      const outcome = await reconcile({
        kind: "policy",
        adapter,
        plan: (a) => a.planPolicies(read.desired, { discovered, signal: options.signal }),
        invalid: read.invalid,
        guard: this.guard,
        dryRun,
        concurrency: this.#options.concurrency,
        discovered,
        startedAt,
        signal: options.signal,
      });
      if (!dryRun && read.asked.length > 0) {
        await this.#options.acknowledge?.(acksOf(read.asked, outcome));
      }
      return outcome;
    });
  }
}

/** The acks of a cycle: one per policy the Control Plane listed. */
function acksOf(asked: readonly AskedPolicy[], outcome: KindOutcome): PendingAck[] {
  const at = rfc3339Seconds();
  const byId = new Map<string, ItemResult[]>();
  for (const result of outcome.results ?? []) {
    const list = byId.get(result.id) ?? [];
    list.push(result);
    byId.set(result.id, list);
  }
  const acks: PendingAck[] = [];
  for (const policy of asked) {
    const ack = outcome.status === "failed" || outcome.status === "skipped"
      ? { policy_id: policy.id, status: "failed" as const, error: outcome.error ?? "failed" }
      : policyAck(policy, byId.get(policy.id) ?? []);
    if (ack) acks.push({ kind: "policy", at, ack });
  }
  return acks;
}
