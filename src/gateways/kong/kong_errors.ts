/**
 * Turns failed Kong Admin API calls into errors that say what happened and what to check.
 *
 * @module
 */

import { excerpt, GatewayHttpError } from "../admin_http.ts";
import { displayUrl } from "../../http/url.ts";

/** What the adapter knows about the connection, to point at the right setting. */
export interface KongCallContext {
  /** True when a `Kong-Admin-Token` is sent. */
  readonly tokenSet: boolean;
  /** The Enterprise workspace, when one is configured. */
  readonly workspace?: string;
}

/** Describes a call for messages: method and URL without credentials or query. */
export function describeCall(method: string, url: URL | string): string {
  return `${method} ${displayUrl(url)}`;
}

/** Kong's RBAC answer to a missing or wrong token (Kong Enterprise). */
export function isKongAuthRefusal(status: number, body: unknown): boolean {
  return status === 401 && typeof body === "object" && body !== null &&
    /invalid (rbac )?credentials/i.test(String((body as Record<string, unknown>).message ?? ""));
}

/** The error for a call Kong answered with an unexpected status. */
export function kongStatusError(options: {
  readonly call: string;
  readonly status: number;
  readonly body: unknown;
  readonly context: KongCallContext;
}): GatewayHttpError {
  const { call, status, body, context } = options;
  let message: string;
  if (status === 401) {
    message = context.tokenSet
      ? `Kong admin API refused the token (401) on ${call}: check STOA_GATEWAY_ADMIN_TOKEN`
      : `Kong admin API requires a token (401) on ${call}: set STOA_GATEWAY_ADMIN_TOKEN to an RBAC user token (sent as Kong-Admin-Token)`;
  } else if (status === 403) {
    message =
      `Kong admin API denied ${call} (403): the RBAC role of STOA_GATEWAY_ADMIN_TOKEN needs read access${
        context.workspace ? ` in workspace '${context.workspace}'` : ""
      }`;
  } else if (status === 404) {
    message = context.workspace
      ? `Kong admin API has no ${call} (404): check STOA_KONG_WORKSPACE ('${context.workspace}') and that STOA_GATEWAY_ADMIN_URL is the Admin API (usually port 8001)`
      : `Kong admin API has no ${call} (404): check that STOA_GATEWAY_ADMIN_URL is the Kong Admin API (usually port 8001), not the proxy (8000)`;
  } else if (status >= 500) {
    message = `Kong admin API failed on ${call} (${status}): ${
      excerpt(body)
    }; check Kong's error log`;
  } else {
    message = `Kong admin API answered ${call} with ${status}: ${excerpt(body)}`;
  }
  return new GatewayHttpError(message, { status, body });
}

/** The error for a call that got no answer (connection refused, DNS, timeout). */
export function kongUnreachableError(error: unknown): GatewayHttpError {
  const detail = error instanceof Error ? error.message : String(error);
  return new GatewayHttpError(
    `Kong admin API unreachable: ${detail} (check STOA_GATEWAY_ADMIN_URL and that Kong's admin_listen accepts connections from this host)`,
    { cause: error },
  );
}

/**
 * The error for a write Kong refused, starting with what the agent tried (`create plugin
 * rate-limiting (global)`) and ending with what a person can do about it.
 */
export function kongWriteError(options: {
  readonly what: string;
  readonly call: string;
  readonly status: number;
  readonly body: unknown;
  readonly context: KongCallContext;
}): GatewayHttpError {
  const { what, call, status, body, context } = options;
  const kong = kongErrorBody(body);
  const said = kong.message ?? excerpt(body);
  let message: string;
  if (status === 409 && kong.code === 5 && isPluginScope(kong.fields)) {
    message =
      `cannot ${what}: Kong already has a plugin of that name on that scope which stoa-connect does not own (${said}); Kong allows one plugin of a name per service, route or consumer (or one global): remove that plugin, or target the policy at other APIs`;
  } else if (status === 409) {
    message = `cannot ${what}: Kong already has an object with the same ${
      kong.code === 3 ? "id" : "unique value"
    } that stoa-connect does not own (${said}); rename or remove that object in Kong`;
  } else if (status === 400) {
    message = `cannot ${what}: Kong refused it (${said})`;
  } else if (status === 405 && kong.code === 12) {
    message =
      `cannot ${what}: Kong now runs without a database (${said}); the next sync plans again in DB-less mode`;
  } else if (status === 404) {
    message =
      `cannot ${what}: Kong has no ${call} (404); an object it depends on was removed meanwhile, the next sync plans again`;
  } else if (status === 403) {
    message =
      `cannot ${what}: Kong denied ${call} (403): the RBAC role of STOA_GATEWAY_ADMIN_TOKEN needs write access${
        context.workspace ? ` in workspace '${context.workspace}'` : ""
      }`;
  } else {
    message = `cannot ${what}: ${kongStatusError({ call, status, body, context }).message}`;
  }
  return new GatewayHttpError(message, { status, body });
}

/** The parts of Kong's error body (`kong/db/errors.lua`) the messages use. */
export function kongErrorBody(
  body: unknown,
): { readonly code?: number; readonly message?: string; readonly fields?: unknown } {
  if (body === null || typeof body !== "object") return {};
  const record = body as Record<string, unknown>;
  return {
    code: typeof record.code === "number" ? record.code : undefined,
    message: typeof record.message === "string" ? record.message : undefined,
    fields: record.fields,
  };
}

/** Kong's unique violation on a plugin names the scope: `{name, service, route, consumer}`. */
function isPluginScope(fields: unknown): boolean {
  return fields !== null && typeof fields === "object" && "name" in fields &&
    ("service" in fields || "route" in fields || "consumer" in fields);
}
