/**
 * Who may call the mutating endpoints (`POST /discover`, `POST /sync`): callers on the loopback
 * interface, or anyone presenting `Authorization: Bearer <STOA_CONNECT_TOKEN>` when it is set.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";

/** Returns the remote address of the request being handled, when known. */
export type RemoteAddress = (request: Request) => string | undefined;

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.replace(/^\[|\]$/g, "").toLowerCase();
  if (plain === "::1" || plain === "0:0:0:0:0:0:0:1") return true;
  const v4 = plain.startsWith("::ffff:") ? plain.slice(7) : plain;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Compares two strings in time that does not depend on where they differ. */
export function constantTimeEquals(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  let difference = left.length ^ right.length;
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  }
  return difference === 0;
}

/** Options for {@linkcode requireOperator}. */
export interface OperatorAccessOptions {
  /** `STOA_CONNECT_TOKEN`, when set. */
  readonly token?: string;
  /** How to learn the caller's address. */
  readonly remoteAddress: RemoteAddress;
}

/** Middleware answering 403 to callers that are neither local nor holding the token. */
export function requireOperator(options: OperatorAccessOptions): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const presented = /^bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    const tokenOk = options.token !== undefined && presented !== undefined &&
      constantTimeEquals(presented, options.token);
    if (tokenOk || isLoopback(options.remoteAddress(c.req.raw))) {
      await next();
      return;
    }
    return c.json({
      error: "forbidden",
      message: options.token
        ? "this endpoint answers loopback callers, or callers sending Authorization: Bearer <STOA_CONNECT_TOKEN>"
        : "this endpoint answers loopback callers only; set STOA_CONNECT_TOKEN to allow remote callers with a bearer token",
    }, 403);
  };
}
