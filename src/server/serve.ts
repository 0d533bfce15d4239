/**
 * Starts the local HTTP server on `STOA_CONNECT_HOST:STOA_CONNECT_PORT`, giving the app each
 * request's remote address (for the loopback rule).
 *
 * @module
 */

import type { Hono } from "hono";
import type { RemoteAddress } from "./access.ts";

/** A listening server. */
export interface RunningServer {
  /** The URL it listens on (with the real port when 0 was asked). */
  readonly url: URL;
  /** Stops accepting connections and waits for requests in flight. */
  shutdown(): Promise<void>;
}

/** Options for {@linkcode startServer}. */
export interface StartServerOptions {
  /** Bind address. */
  readonly hostname: string;
  /** Port (0 = any free port). */
  readonly port: number;
  /** Builds the app, given how to read a request's remote address. */
  readonly app: (remoteAddress: RemoteAddress) => Hono;
}

/** The port is taken or the address cannot be bound. */
export class ListenError extends Error {
  /** Builds the error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ListenError";
  }
}

/** Binds and serves; throws {@linkcode ListenError} when the address cannot be bound. */
export function startServer(options: StartServerOptions): RunningServer {
  const remote = new WeakMap<Request, string>();
  const app = options.app((request) => remote.get(request));
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      onListen() {},
    }, (request, info) => {
      remote.set(request, info.remoteAddr.hostname);
      return app.fetch(request);
    });
  } catch (error) {
    const reason = error instanceof Deno.errors.AddrInUse
      ? "the port is already in use (another stoa-connect?); set STOA_CONNECT_PORT to a free port"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new ListenError(
      `cannot listen on ${options.hostname}:${options.port}: ${reason}`,
      { cause: error },
    );
  }
  const address = server.addr;
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  return {
    url: new URL(`http://${host}:${address.port}/`),
    shutdown: () => server.shutdown(),
  };
}
