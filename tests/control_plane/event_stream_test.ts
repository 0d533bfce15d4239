import assert from "node:assert/strict";
import { ControlPlaneClient } from "../../src/control_plane/client.ts";
import {
  EventStream,
  type StreamEvent,
  type StreamStatus,
} from "../../src/control_plane/event_stream.ts";

/** One connection the stream opened: the test writes bytes into it. */
interface Connection {
  readonly url: string;
  readonly headers: Headers;
  push(text: string | Uint8Array): void;
  close(): void;
}

/** A fetch that answers each connection with `statuses[i]` (default 200) and a writable body. */
function sseServer(statuses: number[] = []) {
  const connections: Connection[] = [];
  const waiting: ((c: Connection) => void)[] = [];
  const encoder = new TextEncoder();
  const fetchStub: typeof fetch = (input, init) => {
    const status = statuses[connections.length] ?? 200;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
    });
    init?.signal?.addEventListener("abort", () => {
      try {
        controller.error(init.signal!.reason);
      } catch { /* already closed */ }
    });
    const connection: Connection = {
      url: String(input),
      headers: new Headers(init?.headers),
      push: (text) => controller.enqueue(typeof text === "string" ? encoder.encode(text) : text),
      close: () => controller.close(),
    };
    connections.push(connection);
    waiting.shift()?.(connection);
    if (status !== 200) {
      return Promise.resolve(
        new Response(JSON.stringify({ detail: "Gateway instance not found" }), { status }),
      );
    }
    return Promise.resolve(
      new Response(body, { status, headers: { "content-type": "text/event-stream" } }),
    );
  };
  return {
    fetch: fetchStub,
    connections,
    next(): Promise<Connection> {
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

function client(fetchStub: typeof fetch): ControlPlaneClient {
  return new ControlPlaneClient({ baseUrl: "http://cp.test/", apiKey: "k-1234", fetch: fetchStub });
}

function collector() {
  const events: StreamEvent[] = [];
  const waiting: [number, () => void][] = [];
  return {
    events,
    onEvent(event: StreamEvent) {
      events.push(event);
      for (const [n, resolve] of [...waiting]) if (events.length >= n) resolve();
    },
    until(n: number): Promise<void> {
      return events.length >= n
        ? Promise.resolve()
        : new Promise((resolve) => waiting.push([n, resolve]));
    },
  };
}

const fast = { initialMs: 5, maxMs: 40, jitter: 0 };

Deno.test("CRLF and LF framing, pings and heartbeat events ignored, headers sent", async () => {
  const server = sseServer();
  const seen = collector();
  const stream = new EventStream({
    client: client(server.fetch),
    gatewayId: () => "0b7c0000-0000-4000-8000-000000000001",
    onEvent: (e) => seen.onEvent(e),
    backoff: fast,
  });
  stream.start();
  const connection = await server.next();
  assert.equal(
    connection.url,
    "http://cp.test/v1/internal/gateways/0b7c0000-0000-4000-8000-000000000001/events",
  );
  assert.equal(connection.headers.get("accept"), "text/event-stream");
  assert.equal(connection.headers.get("x-gateway-key"), "k-1234");
  connection.push(": ping - 2026-07-31 06:52:18.123456+00:00\r\n\r\n");
  connection.push('event: heartbeat\r\ndata: {"status": "connected"}\r\n\r\n');
  connection.push('event: sync-deployment\r\ndata: {"deployment_id": "d1"}\r\n\r\n');
  connection.push('event: sync-deployment\ndata: {"deployment_id":\ndata: "d2"}\n\n');
  // An event split across chunks in the middle of a CRLF.
  connection.push('event: sync-deployment\r\ndata: {"deployment_id": "d3"}\r');
  connection.push("\n\r\n");
  await seen.until(3);
  assert.deepEqual(seen.events, [
    { type: "sync-deployment", data: '{"deployment_id": "d1"}' },
    { type: "sync-deployment", data: '{"deployment_id":\n"d2"}' },
    { type: "sync-deployment", data: '{"deployment_id": "d3"}' },
  ]);
  assert.equal(stream.status.state, "connected");
  assert.equal(stream.status.events, 3);
  await stream.stop();
  assert.equal(stream.status.state, "stopped");
});

Deno.test("an event of 1 MiB is delivered intact; a larger one drops the connection", async () => {
  const server = sseServer();
  const seen = collector();
  const errors: string[] = [];
  const stream = new EventStream({
    client: client(server.fetch),
    gatewayId: () => "gw",
    onEvent: (e) => seen.onEvent(e),
    onStatus: (_s, error) => error && errors.push((error as Error).message),
    backoff: fast,
  });
  stream.start();
  const first = await server.next();
  const big = "x".repeat(1024 * 1024 - 64);
  first.push(`event: sync-deployment\r\ndata: ${big}\r\n\r\n`);
  await seen.until(1);
  assert.equal(seen.events[0].data.length, big.length);

  const reconnected = server.next();
  const huge = "y".repeat(2 * 1024 * 1024);
  for (let i = 0; i < huge.length; i += 64 * 1024) {
    first.push(
      `${i === 0 ? "event: sync-deployment\r\ndata: " : ""}${huge.slice(i, i + 64 * 1024)}`,
    );
  }
  await reconnected;
  assert.equal(seen.events.length, 1);
  assert.ok(errors.some((e) => e.includes("exceeded 1048576 bytes")), errors.join("\n"));
  await stream.stop();
});

Deno.test("reconnects with doubling backoff and resets it after a successful connection", async () => {
  const server = sseServer([503, 503, 503, 200, 404, 200]);
  const statuses: StreamStatus[] = [];
  const catchUps: number[] = [];
  const stream = new EventStream({
    client: client(server.fetch),
    gatewayId: () => "gw",
    onEvent: () => {},
    beforeConnect: () => {
      catchUps.push(server.connections.length);
      return Promise.resolve();
    },
    onStatus: (s) => statuses.push(s),
    backoff: fast,
  });
  stream.start();
  const good = await (async () => {
    for (let i = 0; i < 3; i++) await server.next();
    return server.next();
  })();
  // Three failures waited 5, 10 and 20 ms.
  const waits = statuses.filter((s) => s.state === "waiting").map((s) => s.attempt);
  assert.deepEqual(waits, [1, 2, 3]);
  assert.match(statuses.find((s) => s.state === "waiting")!.lastError!, /503/);
  // Connected: the attempt counter is back to 0; then the server closes.
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(stream.status.state, "connected");
  assert.equal(stream.status.attempt, 0);
  good.close();
  await server.next(); // 404
  await server.next(); // 200 again
  const afterReset = statuses.filter((s) => s.state === "waiting").map((s) => s.attempt);
  // After the reset the counting starts again at 1 (close), then 2 (404).
  assert.deepEqual(afterReset, [1, 2, 3, 1, 2]);
  // A catch-up pull ran before every connection attempt.
  assert.deepEqual(catchUps, [0, 1, 2, 3, 4, 5]);
  await stream.stop();
});

Deno.test("restart reconnects at once with the new gateway id", async () => {
  const server = sseServer();
  let id = "gw-old";
  const stream = new EventStream({
    client: client(server.fetch),
    gatewayId: () => id,
    onEvent: () => {},
    backoff: { initialMs: 60_000, maxMs: 60_000, jitter: 0 },
  });
  stream.start();
  const first = await server.next();
  assert.match(first.url, /gw-old\/events$/);
  id = "gw-new";
  const second = server.next();
  stream.restart();
  assert.match((await second).url, /gw-new\/events$/);
  await stream.stop();
});

Deno.test("waits while unregistered and a failing catch-up does not stop the stream", async () => {
  const server = sseServer();
  const registration: { id?: string } = {};
  const errors: unknown[] = [];
  const stream = new EventStream({
    client: client(server.fetch),
    gatewayId: () => registration.id,
    onEvent: () => {},
    beforeConnect: () => Promise.reject(new Error("routes unavailable")),
    onStatus: (_s, e) => e && errors.push(e),
    backoff: fast,
    unregisteredPollMs: 5,
  });
  stream.start();
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(server.connections.length, 0);
  registration.id = "gw";
  await server.next();
  assert.match((errors[0] as Error).message, /routes unavailable/);
  await stream.stop();
});
