/**
 * A small JSON client for gateway admin APIs: one base URL, fixed auth headers, a timeout per call,
 * escaped paths, errors that name the call and the status without leaking credentials.
 *
 * @module
 */

import { redact } from "../observability/redact.ts";
import { classifyNetworkError } from "../http/network_error.ts";
import { displayUrl, joinUrl, normaliseBaseUrl, type Query } from "../http/url.ts";

/** Default per-call timeout for admin APIs. */
export const ADMIN_TIMEOUT_MS = 10_000;
/** How much of an error body is kept in an error message. */
const BODY_EXCERPT_LENGTH = 300;

/** Options for {@linkcode AdminHttpClient}. */
export interface AdminHttpOptions {
  /** Admin API base URL, e.g. `http://localhost:8001`. */
  readonly baseUrl: string | URL;
  /** Headers sent on every call (authentication). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-call timeout in milliseconds (default 10 s). */
  readonly timeoutMs?: number;
  /** The fetch implementation, for tests. */
  readonly fetch?: typeof fetch;
}

/** Options of one admin call. */
export interface AdminRequest {
  /** Query parameters (escaped). */
  readonly query?: Query;
  /** JSON body. */
  readonly body?: unknown;
  /** Abort signal (shutdown). */
  readonly signal?: AbortSignal;
}

/** The answer of one admin call. */
export interface AdminResponse {
  /** HTTP status. */
  readonly status: number;
  /** Parsed JSON body, or the raw text when it is not JSON, or `undefined` when empty. */
  readonly body: unknown;
}

/** An admin call that failed: network error, timeout or unexpected status. */
export class GatewayHttpError extends Error {
  /** HTTP status, or `undefined` for network errors and timeouts. */
  readonly status: number | undefined;
  /** Parsed error body when there was one. */
  readonly body: unknown;

  /** Builds the error; `message` is redacted. */
  constructor(message: string, options: { status?: number; body?: unknown; cause?: unknown }) {
    super(redact(message), { cause: options.cause });
    this.name = "GatewayHttpError";
    this.status = options.status;
    this.body = options.body;
  }
}

/** JSON client bound to one gateway admin API. */
export class AdminHttpClient {
  readonly #base: URL;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  #calls = 0;

  /** Creates a client; the base URL is normalised to end with `/`. */
  constructor(options: AdminHttpOptions) {
    this.#base = normaliseBaseUrl(options.baseUrl);
    this.#headers = options.headers ?? {};
    this.#timeoutMs = options.timeoutMs ?? ADMIN_TIMEOUT_MS;
    this.#fetch = options.fetch ?? fetch;
  }

  /** The normalised base URL. */
  get baseUrl(): URL {
    return new URL(this.#base);
  }

  /** Number of calls made so far (for benchmarks and diagnostics). */
  get calls(): number {
    return this.#calls;
  }

  /**
   * Sends one call and returns status and body whatever the status. Throws
   * {@linkcode GatewayHttpError} only on network errors and timeouts.
   */
  async send(method: string, path: string, request: AdminRequest = {}): Promise<AdminResponse> {
    const url = joinUrl(this.#base, path, request.query);
    const headers: Record<string, string> = { accept: "application/json", ...this.#headers };
    let body: string | undefined;
    if (request.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(request.body);
    }
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    this.#calls++;
    let response: Response;
    try {
      response = await this.#fetch(url, { method, headers, body, signal });
    } catch (error) {
      throw new GatewayHttpError(
        `${method} ${displayUrl(url)} failed: ${
          describeFetchError(error, timeout, this.#timeoutMs)
        }`,
        { cause: error },
      );
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new GatewayHttpError(
        `${method} ${displayUrl(url)} failed while reading the answer: ${
          describeFetchError(error, timeout, this.#timeoutMs)
        }`,
        { cause: error },
      );
    }
    return { status: response.status, body: parseBody(text) };
  }

  /**
   * Sends one call and returns the body when the status is one of `expected` (default: 200);
   * throws {@linkcode GatewayHttpError} otherwise.
   */
  async json(
    method: string,
    path: string,
    request: AdminRequest & { readonly expected?: readonly number[] } = {},
  ): Promise<unknown> {
    const response = await this.send(method, path, request);
    const expected = request.expected ?? [200];
    if (!expected.includes(response.status)) {
      throw new GatewayHttpError(
        `${method} ${displayUrl(joinUrl(this.#base, path))} returned ${response.status}: ${
          excerpt(response.body)
        }`,
        { status: response.status, body: response.body },
      );
    }
    return response.body;
  }
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A short single-line rendering of an error body. */
export function excerpt(body: unknown): string {
  const text = typeof body === "string" ? body : JSON.stringify(body) ?? "";
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > BODY_EXCERPT_LENGTH
    ? `${oneLine.slice(0, BODY_EXCERPT_LENGTH)}…`
    : oneLine || "(empty body)";
}

/**
 * Human text for a fetch failure: timeouts say so; connection errors name the real reason from
 * the cause chain (Deno only says "fetch failed" on top) in words operators search for.
 */
export function describeFetchError(
  error: unknown,
  timeout: AbortSignal,
  timeoutMs: number,
): string {
  if (timeout.aborted) return `timed out after ${timeoutMs / 1000} s`;
  if (error instanceof Error && error.name === "AbortError") return "aborted";
  return classifyNetworkError(error).reason;
}
