/**
 * The connection to one Gravitee APIM Management API: authentication (basic or bearer), the
 * organisation and environment every path is scoped to, and calls that check the status and the
 * shape of the answer and fail with an error naming the call and the setting to check.
 *
 * @module
 */

import { z } from "zod";
import { AdminHttpClient, type AdminResponse, GatewayHttpError } from "../admin_http.ts";
import { displayUrl, joinUrl, type Query, segment } from "../../http/url.ts";
import {
  type GraviteeAuthMode,
  type GraviteeCallContext,
  graviteeStatusError,
  graviteeUnreachableError,
} from "./gravitee_errors.ts";

/** Organisation and environment used when none is configured. */
export const GRAVITEE_DEFAULT_SCOPE = "DEFAULT";

/** Options of {@linkcode GraviteeClient} (and of the adapter). */
export interface GraviteeConnectionOptions {
  /**
   * Management API base URL, e.g. `http://localhost:8083`. A trailing `/management` or
   * `/management/v2` is accepted and removed; any other path prefix (a reverse proxy) is kept.
   */
  readonly adminUrl: string | URL;
  /** Personal access token, sent as `Authorization: Bearer` (wins over user and password). */
  readonly token?: string;
  /** Basic-auth user. */
  readonly user?: string;
  /** Basic-auth password. */
  readonly password?: string;
  /** Organisation id (default `DEFAULT`). */
  readonly organization?: string;
  /** Environment id (default `DEFAULT`). */
  readonly environment?: string;
  /** Per-call timeout in milliseconds (default 10 s). */
  readonly timeoutMs?: number;
  /** The fetch implementation, for tests. */
  readonly fetch?: typeof fetch;
}

/** Options of one call. */
export interface GraviteeCall<T extends z.ZodType | undefined> {
  /** Query parameters. */
  readonly query?: Query;
  /** JSON body. */
  readonly body?: unknown;
  /** Statuses that count as success (default 200). */
  readonly expected?: readonly number[];
  /** Schema of the answer; omitted for answers without a body (204, 202). */
  readonly schema?: T;
  /** Aborts the call. */
  readonly signal?: AbortSignal;
}

/** JSON client bound to one Management API, organisation and environment. */
export class GraviteeClient {
  /** The underlying HTTP client. */
  readonly http: AdminHttpClient;
  /** Connection facts for error messages. */
  readonly context: GraviteeCallContext;

  /** Creates the client; no call is made. */
  constructor(options: GraviteeConnectionOptions) {
    const auth = authOf(options);
    this.http = new AdminHttpClient({
      baseUrl: managementRoot(options.adminUrl),
      headers: auth.headers,
      timeoutMs: options.timeoutMs,
      fetch: options.fetch,
    });
    this.context = {
      auth: auth.mode,
      organization: options.organization || GRAVITEE_DEFAULT_SCOPE,
      environment: options.environment || GRAVITEE_DEFAULT_SCOPE,
    };
  }

  /** Number of calls made so far. */
  get calls(): number {
    return this.http.calls;
  }

  /** `management/v2/organizations/{org}`. */
  organizationPath(): string {
    return `management/v2/organizations/${segment(this.context.organization)}`;
  }

  /** A v2 path below the environment, e.g. `apis` → `management/v2/organizations/O/environments/E/apis`. */
  v2(path: string): string {
    return `${this.organizationPath()}/environments/${segment(this.context.environment)}${
      path ? `/${path}` : ""
    }`;
  }

  /** A v1 path below the environment (applications live only in v1). */
  v1(path: string): string {
    return `management/organizations/${segment(this.context.organization)}/environments/${
      segment(this.context.environment)
    }/${path}`;
  }

  /** `METHOD url` without credentials or query, for messages. */
  describe(method: string, path: string): string {
    return `${method} ${displayUrl(joinUrl(this.http.baseUrl, path))}`;
  }

  /** Sends one call and returns the raw answer; throws only when nothing answered. */
  async send(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<AdminResponse> {
    try {
      return await this.http.send(method, path, options);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      throw graviteeUnreachableError(error);
    }
  }

  /**
   * Sends one call, checks the status (default 200) and, when a schema is given, the shape of the
   * answer. Throws a `GatewayHttpError` saying what went wrong and what to check.
   */
  async call<T extends z.ZodType | undefined = undefined>(
    method: string,
    path: string,
    options: GraviteeCall<T> = {},
  ): Promise<T extends z.ZodType ? z.infer<T> : undefined> {
    const response = await this.send(method, path, options);
    const call = this.describe(method, path);
    if (!(options.expected ?? [200]).includes(response.status)) {
      throw graviteeStatusError({
        call,
        status: response.status,
        body: response.body,
        context: this.context,
      });
    }
    if (!options.schema) return undefined as T extends z.ZodType ? z.infer<T> : undefined;
    const parsed = options.schema.safeParse(response.body);
    if (!parsed.success) {
      throw new GatewayHttpError(
        `Gravitee answered ${call} with an unexpected body: ${
          oneLine(z.prettifyError(parsed.error))
        }`,
        { status: response.status, body: response.body },
      );
    }
    return parsed.data as T extends z.ZodType ? z.infer<T> : undefined;
  }
}

/** The Management API root: the configured URL without a trailing `/management[/v2]`. */
export function managementRoot(adminUrl: string | URL): URL {
  const url = new URL(adminUrl);
  url.pathname = url.pathname.replace(/\/+$/, "").replace(/\/management(\/v2)?$/, "") || "/";
  return url;
}

function authOf(
  options: GraviteeConnectionOptions,
): { mode: GraviteeAuthMode; headers: Record<string, string> } {
  if (options.token) {
    return { mode: "bearer", headers: { authorization: `Bearer ${options.token}` } };
  }
  if (options.user) {
    const pair = new TextEncoder().encode(`${options.user}:${options.password ?? ""}`);
    return {
      mode: "basic",
      headers: { authorization: `Basic ${btoa(String.fromCharCode(...pair))}` },
    };
  }
  return { mode: "none", headers: {} };
}

/** zod's readable report on one line ("✖ expected string → at data[0].name; …"). */
function oneLine(report: string): string {
  return report.split("\n").map((line) => line.trim()).filter(Boolean).join(" ")
    .replace(/ ✖ /g, "; ✖ ");
}
