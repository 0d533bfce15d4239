/**
 * The guard against mass deletion from one bad answer. When one cycle would delete more than half
 * of what the agent owns of a kind (an empty list after a Control Plane glitch, a wrong Vault
 * path), those deletes are held: shown in the plan, `/status` and the log, but applied only if
 * the next cycle asks for them again. A hold the next cycle does not confirm is dropped.
 *
 * @module
 */

import { log } from "../observability/logger.ts";
import { itemKey, type Plan, type SyncKind } from "./plan.ts";

/** What the guard decided for one plan. */
export interface GuardDecision {
  /** The plan, with `held` set when deletes are held. */
  readonly plan: Plan;
  /** Keys ({@linkcode itemKey}) of the deletes held back. */
  readonly held: ReadonlySet<string>;
  /** Deletes held by the previous cycle and confirmed by this one. */
  readonly confirmed: number;
  /** Deletes held by the previous cycle that this one no longer asks for. */
  readonly released: number;
}

/** A hold waiting for confirmation, for `/status`. */
export interface PendingHold {
  /** Why the deletes wait. */
  readonly reason: string;
  /** Deletes held. */
  readonly deletes: number;
  /** Objects of the kind the agent owned when the hold was made. */
  readonly owned: number;
  /** When the hold was made (ISO 8601). */
  readonly since: string;
}

/** Options of {@linkcode MassDeleteGuard.review}. */
export interface ReviewOptions {
  /**
   * Remember the decision, so the next cycle can confirm it (false for dry runs: looking at a
   * plan must not confirm anything).
   */
  readonly commit: boolean;
}

const NOUNS: Readonly<Record<SyncKind, string>> = {
  policy: "policy objects",
  route: "routes",
  credential: "consumer objects",
};

/** Holds mass deletions of one kind until the next cycle confirms them. */
export class MassDeleteGuard {
  readonly #kind: SyncKind;
  #heldIds = new Set<string>();
  #pending: PendingHold | undefined;

  /** A guard for one kind, with nothing held. */
  constructor(kind: SyncKind) {
    this.#kind = kind;
  }

  /** The hold waiting for confirmation, if any. */
  get pending(): PendingHold | undefined {
    return this.#pending;
  }

  /**
   * Reviews a plan: deletes confirmed by the previous cycle pass; new deletes pass unless they
   * are more than half of the owned objects, in which case they are held.
   */
  review(plan: Plan, options: ReviewOptions): GuardDecision {
    const owned = plan.items.filter((item) => item.action !== "create").length;
    const deletes = plan.items.filter((item) =>
      item.action === "delete" && item.error === undefined
    );
    // Confirmation goes by Control Plane id: "this object is no longer wanted" is what the next
    // cycle confirms, even when the gateway-side target of the item has changed meanwhile (on
    // Gravitee a gateway-wide policy's target lists the APIs it sits on).
    const unconfirmed = deletes.filter((item) => !this.#heldIds.has(item.id));
    const confirmed = deletes.length - unconfirmed.length;
    const asked = new Set(deletes.map((item) => item.id));
    const released = [...this.#heldIds].filter((id) => !asked.has(id)).length;
    const mass = unconfirmed.length > 0 && unconfirmed.length * 2 > owned;
    const heldItems = mass ? unconfirmed : [];
    const held = new Set(heldItems.map(itemKey));
    const noun = NOUNS[this.#kind];
    const reason = mass
      ? `this cycle would delete ${unconfirmed.length} of the ${owned} ${noun} the agent owns; ` +
        "they are deleted only if the next cycle asks for it again"
      : undefined;

    if (options.commit) {
      const ids = new Set(heldItems.map((item) => item.id));
      this.#remember(ids, held.size, reason, owned, confirmed, released);
    }
    const decided: Plan = reason === undefined
      ? plan
      : { ...plan, held: { reason, deletes: held.size, owned } };
    return { plan: decided, held, confirmed, released };
  }

  #remember(
    heldIds: Set<string>,
    heldCount: number,
    reason: string | undefined,
    owned: number,
    confirmed: number,
    released: number,
  ): void {
    const logger = log("sync");
    const noun = NOUNS[this.#kind];
    if (confirmed > 0) {
      logger.info("{count} held deletes of {noun} confirmed by this cycle; applying them", {
        count: confirmed,
        noun,
      });
    }
    if (released > 0) {
      logger.info(
        "{count} held deletes of {noun} dropped: the source lists those objects again",
        { count: released, noun },
      );
    }
    if (reason !== undefined) {
      logger.warn("holding {count} deletes of {noun}: {reason}", {
        count: heldCount,
        noun,
        reason,
      });
    }
    this.#heldIds = heldIds;
    this.#pending = reason === undefined
      ? undefined
      : { reason, deletes: heldCount, owned, since: new Date().toISOString() };
  }
}
