/**
 * Every request the double answered, with what it answered, so tests assert on what the agent
 * actually sent (headers, parsed body, cadence) rather than on the agent's internals.
 *
 * @module
 */

import type { EndpointName } from "./endpoints.ts";

/** One answered request. */
export interface LoggedRequest {
  /** Upper-case method. */
  readonly method: string;
  /** Path without query. */
  readonly path: string;
  /** The endpoint the path belongs to, or `null` for unknown paths. */
  readonly endpoint: EndpointName | null;
  /** Query parameters (last value wins, like the CP). */
  readonly query: Readonly<Record<string, string>>;
  /** Request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON body, the raw text when it is not JSON, `undefined` when empty. */
  readonly body: unknown;
  /** Arrival time. */
  readonly time: Date;
  /** Status answered. */
  readonly status: number;
  /** True when the answer was a scheduled failure. */
  readonly injected: boolean;
}

/** Append-only log of answered requests. */
export class RequestLog {
  readonly #entries: LoggedRequest[] = [];

  /** All entries, oldest first. */
  get entries(): readonly LoggedRequest[] {
    return this.#entries;
  }

  /** Appends one entry. */
  record(entry: LoggedRequest): void {
    this.#entries.push(Object.freeze(entry));
  }

  /** Entries of one endpoint, oldest first. */
  to(endpoint: EndpointName): LoggedRequest[] {
    return this.#entries.filter((entry) => entry.endpoint === endpoint);
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.length = 0;
  }
}

/** Parses a logged body: JSON when possible, raw text otherwise, `undefined` when empty. */
export function parseLoggedBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
