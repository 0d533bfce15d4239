/**
 * The gateway event stream on the wire, as sse-starlette writes it (contract §9): CRLF line ends,
 * a blank CRLF line after each frame, comment pings on a fixed period, an `event: heartbeat`
 * after an idle period, Python-`json.dumps` data, and never an `id:` or `retry:` field.
 *
 * @module
 */

import type { BusEvent, CloseMode, EventBus, Subscription } from "./event_bus.ts";
import { pythonJsonDumps, pythonStr } from "./python_format.ts";

const CRLF = "\r\n";

/** Timing of the stream; the CP's values are 15 s and 25 s. */
export interface StreamTimings {
  /** Period of `: ping - <time>` comments. */
  readonly pingIntervalMs: number;
  /** Idle time after which `event: heartbeat` is sent. */
  readonly idleHeartbeatMs: number;
  /** Clock for the ping timestamps. */
  readonly now: () => Date;
}

/** Response headers of the stream. */
export const EVENT_STREAM_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store",
  "connection": "keep-alive",
  "x-accel-buffering": "no",
};

/** One event frame: `event:` line, one `data:` line per payload line, blank line. */
export function eventFrame(event: BusEvent): string {
  const data = typeof event.data === "string" ? event.data : pythonJsonDumps(event.data);
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}${CRLF}`).join("");
  return `event: ${event.event}${CRLF}${lines}${CRLF}`;
}

/** One comment frame, e.g. the keep-alive ping. */
export function commentFrame(text: string): string {
  return `${text.split(/\r\n|\r|\n/).map((line) => `: ${line}${CRLF}`).join("")}${CRLF}`;
}

const HEARTBEAT_EVENT: BusEvent = { event: "heartbeat", data: { status: "connected" } };

/**
 * Subscribes `gatewayId` to `bus` and returns the byte stream of that subscription. The stream
 * ends when the bus closes the subscription (cleanly, or as an error for `abort`); the
 * subscription ends when the client goes away.
 */
export function openEventStream(
  bus: EventBus,
  gatewayId: string,
  timings: StreamTimings,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let subscription: Subscription | undefined;
  let ping: ReturnType<typeof setInterval> | undefined;
  let finished = false;
  const finish = () => {
    finished = true;
    clearInterval(ping);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      subscription = bus.subscribe(gatewayId, (mode: CloseMode) => {
        if (finished) return;
        finish();
        if (mode === "abort") controller.error(new Error("event stream dropped by the CP double"));
        else controller.close();
      });
      ping = setInterval(() => {
        if (!finished) {
          controller.enqueue(encoder.encode(commentFrame(`ping - ${pythonStr(timings.now())}`)));
        }
      }, timings.pingIntervalMs);
    },
    async pull(controller) {
      if (!subscription) return;
      const next = await subscription.next(timings.idleHeartbeatMs);
      if (finished || next.kind === "closed") return;
      const event = next.kind === "event" ? next.event : HEARTBEAT_EVENT;
      controller.enqueue(encoder.encode(eventFrame(event)));
    },
    cancel() {
      // The client went away: stop pinging and leave the bus, as the CP does on disconnect.
      finish();
      subscription?.close();
    },
  });
}
