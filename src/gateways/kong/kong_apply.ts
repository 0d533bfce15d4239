/**
 * Applying a Kong plan. Unchanged and invalid items write nothing. With a database each item's
 * writes run in order and items run side by side (bounded); a Kong error stops its own item only.
 * Without a database every item goes through the adapter's {@linkcode DeclarativeWriter}.
 *
 * @module
 */

import { errorText } from "../error_text.ts";
import type { AdminHttpClient } from "../admin_http.ts";
import type { ItemResult, Plan, PlanItem } from "../../sync/plan.ts";
import { editDeclarative, pushDeclarative, readDeclarative } from "./kong_declarative.ts";
import type { KongCallContext } from "./kong_errors.ts";
import { type EntityOp, sendOp, withoutSecrets } from "./kong_operations.ts";
import type { KongPlanRegistry } from "./kong_plan_item.ts";

/** Items written at once when the caller does not say (the adapter contract's default). */
export const DEFAULT_APPLY_CONCURRENCY = 8;

/** Options of {@linkcode applyKongPlan}. */
export interface KongApplyOptions {
  /** Client bound to the Admin API. */
  readonly client: AdminHttpClient;
  /** Workspace prefix and token facts. */
  readonly context: KongCallContext;
  /** Where the writes of planned items are. */
  readonly registry: KongPlanRegistry;
  /** The adapter's single DB-less writer. */
  readonly declarative: DeclarativeWriter;
  /** Most items written at once (database mode). */
  readonly concurrency?: number;
  /** Aborts the items not started yet. */
  readonly signal?: AbortSignal;
}

/**
 * Applies `plan`: one result per item, in plan order. Never throws for an item; rejects only when
 * `signal` aborts (shutdown).
 */
export async function applyKongPlan(plan: Plan, options: KongApplyOptions): Promise<ItemResult[]> {
  const results: ItemResult[] = new Array(plan.items.length);
  const pending: { index: number; item: PlanItem; ops: readonly EntityOp[]; dbless: boolean }[] =
    [];
  plan.items.forEach((item, index) => {
    if (item.error !== undefined) {
      results[index] = result(item, "failed", item.error);
      return;
    }
    if (item.action === "unchanged") {
      results[index] = result(item, "unchanged");
      return;
    }
    const work = options.registry.recall(item);
    if (!work) {
      results[index] = result(
        item,
        "failed",
        "this item was not planned by this Kong adapter: plan again and apply the items the plan returned",
      );
      return;
    }
    pending.push({ index, item, ops: work.ops, dbless: work.dbless });
  });
  const settle = (job: (typeof pending)[number], problem: string | undefined) => {
    results[job.index] = problem === undefined
      ? result(job.item, job.item.action === "delete" ? "removed" : "applied")
      : result(job.item, "failed", problem);
  };
  // Without a database all items go to the writer at once: they travel in one document.
  const declarative = pending.filter((job) => job.dbless);
  const database = pending.filter((job) => !job.dbless);
  const submitted = declarative.map(async (job) =>
    settle(job, await options.declarative.submit(job.ops))
  );
  const limit = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_APPLY_CONCURRENCY) || 1);
  let next = 0;
  const worker = async () => {
    for (let job = database[next++]; job !== undefined; job = database[next++]) {
      options.signal?.throwIfAborted();
      settle(job, await writeAll(job.ops, options));
    }
  };
  await Promise.all([
    ...submitted,
    ...Array.from({ length: Math.min(limit, database.length) }, worker),
  ]);
  return results;
}

/** Runs an item's writes in order; the first refusal ends the item with its reason. */
async function writeAll(
  ops: readonly EntityOp[],
  options: KongApplyOptions,
): Promise<string | undefined> {
  try {
    for (const op of ops) await sendOp(op, options);
    return undefined;
  } catch (error) {
    options.signal?.throwIfAborted();
    return withoutSecrets(errorText(error), ops);
  }
}

function result(item: PlanItem, status: ItemResult["status"], error?: string): ItemResult {
  return {
    kind: item.kind,
    id: item.id,
    name: item.name,
    action: item.action,
    status,
    ...(error === undefined ? {} : { error }),
    ...(item.generation === undefined ? {} : { generation: item.generation }),
  };
}

/** Options of {@linkcode DeclarativeWriter}. */
export interface DeclarativeWriterOptions {
  /** Client bound to the Admin API. */
  readonly client: AdminHttpClient;
  /** Token facts for messages. */
  readonly context: KongCallContext;
}

interface Submission {
  readonly ops: readonly EntityOp[];
  readonly done: (problem: string | undefined) => void;
}

/**
 * The one writer of a Kong without database: pushes never overlap (a policy sync and a route
 * sync would otherwise each load a document missing the other's change), and items submitted
 * while a push runs go together in the next one, so a sync of many items reloads Kong a few
 * times instead of once per item. A push Kong refuses fails every item in it, with Kong's reason.
 */
export class DeclarativeWriter {
  readonly #options: DeclarativeWriterOptions;
  #waiting: Submission[] = [];
  #running = false;

  /** Creates the writer of one adapter. */
  constructor(options: DeclarativeWriterOptions) {
    this.#options = options;
  }

  /** Applies an item's writes; resolves with `undefined` when done, or with why it failed. */
  submit(ops: readonly EntityOp[]): Promise<string | undefined> {
    return new Promise((done) => {
      this.#waiting.push({ ops, done });
      if (this.#running) return;
      this.#running = true;
      // Started a tick later, so that items submitted together travel in the same document.
      queueMicrotask(() => void this.#drain());
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting;
        this.#waiting = [];
        await this.#push(batch);
      }
    } finally {
      this.#running = false;
    }
  }

  async #push(batch: readonly Submission[]): Promise<void> {
    const call = { client: this.#options.client, context: this.#options.context };
    let document;
    try {
      document = await readDeclarative(call);
    } catch (error) {
      const reason = `cannot read Kong's current configuration: ${errorText(error)}`;
      for (const submission of batch) submission.done(reason);
      return;
    }
    const edit = editDeclarative(document, batch.map((submission) => submission.ops));
    const loaded = batch.filter((_, index) => !edit.failed.has(index));
    batch.forEach((submission, index) => {
      const problem = edit.failed.get(index);
      if (problem !== undefined) submission.done(problem);
    });
    if (loaded.length === 0) return;
    try {
      await pushDeclarative(edit.document, call);
      for (const submission of loaded) submission.done(undefined);
    } catch (error) {
      const said = withoutSecrets(errorText(error), loaded.flatMap((submission) => submission.ops));
      const reason = loaded.length === 1
        ? said
        : `${said} (Kong without database loads one document: the ${loaded.length} items pushed together all failed)`;
      for (const submission of loaded) submission.done(reason);
    }
  }
}
