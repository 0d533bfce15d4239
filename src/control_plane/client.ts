/**
 * Client of the Control Plane's internal gateway API (control-plane-contract.md §3–§9). One call
 * per method, a 15 s timeout, bodies validated with zod. It never retries by itself: the loops that
 * call it decide when to try again, honouring {@linkcode ControlPlaneError.retryAfterMs}.
 *
 * @module
 */

import type { z } from "zod";
import { displayUrl, joinUrl, normaliseBaseUrl, type Query, segment } from "../http/url.ts";
import { classifyNetworkError } from "../http/network_error.ts";
import { parseRetryAfter } from "../http/retry_after.ts";
import { ControlPlaneError, type CpEndpoint } from "./errors.ts";
import {
  describeZodError,
  type DiscoveredApiPayload,
  type DiscoveryReceipt,
  DiscoveryReceiptSchema,
  type GatewayConfig,
  GatewayConfigSchema,
  type HeartbeatRequest,
  type PolicySyncAck,
  type RegisteredGateway,
  RegisteredGatewaySchema,
  type RegisterRequest,
  RouteListSchema,
  type RouteSyncAck,
  type RouteSyncReceipt,
  RouteSyncReceiptSchema,
} from "./schemas.ts";

/** Timeout of every Control Plane call except the event stream's body. */
export const CP_TIMEOUT_MS = 15_000;
const API_PREFIX = "v1/internal/gateways";

/** Receives the duration and outcome of every call (for metrics). */
export type CallObserver = (endpoint: CpEndpoint, status: string, seconds: number) => void;

/** Options for {@linkcode ControlPlaneClient}. */
export interface ControlPlaneClientOptions {
  /** Control Plane base URL (`STOA_CONTROL_PLANE_URL`); a trailing slash is optional. */
  readonly baseUrl: string | URL;
  /** Gateway key (`STOA_GATEWAY_API_KEY`), sent as `X-Gateway-Key`. */
  readonly apiKey: string;
  /** Per-call timeout in ms (default 15 s). */
  readonly timeoutMs?: number;
  /** Called after every call. */
  readonly observe?: CallObserver;
  /** `User-Agent` header value. */
  readonly userAgent?: string;
  /** The fetch implementation, for tests. */
  readonly fetch?: typeof fetch;
}

/** Options of one call. */
export interface CpCallOptions {
  /** Aborts the call (shutdown). */
  readonly signal?: AbortSignal;
}

interface Call {
  readonly endpoint: CpEndpoint;
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly query?: Query;
  readonly body?: unknown;
  readonly expected: readonly number[];
  readonly signal?: AbortSignal;
}

/** The agent's connection to the Control Plane. */
export class ControlPlaneClient {
  readonly #base: URL;
  readonly #apiKey: string;
  readonly #timeoutMs: number;
  readonly #observe?: CallObserver;
  readonly #userAgent?: string;
  readonly #fetch: typeof fetch;

  /** Creates a client; no call is made. */
  constructor(options: ControlPlaneClientOptions) {
    this.#base = normaliseBaseUrl(options.baseUrl);
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.timeoutMs ?? CP_TIMEOUT_MS;
    this.#observe = options.observe;
    this.#userAgent = options.userAgent;
    this.#fetch = options.fetch ?? fetch;
  }

  /** The normalised base URL. */
  get baseUrl(): URL {
    return new URL(this.#base);
  }

  /** `POST /register` (§3): returns the gateway the Control Plane registered; a 2xx without id fails. */
  async register(body: RegisterRequest, options: CpCallOptions = {}): Promise<RegisteredGateway> {
    const answer = await this.#json({
      endpoint: "register",
      method: "POST",
      path: "register",
      body,
      expected: [200, 201],
      signal: options.signal,
    });
    return this.#validate("register", RegisteredGatewaySchema, answer);
  }

  /** `POST /{id}/heartbeat` (§4). */
  async heartbeat(
    gatewayId: string,
    body: HeartbeatRequest,
    options: CpCallOptions = {},
  ): Promise<void> {
    await this.#json({
      endpoint: "heartbeat",
      method: "POST",
      path: `${segment(gatewayId)}/heartbeat`,
      body,
      expected: [200, 204],
      signal: options.signal,
    });
  }

  /** `POST /{id}/discovery` (§5): the full list of APIs found on the gateway. */
  async reportDiscovery(
    gatewayId: string,
    apis: readonly DiscoveredApiPayload[],
    options: CpCallOptions = {},
  ): Promise<DiscoveryReceipt> {
    const answer = await this.#json({
      endpoint: "discovery",
      method: "POST",
      path: `${segment(gatewayId)}/discovery`,
      body: { apis },
      expected: [200, 204],
      signal: options.signal,
    });
    return this.#validate("discovery", DiscoveryReceiptSchema, answer ?? {});
  }

  /** `GET /{id}/config` (§6): pending policies and deployments (items unvalidated). */
  async fetchConfig(gatewayId: string, options: CpCallOptions = {}): Promise<GatewayConfig> {
    const answer = await this.#json({
      endpoint: "config",
      method: "GET",
      path: `${segment(gatewayId)}/config`,
      expected: [200],
      signal: options.signal,
    });
    return this.#validate("config", GatewayConfigSchema, answer);
  }

  /** `POST /{id}/sync-ack` (§8.4). */
  async ackPolicies(
    gatewayId: string,
    body: PolicySyncAck,
    options: CpCallOptions = {},
  ): Promise<void> {
    await this.#json({
      endpoint: "sync-ack",
      method: "POST",
      path: `${segment(gatewayId)}/sync-ack`,
      body,
      expected: [200, 204],
      signal: options.signal,
    });
  }

  /** `GET /routes?gateway_name=` (§8.2): raw items, to be validated one by one. */
  async fetchRoutes(gatewayName: string, options: CpCallOptions = {}): Promise<unknown[]> {
    const answer = await this.#json({
      endpoint: "routes",
      method: "GET",
      path: "routes",
      query: { gateway_name: gatewayName },
      expected: [200],
      signal: options.signal,
    });
    return this.#validate("routes", RouteListSchema, answer ?? null);
  }

  /** `POST /{id}/route-sync-ack` (§8.3). */
  async ackRoutes(
    gatewayId: string,
    body: RouteSyncAck,
    options: CpCallOptions = {},
  ): Promise<RouteSyncReceipt> {
    const answer = await this.#json({
      endpoint: "route-sync-ack",
      method: "POST",
      path: `${segment(gatewayId)}/route-sync-ack`,
      body,
      expected: [200, 204],
      signal: options.signal,
    });
    return this.#validate("route-sync-ack", RouteSyncReceiptSchema, answer ?? {});
  }

  /**
   * `GET /{id}/events` (§9): opens the event stream and returns its body once the Control Plane
   * answered 200. The timeout covers the wait for headers only; the body has none.
   */
  async openEvents(
    gatewayId: string,
    options: CpCallOptions = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const connect = new AbortController();
    const timer = setTimeout(
      () => connect.abort(new DOMException("timeout", "TimeoutError")),
      this.#timeoutMs,
    );
    const signal = options.signal
      ? AbortSignal.any([options.signal, connect.signal])
      : connect.signal;
    try {
      const response = await this.#send(
        {
          endpoint: "events",
          method: "GET",
          path: `${segment(gatewayId)}/events`,
          expected: [200],
        },
        signal,
        { accept: "text/event-stream", "cache-control": "no-cache" },
        () => connect.signal.aborted,
      );
      if (!response.body) {
        throw new ControlPlaneError({
          endpoint: "events",
          kind: "invalid-response",
          detail: "the event stream has no body",
        });
      }
      return response.body;
    } finally {
      clearTimeout(timer);
    }
  }

  async #json(call: Call): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    const response = await this.#send(
      call,
      signal,
      { accept: "application/json" },
      () => timeout.aborted,
    );
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw this.#transportError(call.endpoint, error, timeout.aborted);
    }
    if (text === "") return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new ControlPlaneError({
        endpoint: call.endpoint,
        kind: "invalid-response",
        detail: `the body is not JSON (${text.slice(0, 120)})`,
      });
    }
  }

  async #send(
    call: Call,
    signal: AbortSignal,
    headers: Record<string, string>,
    timedOut: () => boolean,
  ): Promise<Response> {
    const url = joinUrl(this.#base, `${API_PREFIX}/${call.path}`, call.query);
    const requestHeaders: Record<string, string> = { ...headers, "x-gateway-key": this.#apiKey };
    if (this.#userAgent) requestHeaders["user-agent"] = this.#userAgent;
    let body: string | undefined;
    if (call.body !== undefined) {
      requestHeaders["content-type"] = "application/json";
      body = JSON.stringify(call.body);
    }
    const started = performance.now();
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method: call.method,
        headers: requestHeaders,
        body,
        signal,
      });
    } catch (error) {
      const failure = this.#transportError(call.endpoint, error, timedOut());
      this.#observe?.(call.endpoint, failure.kind, (performance.now() - started) / 1000);
      throw failure;
    }
    this.#observe?.(call.endpoint, String(response.status), (performance.now() - started) / 1000);
    if (!call.expected.includes(response.status)) {
      const text = await response.text().catch(() => "");
      throw new ControlPlaneError({
        endpoint: call.endpoint,
        kind: "http",
        status: response.status,
        detail: errorDetail(text) || `${call.method} ${displayUrl(url)}`,
        retryAfterMs: parseRetryAfter(response.headers.get("retry-after")),
      });
    }
    return response;
  }

  #transportError(endpoint: CpEndpoint, error: unknown, timedOut: boolean): ControlPlaneError {
    if (timedOut) {
      return new ControlPlaneError({
        endpoint,
        kind: "timeout",
        detail: `no answer within ${this.#timeoutMs / 1000} s`,
        cause: error,
      });
    }
    if (error instanceof Error && error.name === "AbortError") {
      return new ControlPlaneError({
        endpoint,
        kind: "aborted",
        detail: "shutting down",
        cause: error,
      });
    }
    return new ControlPlaneError({
      endpoint,
      kind: "network",
      detail: classifyNetworkError(error).reason,
      cause: error,
    });
  }

  #validate<T extends z.ZodType>(endpoint: CpEndpoint, schema: T, value: unknown): z.output<T> {
    const result = schema.safeParse(value);
    if (!result.success) {
      throw new ControlPlaneError({
        endpoint,
        kind: "invalid-response",
        detail: describeZodError(result.error),
      });
    }
    return result.data;
  }
}

/** The `detail` of a FastAPI error body, flattened to one line. */
function errorDetail(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text.replace(/\s+/g, " ").trim().slice(0, 300);
  }
  const detail = (parsed as { detail?: unknown })?.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail.map((item) => {
      const entry = item as { loc?: unknown[]; msg?: string };
      return `${(entry.loc ?? []).join(".")}: ${entry.msg ?? "invalid"}`;
    }).join("; ");
  }
  return text.slice(0, 300);
}
