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
