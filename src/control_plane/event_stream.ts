/**
 * The Control Plane's deployment event stream (contract §9): Server-Sent Events with CRLF or LF
 * lines, comment pings and `heartbeat` events (both ignored), events up to 1 MiB, and a reconnect
 * with backoff (2 s doubling to 60 s) that resets after every successful connection. Before every
 * connection a catch-up hook runs (a full `/routes` pull), because events sent while disconnected
 * are lost. Parsing is eventsource-parser's; this module adds the size limit and the lifecycle.
 *
 * @module
 */

import { createParser, type EventSourceMessage } from "eventsource-parser";
import { backoffDelay, type BackoffOptions } from "../agent/backoff.ts";
import type { ControlPlaneClient } from "./client.ts";

/** Largest event accepted (large inline OpenAPI specs fit; anything bigger is refused). */
export const MAX_EVENT_BYTES = 1024 * 1024;

/** Reconnect backoff: 2 s, doubling, at most 60 s. */
export const STREAM_BACKOFF: BackoffOptions = { initialMs: 2_000, maxMs: 60_000, jitter: 0.1 };

/** A business event from the stream. */
export interface StreamEvent {
  /** Event type, e.g. `sync-deployment`. */
  readonly type: string;
  /** Raw `data` (JSON text). */
  readonly data: string;
}

/** Connection state, for `/status`. */
export interface StreamStatus {
  /** `connecting`, `connected`, `waiting` (backoff) or `stopped`. */
  readonly state: "connecting" | "connected" | "waiting" | "stopped";
  /** Failed attempts since the last successful connection. */
  readonly attempt: number;
  /** Last error. */
  readonly lastError?: string;
  /** When the current connection was established. */
  readonly connectedAt?: string;
  /** Events received over the stream's life. */
  readonly events: number;
}

/** Options for {@linkcode EventStream}. */
export interface EventStreamOptions {
  /** Control Plane client. */
  readonly client: ControlPlaneClient;
  /** The current gateway id (`undefined` while unregistered: the stream waits). */
  readonly gatewayId: () => string | undefined;
  /** Handles one business event; awaited before the stream is read further. */
  readonly onEvent: (event: StreamEvent, signal: AbortSignal) => Promise<void> | void;
  /** Runs before every connection attempt (catch-up pull). A failure does not stop the stream. */
  readonly beforeConnect?: (signal: AbortSignal) => Promise<void>;
  /** Called on every state change and error (logging, metrics). */
  readonly onStatus?: (status: StreamStatus, error?: unknown) => void;
  /** Largest event in bytes (default 1 MiB). */
  readonly maxEventBytes?: number;
  /** Reconnect backoff (default 2 s doubling to 60 s). */
  readonly backoff?: BackoffOptions;
  /** How long to wait for a gateway id before checking again (default 1 s). */
  readonly unregisteredPollMs?: number;
}

/** The stream was refused or broke; carries why. */
export class EventStreamError extends Error {
  /** Builds the error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EventStreamError";
  }
}

/** A self-healing subscription to the deployment event stream. */
export class EventStream {
  readonly #options: EventStreamOptions;
  #running: Promise<void> | undefined;
  #stopped = false;
  #stop = new AbortController();
  #connection: AbortController | undefined;
  #wake: (() => void) | undefined;
  #status: StreamStatus = { state: "stopped", attempt: 0, events: 0 };

  /** Creates a stopped stream. */
  constructor(options: EventStreamOptions) {
    this.#options = options;
  }

  /** Current connection state. */
  get status(): StreamStatus {
    return this.#status;
  }

  /** Starts connecting (in the background). */
  start(): void {
    if (this.#running || this.#stopped) return;
    this.#running = this.#loop();
  }

  /**
   * Drops the current connection and connects again at once, without backoff (the gateway id
   * changed).
   */
  restart(): void {
    this.#connection?.abort(new EventStreamError("restarting the event stream"));
    this.#wake?.();
  }

  /** Closes the stream and waits for the loop to end. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stop.abort(new DOMException("the agent is shutting down", "AbortError"));
    this.#wake?.();
    await this.#running;
    this.#update({ state: "stopped" });
  }

  async #loop(): Promise<void> {
    const backoff = this.#options.backoff ?? STREAM_BACKOFF;
    let attempt = 0;
    while (!this.#stopped) {
      const gatewayId = this.#options.gatewayId();
      if (gatewayId === undefined) {
        await this.#sleep(this.#options.unregisteredPollMs ?? 1_000);
        continue;
      }
      const connection = new AbortController();
      this.#connection = connection;
      const signal = AbortSignal.any([this.#stop.signal, connection.signal]);
      let restarted = false;
      try {
        this.#update({ state: "connecting", attempt });
        await this.#options.beforeConnect?.(signal).catch((error) => {
          if (!signal.aborted) this.#options.onStatus?.(this.#status, error);
        });
        if (signal.aborted) throw signal.reason;
        await this.#consume(gatewayId, signal, () => {
          attempt = 0;
        });
        throw new EventStreamError("the Control Plane closed the event stream");
      } catch (error) {
        if (this.#stopped) break;
        restarted = connection.signal.aborted;
        // A restart (new gateway id) is not a failure: connect again at once, backoff reset.
        attempt = restarted ? 0 : attempt + 1;
        this.#update(
          { state: "waiting", attempt, lastError: errorText(error), connectedAt: undefined },
          error,
        );
      } finally {
        this.#connection = undefined;
      }
      if (!restarted) await this.#sleep(backoffDelay(attempt, backoff));
    }
  }

  async #consume(gatewayId: string, signal: AbortSignal, connected: () => void): Promise<void> {
    const body = await this.#options.client.openEvents(gatewayId, { signal });
    connected();
    this.#update({
      state: "connected",
      attempt: 0,
      lastError: undefined,
      connectedAt: new Date().toISOString(),
    });
    const limit = this.#options.maxEventBytes ?? MAX_EVENT_BYTES;
    const pending: EventSourceMessage[] = [];
    let bytesSinceEvent = 0;
    const parser = createParser({
      onEvent(message) {
        pending.push(message);
        bytesSinceEvent = 0;
      },
      onComment() {
        bytesSinceEvent = 0;
      },
    });
    const reader = body.getReader();
    const decoder = new TextDecoder();
    // Cancel the body ourselves on abort: the fetch's own signal is a derived AbortSignal.any()
    // that nothing references once the headers are in, and a collected derived signal no longer
    // aborts the body, which would leave stop() waiting on a read that never ends.
    const cancel = () => void reader.cancel(signal.reason).catch(() => {});
    signal.addEventListener("abort", cancel, { once: true });
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return;
        bytesSinceEvent += value.byteLength;
        parser.feed(decoder.decode(value, { stream: true }));
        if (bytesSinceEvent > limit) {
          throw new EventStreamError(
            `an event exceeded ${limit} bytes; it was dropped and the stream is reconnected`,
          );
        }
        while (pending.length > 0) {
          const message = pending.shift()!;
          const type = message.event ?? "message";
          if (type === "heartbeat") continue;
          this.#update({ events: this.#status.events + 1 });
          await this.#options.onEvent({ type, data: message.data }, signal);
        }
      }
    } finally {
      signal.removeEventListener("abort", cancel);
      await reader.cancel().catch(() => {});
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }

  #update(change: Partial<StreamStatus>, error?: unknown): void {
    this.#status = { ...this.#status, ...change };
    this.#options.onStatus?.(this.#status, error);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
