/**
 * Deployments over the Control Plane's event stream (`STOA_SSE_ENABLED=true`, contract §9): before
 * every connection a full route sync catches up on what was missed (events sent while disconnected
 * are lost); each `sync-deployment` event is applied and acked on its own; other event types
 * (`sync-policy`, `undeploy`, which the Control Plane declares but never sends) are logged and
 * dropped. The stream reconnects with a new gateway id at once when registration changes it (the
 * Go agent kept the old id until the connection dropped, P-9).
 *
 * @module
 */

import type { ControlPlaneClient } from "../control_plane/client.ts";
import {
  EventStream,
  type EventStreamOptions,
  type StreamEvent,
  type StreamStatus,
} from "../control_plane/event_stream.ts";
import { log } from "../observability/logger.ts";

/** Options of {@linkcode DeploymentStream}. */
export interface DeploymentStreamOptions {
  /** Control Plane client. */
  readonly client: ControlPlaneClient;
  /**
   * The gateway id to connect with, `undefined` while the agent cannot sync yet (unregistered,
   * or no adapter that can sync): the stream waits.
   */
  readonly gatewayId: () => string | undefined;
  /** Subscribes to gateway id changes; returns the unsubscribe function. */
  readonly onGatewayIdChange: (listener: (id: string | undefined) => void) => () => void;
  /** The full route sync run before every connection. */
  readonly catchUp: (signal: AbortSignal) => Promise<void>;
  /** Applies and acks one `sync-deployment` event's data. */
  readonly deploy: (data: string, signal: AbortSignal) => Promise<unknown>;
  /** Connection state changes (metrics). */
  readonly onStatus?: (status: StreamStatus) => void;
  /** Events received, by type (metrics). */
  readonly onEventType?: (type: string) => void;
  /** Stream tuning (backoff, poll period while waiting), for tests. */
  readonly tuning?: Pick<EventStreamOptions, "backoff" | "unregisteredPollMs" | "maxEventBytes">;
}

/** The deployment event stream of one agent. */
export class DeploymentStream {
  readonly #stream: EventStream;
  readonly #options: DeploymentStreamOptions;
  #unsubscribe: (() => void) | undefined;
  #started = false;

  /** A stream that is not connected yet. */
  constructor(options: DeploymentStreamOptions) {
    this.#options = options;
    const logger = log("event-stream");
    let lastState: StreamStatus["state"] | undefined;
    this.#stream = new EventStream({
      client: options.client,
      gatewayId: options.gatewayId,
      beforeConnect: options.catchUp,
      onEvent: (event, signal) => this.#handle(event, signal),
      onStatus: (status, error) => {
        if (status.state !== lastState) {
          if (status.state === "connected") logger.info("connected to the deployment event stream");
          lastState = status.state;
        }
        if (error !== undefined && status.state === "waiting") {
          logger.warn("event stream interrupted: {error} (reconnecting, attempt {attempt})", {
            error: status.lastError,
            attempt: status.attempt,
          });
        } else if (error !== undefined) {
          logger.warn("catch-up before connecting failed: {error}", {
            error: error instanceof Error ? error.message : String(error),
          });
        }
        options.onStatus?.(status);
      },
      ...options.tuning,
    });
  }

  /** Connection state, for `/status`. */
  get status(): StreamStatus {
    return this.#stream.status;
  }

  /** True once started. */
  get started(): boolean {
    return this.#started;
  }

  /** Connects (in the background) and follows gateway id changes. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#unsubscribe = this.#options.onGatewayIdChange(() => {
      log("event-stream").info("the gateway id changed; reconnecting the event stream");
      this.#stream.restart();
    });
    this.#stream.start();
  }

  /** Disconnects and waits for the stream to end. */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    await this.#stream.stop();
  }

  async #handle(event: StreamEvent, signal: AbortSignal): Promise<void> {
    this.#options.onEventType?.(event.type);
    if (event.type === "sync-deployment") {
      try {
        await this.#options.deploy(event.data, signal);
      } catch (error) {
        if (signal.aborted) throw error;
        // One bad event must not cost the connection (and the events behind it).
        log("event-stream").error("a sync-deployment event could not be handled: {error}", {
          error: error instanceof Error ? error.message : String(error),
        });
      }
      return;
    }
    log("event-stream").info(
      "event {type} dropped: stoa-connect acts on sync-deployment events only",
      { type: event.type },
    );
  }
}
