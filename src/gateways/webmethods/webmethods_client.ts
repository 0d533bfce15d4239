/**
 * The connection to one webMethods API Gateway REST API: the `/rest/apigateway` base under the
 * admin URL, HTTP Basic authentication, and errors that say what happened and which setting to
 * check.
 *
 * @module
 */

import { AdminHttpClient, type AdminResponse, excerpt, GatewayHttpError } from "../admin_http.ts";
import { displayUrl, joinUrl, normaliseBaseUrl, type Query } from "../../http/url.ts";
import { errorDetails } from "./webmethods_types.ts";

/** Where the REST API lives below the Integration Server root (port 5555 by default). */
export const REST_BASE_PATH = "rest/apigateway/";

/** How to reach one webMethods API Gateway. */
export interface WebMethodsConnection {
  /**
   * Integration Server URL, e.g. `http://gateway:5555`; a URL that already ends with
   * `/rest/apigateway` is accepted as is.
   */
  readonly adminUrl: string | URL;
  /** API Gateway user (Basic authentication is sent when set). */
  readonly user?: string;
  /** Its password. */
  readonly password?: string;
  /** Per-call timeout in milliseconds (default 10 s). */
  readonly timeoutMs?: number;
  /** The fetch implementation, for tests. */
  readonly fetch?: typeof fetch;
}

/** Options of one call. */
export interface CallRequest {
  /** Query parameters. */
  readonly query?: Query;
  /** JSON body. */
  readonly body?: unknown;
  /** Abort signal. */
  readonly signal?: AbortSignal;
  /** Statuses that count as success (default `[200]`). */
  readonly expected?: readonly number[];
}

/** The REST API base (`…/rest/apigateway/`) for an admin URL given with or without it. */
export function restApiBase(adminUrl: string | URL): URL {
  const base = normaliseBaseUrl(adminUrl);
  if (!base.pathname.endsWith(`/${REST_BASE_PATH}`)) base.pathname += REST_BASE_PATH;
  return base;
}

/** A JSON client bound to one gateway's `/rest/apigateway`. */
export class WebMethodsClient {
  readonly #http: AdminHttpClient;
  readonly #userSet: boolean;

  /** Creates the client; no call is made. */
  constructor(connection: WebMethodsConnection) {
    const headers: Record<string, string> = {};
    if (connection.user) {
      const credentials = new TextEncoder().encode(
        `${connection.user}:${connection.password ?? ""}`,
      );
      headers.authorization = `Basic ${btoa(String.fromCharCode(...credentials))}`;
    }
    this.#userSet = Boolean(connection.user);
    this.#http = new AdminHttpClient({
      baseUrl: restApiBase(connection.adminUrl),
      headers,
      timeoutMs: connection.timeoutMs,
      fetch: connection.fetch,
    });
  }

  /** The REST API base URL, ending with `/rest/apigateway/`. */
  get baseUrl(): URL {
    return this.#http.baseUrl;
  }

  /** Calls made so far (diagnostics, benchmarks). */
  get calls(): number {
    return this.#http.calls;
  }

  /** `METHOD url` for messages, without credentials or query. */
  describe(method: string, path: string): string {
    return `${method} ${displayUrl(joinUrl(this.#http.baseUrl, path))}`;
  }

  /**
   * Sends one call and returns status and body whatever the status; throws a
   * {@linkcode GatewayHttpError} only when the gateway does not answer.
   */
  async send(
    method: string,
    path: string,
    request: Omit<CallRequest, "expected"> = {},
  ): Promise<AdminResponse> {
    try {
      return await this.#http.send(method, path, request);
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason ?? error;
      throw unreachableError(error);
    }
  }

  /** Sends one call and returns its body; any status outside `expected` throws. */
  async call(method: string, path: string, request: CallRequest = {}): Promise<unknown> {
    const response = await this.send(method, path, request);
    const expected = request.expected ?? [200];
    if (!expected.includes(response.status)) {
      throw this.statusError(method, path, response);
    }
    return response.body;
  }

  /** The error for an answer with an unexpected status, naming the call and what to check. */
  statusError(method: string, path: string, response: AdminResponse): GatewayHttpError {
    const call = this.describe(method, path);
    const { status, body } = response;
    const detail = errorDetails(body) ?? excerpt(body);
    let message: string;
    if (status === 401) {
      message = this.#userSet
        ? `webMethods API Gateway refused the credentials (401) on ${call}: check STOA_GATEWAY_ADMIN_USER and STOA_GATEWAY_ADMIN_PASSWORD`
        : `webMethods API Gateway requires credentials (401) on ${call}: set STOA_GATEWAY_ADMIN_USER and STOA_GATEWAY_ADMIN_PASSWORD (an API Gateway administrator)`;
    } else if (status === 403) {
      message =
        `webMethods API Gateway denied ${call} (403): the user in STOA_GATEWAY_ADMIN_USER needs the API Gateway Administrator role (or Provider, with Manage APIs, policies and applications)`;
    } else if (status === 404) {
      message = `webMethods API Gateway has no ${call} (404): ${detail}`;
    } else if (status >= 500) {
      message = `webMethods API Gateway failed on ${call} (${status}): ${detail}`;
    } else {
      message = `webMethods API Gateway answered ${call} with ${status}: ${detail}`;
    }
    return new GatewayHttpError(message, { status, body });
  }
}

/** The error for a call that got no answer (connection refused, DNS, timeout). */
function unreachableError(error: unknown): GatewayHttpError {
  const detail = error instanceof Error ? error.message : String(error);
  return new GatewayHttpError(
    `webMethods API Gateway unreachable: ${detail} (check STOA_GATEWAY_ADMIN_URL: the Integration Server URL, usually http://<host>:5555)`,
    { cause: error },
  );
}
