/**
 * What every kind's run shares: one run at a time (a loop cycle, an event, `POST /sync` and a dry
 * run never interleave on the same kind), the adapter fetched for each run (a gateway whose adapter
 * cannot sync makes the kind `skipped`, an unreachable one `failed`), and the last real outcome
 * logged and kept for `/status`.
 *
 * @module
 */

import type { SyncAdapter } from "../gateways/adapter.ts";
import { redact } from "../observability/redact.ts";
import { logOutcome } from "./outcome_log.ts";
import type { SyncKind } from "./plan.ts";
import { messageOf } from "./reconcile.ts";
import { type KindOutcome, outcomeWithoutPlan } from "./sync_report.ts";

/** The gateway adapter cannot synchronise (it only discovers): the kind is skipped. */
export class SyncUnavailableError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "SyncUnavailableError";
  }
}

/**
 * Returns the adapter to sync with. Throws {@linkcode SyncUnavailableError} when the gateway's
 * adapter cannot sync, any other error when the gateway cannot be reached or identified.
 */
export type SyncAdapterSource = (signal?: AbortSignal) => Promise<SyncAdapter>;

/** Options of one run. */
export interface RunOptions {
  /** Plan only; write nothing, send no ack, confirm no held delete. */
  readonly dryRun?: boolean;
  /** Aborts the run (shutdown). */
  readonly signal?: AbortSignal;
}

/** Options of {@linkcode KindRunner}. */
export interface KindRunnerOptions {
  /** Kind run. */
  readonly kind: SyncKind;
  /** Where the adapter comes from. */
  readonly adapter: SyncAdapterSource;
  /** Called after every real (not dry) run, once it is logged: metrics, state. */
  readonly onOutcome?: (outcome: KindOutcome) => void;
}

/** Runs one kind, one run at a time, and remembers the last real outcome. */
export class KindRunner {
  readonly #options: KindRunnerOptions;
  #tail: Promise<unknown> = Promise.resolve();
  #last: KindOutcome | undefined;

  /** A runner that has not run yet. */
  constructor(options: KindRunnerOptions) {
    this.#options = options;
  }

  /** The outcome of the last real run. */
  get last(): KindOutcome | undefined {
    return this.#last;
  }

  /**
   * Runs `body` with the adapter once every earlier run of this kind has finished. Never throws
   * except when `signal` aborts: failures become a `failed` or `skipped` outcome.
   */
  run(
    options: RunOptions,
    body: (adapter: SyncAdapter, startedAt: number) => Promise<KindOutcome>,
  ): Promise<KindOutcome> {
    return this.exclusive(async () => {
      const dryRun = options.dryRun ?? false;
      const startedAt = Date.now();
      const failed = (status: "failed" | "skipped", error: string) =>
        outcomeWithoutPlan({
          kind: this.#options.kind,
          status,
          error: redact(error),
          dryRun,
          startedAt,
        });
      let outcome: KindOutcome;
      try {
        const adapter = await this.#adapterFor(options.signal);
        try {
          outcome = await body(adapter, startedAt);
        } catch (error) {
          options.signal?.throwIfAborted();
          // The body's own errors name their source (Control Plane calls, Vault).
          outcome = failed("failed", messageOf(error));
        }
      } catch (error) {
        options.signal?.throwIfAborted();
        outcome = error instanceof SyncUnavailableError
          ? failed("skipped", error.message)
          : failed("failed", messageOf(error));
      }
      if (!dryRun) {
        this.#last = outcome;
        logOutcome(`${this.#options.kind}-sync`, outcome);
        this.#options.onOutcome?.(outcome);
      }
      return outcome;
    });
  }

  /** The adapter, or an error saying the gateway cannot be reached or cannot sync. */
  async #adapterFor(signal: AbortSignal | undefined): Promise<SyncAdapter> {
    try {
      return await this.#options.adapter(signal);
    } catch (error) {
      if (error instanceof SyncUnavailableError || signal?.aborted) throw error;
      throw new Error(`cannot reach the gateway: ${messageOf(error)}`, { cause: error });
    }
  }

  /** Runs `work` after every earlier run or exclusive work of this kind has finished. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work);
    this.#tail = result.catch(() => {});
    return result;
  }
}
