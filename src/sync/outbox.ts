/**
 * Acknowledgements waiting for the Control Plane. Every policy and route ack goes through here: it
 * is sent at once when the Control Plane answers, and kept when it does not — in memory, and in
 * `STOA_STATE_DIR/ack-outbox.json` so that a restart loses nothing. Acks are keyed by kind and
 * item id and the newest one wins, so a flapping Control Plane never gets stale or duplicate acks.
 *
 * Acks go out in chunks of at most {@linkcode ACK_CHUNK_SIZE} items per request. A chunk the Control
 * Plane refuses for good (413 from a proxy, 422 for one bad item, …) is split in halves and each
 * half is sent again, down to single items: only an item refused on its own is dropped, and whoever
 * queued it hears so through {@linkcode onDropped} so that it can produce the ack again later.
 *
 * The file is JSON, `{"format": "stoa-connect/ack-outbox", "version": 1, "acks": [...]}`, each ack
 * `{"kind": "policy"|"route", "at": ISO time, "ack": <the wire item of §8.3/§8.4>}`. It is written
 * atomically (temporary file, fsync, rename); a file that cannot be read as that is renamed
 * `ack-outbox.json.corrupt-<time>` with a log line, and the agent starts with an empty outbox.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { z } from "zod";
import type { ControlPlaneClient } from "../control_plane/client.ts";
import { ControlPlaneError } from "../control_plane/errors.ts";
import type { PolicySyncAck, RouteSyncAck } from "../control_plane/schemas.ts";
import { rfc3339Seconds } from "../http/timestamps.ts";
import { log } from "../observability/logger.ts";
import { redact } from "../observability/redact.ts";

/** One policy ack as sent in `sync-ack` (§8.4). */
export type PolicyAckItem = PolicySyncAck["synced_policies"][number];
/** One route ack as sent in `route-sync-ack` (§8.3). */
export type RouteAckItem = RouteSyncAck["synced_routes"][number];

/** An ack waiting for delivery. */
export type PendingAck =
  | { readonly kind: "policy"; readonly at: string; readonly ack: PolicyAckItem }
  | { readonly kind: "route"; readonly at: string; readonly ack: RouteAckItem };

/** Sends acks to the Control Plane (the agent binds the current gateway id). */
export interface AckDelivery {
  /** Sends one `sync-ack` with these items. */
  policies(items: PolicyAckItem[], timestamp: string, signal?: AbortSignal): Promise<void>;
  /** Sends one `route-sync-ack` with these items. */
  routes(items: RouteAckItem[], timestamp: string, signal?: AbortSignal): Promise<void>;
}

/** Delivery to the Control Plane for one gateway id. */
export function deliverTo(
  client: Pick<ControlPlaneClient, "ackPolicies" | "ackRoutes">,
  gatewayId: string,
): AckDelivery {
  return {
    policies: (items, timestamp, signal) =>
      client.ackPolicies(gatewayId, { synced_policies: items, sync_timestamp: timestamp }, {
        signal,
      }),
    routes: async (items, timestamp, signal) => {
      await client.ackRoutes(gatewayId, { synced_routes: items, sync_timestamp: timestamp }, {
        signal,
      });
    },
  };
}

/** What one flush did. */
export interface FlushResult {
  /** Acks the Control Plane accepted. */
  readonly delivered: number;
  /** Acks dropped because the Control Plane refused them for good (e.g. 422). */
  readonly dropped: number;
  /** Acks still waiting. */
  readonly pending: number;
  /** Why some acks are still waiting. */
  readonly error?: string;
}

/** The outbox as `/status` shows it. */
export interface OutboxStatus {
  /** Acks waiting. */
  readonly pending: number;
  /** The file backing the outbox, `null` when it lives in memory only. */
  readonly file: string | null;
  /** Last delivery or storage problem, cleared by the next success. */
  readonly last_error: string | null;
}

/** Options of {@linkcode AckOutbox}. */
export interface AckOutboxOptions {
  /** Directory of the file (`STOA_STATE_DIR`); without it the outbox lives in memory only. */
  readonly dir?: string;
  /** Called whenever the number of pending acks changes (metrics). */
  readonly onSize?: (size: number) => void;
}

/** Most acks sent in one request; bigger backlogs go out in several (a proxy may limit bodies). */
export const ACK_CHUNK_SIZE = 200;

/** Name of the outbox file inside the state directory. */
export const OUTBOX_FILE = "ack-outbox.json";
const FORMAT = "stoa-connect/ack-outbox";

const FileSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  acks: z.array(z.discriminatedUnion("kind", [
    z.object({
      kind: z.literal("policy"),
      at: z.string(),
      ack: z.looseObject({ policy_id: z.string().min(1), status: z.string() }),
    }),
    z.object({
      kind: z.literal("route"),
      at: z.string(),
      ack: z.looseObject({ deployment_id: z.string().min(1), status: z.string() }),
    }),
  ])),
});

interface Entry {
  readonly pending: PendingAck;
  readonly seq: number;
}

/** What each chunk sent did. */
interface ChunkResult {
  delivered: number;
  dropped: number;
  error?: string;
}

const dropListeners = new WeakMap<PendingAck, () => void>();

/**
 * Registers `listener` to be called if the outbox drops this very ack because the Control Plane
 * refused it for good (never when it is delivered, or replaced by a newer ack of the same item).
 * Returns the ack. Listeners live in memory only: acks read back from the file have none.
 */
export function onDropped(ack: PendingAck, listener: () => void): PendingAck {
  dropListeners.set(ack, listener);
  return ack;
}

function keyOf(ack: PendingAck): string {
  return ack.kind === "policy" ? `policy:${ack.ack.policy_id}` : `route:${ack.ack.deployment_id}`;
}

/**
 * True when the Control Plane refused an ack for good: resending the same body cannot succeed
 * (e.g. 422). Missing keys (401/403), an unknown gateway (404, fixed by re-registration), timeouts
 * and 5xx are worth waiting for.
 */
function refusedForGood(error: unknown): boolean {
  if (!(error instanceof ControlPlaneError) || error.status === undefined) return false;
  return error.status >= 400 && error.status < 500 &&
    ![401, 403, 404, 408, 409, 429].includes(error.status);
}

/** Pending acknowledgements, persisted in the state directory. */
export class AckOutbox {
  readonly #file: string | undefined;
  readonly #onSize?: (size: number) => void;
  readonly #entries = new Map<string, Entry>();
  #seq = 0;
  #lastError: string | undefined;
  #fileExists = false;

  /** An empty outbox; call {@linkcode AckOutbox.load} to read what a previous run left. */
  constructor(options: AckOutboxOptions = {}) {
    this.#file = options.dir === undefined ? undefined : join(options.dir, OUTBOX_FILE);
    this.#onSize = options.onSize;
  }

  /** Acks waiting. */
  get size(): number {
    return this.#entries.size;
  }

  /** The waiting acks, oldest first. */
  get pending(): PendingAck[] {
    return [...this.#entries.values()].map((entry) => entry.pending);
  }

  /** For `/status`. */
  get status(): OutboxStatus {
    return {
      pending: this.size,
      file: this.#file ?? null,
      last_error: this.#lastError ?? null,
    };
  }

  /**
   * Reads the acks a previous run could not deliver. A missing file is an empty outbox; an
   * unreadable or malformed one is set aside and reported, never fatal.
   */
  load(): void {
    if (this.#file === undefined) return;
    const logger = log("acks");
    let text: string;
    try {
      text = Deno.readTextFileSync(this.#file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      this.#lastError = `cannot read ${this.#file}: ${message(error)}`;
      logger.error("{error}; undelivered acknowledgements of the previous run are lost", {
        error: this.#lastError,
      });
      return;
    }
    this.#fileExists = true;
    let parsed: z.infer<typeof FileSchema>;
    try {
      const result = FileSchema.safeParse(JSON.parse(text));
      if (!result.success) throw new Error(result.error.issues[0]?.message ?? "unexpected shape");
      parsed = result.data;
    } catch (error) {
      this.#setAside(message(error));
      return;
    }
    for (const pending of parsed.acks) this.#put(pending as PendingAck);
    if (this.size > 0) {
      logger.info("{count} acknowledgements of a previous run wait for the Control Plane", {
        count: this.size,
      });
    }
    this.#onSize?.(this.size);
  }

  /** Queues acks; a newer ack for the same item replaces the older one. */
  add(acks: readonly PendingAck[]): void {
    for (const pending of acks) this.#put(pending);
    this.#onSize?.(this.size);
  }

  /**
   * Sends every waiting ack (per kind, in chunks of {@linkcode ACK_CHUNK_SIZE}), forgets the
   * delivered ones and stores the rest. A chunk refused for good is split in halves down to single
   * items, and only an item refused on its own is dropped. When the Control Plane cannot be reached
   * (or answers 401/403/404/408/409/429/5xx) the rest of that kind waits for the next flush.
   * Never throws: the result says what is still waiting and why.
   */
  async flush(deliver: AckDelivery, signal?: AbortSignal): Promise<FlushResult> {
    let delivered = 0;
    let dropped = 0;
    const errors: string[] = [];
    for (const kind of ["policy", "route"] as const) {
      const batch = [...this.#entries.entries()].filter(([, e]) => e.pending.kind === kind);
      for (let start = 0; start < batch.length; start += ACK_CHUNK_SIZE) {
        const chunk = batch.slice(start, start + ACK_CHUNK_SIZE);
        const result = await this.#send(kind, chunk, deliver, signal);
        delivered += result.delivered;
        dropped += result.dropped;
        if (signal?.aborted) break;
        if (result.error !== undefined) {
          errors.push(result.error);
          break;
        }
      }
      if (signal?.aborted) break;
    }
    this.#lastError = errors.length > 0 ? errors.join("; ") : undefined;
    await this.#store();
    this.#onSize?.(this.size);
    return {
      delivered,
      dropped,
      pending: this.size,
      ...(this.#lastError === undefined ? {} : { error: this.#lastError }),
    };
  }

  /** Sends one chunk; a chunk refused for good is split in halves, a single item dropped. */
  async #send(
    kind: PendingAck["kind"],
    chunk: readonly [string, Entry][],
    deliver: AckDelivery,
    signal?: AbortSignal,
  ): Promise<ChunkResult> {
    const timestamp = rfc3339Seconds();
    try {
      if (kind === "policy") {
        await deliver.policies(
          chunk.map(([, e]) => e.pending.ack as PolicyAckItem),
          timestamp,
          signal,
        );
      } else {
        await deliver.routes(
          chunk.map(([, e]) => e.pending.ack as RouteAckItem),
          timestamp,
          signal,
        );
      }
      this.#forget(chunk);
      return { delivered: chunk.length, dropped: 0 };
    } catch (error) {
      if (signal?.aborted) return { delivered: 0, dropped: 0 };
      const text = redact(message(error));
      if (!refusedForGood(error)) return { delivered: 0, dropped: 0, error: text };
      if (chunk.length === 1) {
        const [[key]] = chunk;
        for (const gone of this.#forget(chunk)) dropListeners.get(gone.pending)?.();
        log("acks").error(
          "the Control Plane refused 1 {kind} acknowledgement ({key}) for good; it is dropped: {error}",
          { kind, key, error: text },
        );
        return { delivered: 0, dropped: 1 };
      }
      log("acks").warn(
        "the Control Plane refused {count} {kind} acknowledgements in one request ({error}); sending them again in halves",
        { count: chunk.length, kind, error: text },
      );
      const half = Math.ceil(chunk.length / 2);
      const first = await this.#send(kind, chunk.slice(0, half), deliver, signal);
      if (first.error !== undefined || signal?.aborted) return first;
      const second = await this.#send(kind, chunk.slice(half), deliver, signal);
      return {
        delivered: first.delivered + second.delivered,
        dropped: first.dropped + second.dropped,
        ...(second.error === undefined ? {} : { error: second.error }),
      };
    }
  }

  #put(pending: PendingAck): void {
    const key = keyOf(pending);
    // Re-inserting moves the item to the end: the map stays oldest-first.
    this.#entries.delete(key);
    this.#entries.set(key, { pending, seq: ++this.#seq });
  }

  /**
   * Forgets the sent entries unless a newer ack replaced them meanwhile; returns the entries
   * forgotten.
   */
  #forget(batch: readonly [string, Entry][]): Entry[] {
    const forgotten: Entry[] = [];
    for (const [key, entry] of batch) {
      if (this.#entries.get(key)?.seq === entry.seq) {
        this.#entries.delete(key);
        forgotten.push(entry);
      }
    }
    return forgotten;
  }

  async #store(): Promise<void> {
    const file = this.#file;
    if (file === undefined) return;
    try {
      if (this.size === 0) {
        if (this.#fileExists) await Deno.remove(file).catch(ignoreNotFound);
        this.#fileExists = false;
        return;
      }
      const body = JSON.stringify({ format: FORMAT, version: 1, acks: this.pending });
      await Deno.mkdir(dirname(file), { recursive: true });
      await writeAtomically(file, body);
      this.#fileExists = true;
    } catch (error) {
      const text = `cannot store undelivered acknowledgements in ${file}: ${message(error)}`;
      this.#lastError = this.#lastError ? `${this.#lastError}; ${text}` : text;
      log("acks").error("{error}; check STOA_STATE_DIR exists and is writable", { error: text });
    }
  }

  #setAside(reason: string): void {
    const file = this.#file!;
    const aside = `${file}.corrupt-${rfc3339Seconds().replace(/[-:]/g, "")}`;
    try {
      Deno.renameSync(file, aside);
      this.#fileExists = false;
    } catch (error) {
      log("acks").error("cannot set {file} aside: {error}", { file, error: message(error) });
    }
    this.#lastError = `${file} was unreadable (${reason}) and was set aside as ${aside}`;
    log("acks").warn(
      "the acknowledgement outbox {file} is corrupt ({reason}); it was set aside as {aside} and the agent starts with an empty outbox",
      { file, reason, aside },
    );
  }
}

/** Writes `text` to `file` so that readers see the old or the new content, never a mix. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  const handle = await Deno.open(temporary, { write: true, create: true, truncate: true });
  try {
    const bytes = new TextEncoder().encode(text);
    let written = 0;
    while (written < bytes.length) written += await handle.write(bytes.subarray(written));
    await handle.sync();
  } finally {
    handle.close();
  }
  try {
    await Deno.rename(temporary, file);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}

function ignoreNotFound(error: unknown): void {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
