/**
 * The CP's in-memory event bus for the gateway SSE stream (contract §9): one bounded queue per
 * connected subscriber, filtered by gateway id and event type, no replay. An event published while
 * nobody is connected is simply lost, and a full queue drops the event.
 *
 * @module
 */

import type { JsonObject } from "./python_format.ts";

/** Event types a gateway stream subscribes to. Only `sync-deployment` has a producer on the CP. */
export const LINK_EVENT_TYPES: readonly string[] = ["sync-deployment", "sync-policy", "undeploy"];

/** Per-subscriber queue capacity on the CP. */
export const QUEUE_CAPACITY = 256;

/** One queued event; object data is JSON-encoded when framed, strings are sent as they are. */
export interface BusEvent {
  /** SSE `event:` name. */
  readonly event: string;
  /** Payload. */
  readonly data: JsonObject | string;
}

/** What waiting on a subscription yields. */
export type NextEvent =
  | { readonly kind: "event"; readonly event: BusEvent }
  | { readonly kind: "idle" }
  | { readonly kind: "closed" };

/** How a subscription ended: cleanly (server shutdown) or by cutting the connection. */
export type CloseMode = "close" | "abort";

/** One connected stream's queue. */
export class Subscription {
  /** Canonical gateway id this stream belongs to. */
  readonly gatewayId: string;
  readonly #queue: BusEvent[] = [];
  readonly #onClose: (mode: CloseMode) => void;
  #wake: ((next: NextEvent) => void) | undefined;
  #closed = false;

  /** Creates a subscription; `onClose` runs once when it ends for any reason. */
  constructor(gatewayId: string, onClose: (mode: CloseMode) => void) {
    this.gatewayId = gatewayId;
    this.#onClose = onClose;
  }

  /** Whether the subscription has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Queues an event; false when it was dropped because the queue is full or closed. */
  offer(event: BusEvent): boolean {
    if (this.#closed) return false;
    if (this.#wake) {
      const wake = this.#wake;
      this.#wake = undefined;
      wake({ kind: "event", event });
      return true;
    }
    if (this.#queue.length >= QUEUE_CAPACITY) return false;
    this.#queue.push(event);
    return true;
  }

  /**
   * The next event, or `idle` when none arrived within `idleMs` (the CP then sends its
   * `heartbeat` event), or `closed`. Only one caller may wait at a time.
   */
  next(idleMs: number): Promise<NextEvent> {
    if (this.#closed) return Promise.resolve({ kind: "closed" });
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve({ kind: "event", event: queued });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve({ kind: "idle" });
      }, idleMs);
      this.#wake = (next) => {
        clearTimeout(timer);
        resolve(next);
      };
    });
  }

  /** Ends the subscription; a pending `next` resolves `closed`. Idempotent. */
  close(mode: CloseMode = "close"): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.length = 0;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.({ kind: "closed" });
    this.#onClose(mode);
  }
}

/** Fan-out to the subscriptions of each gateway. */
export class EventBus {
  readonly #subscriptions = new Set<Subscription>();

  /** Number of open streams. */
  get size(): number {
    return this.#subscriptions.size;
  }

  /** Opens a subscription for one gateway; it unregisters itself when closed. */
  subscribe(gatewayId: string, onClose: (mode: CloseMode) => void): Subscription {
    const subscription = new Subscription(gatewayId, (mode) => {
      this.#subscriptions.delete(subscription);
      onClose(mode);
    });
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /** Delivers to every open stream of `gatewayId` that subscribes to `event`; returns how many. */
  publish(gatewayId: string, event: string, data: JsonObject | string): number {
    if (!LINK_EVENT_TYPES.includes(event)) return 0;
    let delivered = 0;
    for (const subscription of [...this.#subscriptions]) {
      if (subscription.gatewayId === gatewayId && subscription.offer({ event, data })) {
        delivered++;
      }
    }
    return delivered;
  }

  /** Ends the streams of one gateway, or all of them; returns how many were ended. */
  closeStreams(options: { gatewayId?: string; mode?: CloseMode } = {}): number {
    const targets = [...this.#subscriptions].filter((subscription) =>
      options.gatewayId === undefined || subscription.gatewayId === options.gatewayId
    );
    for (const subscription of targets) subscription.close(options.mode);
    return targets.length;
  }
}
