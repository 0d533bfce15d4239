/**
 * Why a gateway admin API could not be used, sorted into what the operator fixes: the address
 * (unreachable), the credentials (refused), the product or URL (unrecognised) or the gateway
 * itself (failed). Used by `discover` and `doctor`, on the errors of the agent's own adapters.
 *
 * @module
 */

import { GatewayHttpError } from "../gateways/admin_http.ts";
import { displayUrl } from "../http/url.ts";
import { classifyNetworkError, type NetworkFailure } from "../http/network_error.ts";

/** A sorted gateway failure. */
export type GatewayFailure =
  | { readonly kind: "unreachable"; readonly network: NetworkFailure; readonly message: string }
  | { readonly kind: "refused"; readonly status: number; readonly message: string }
  | { readonly kind: "unrecognised"; readonly message: string }
  | { readonly kind: "failed"; readonly status?: number; readonly message: string };

function httpErrorIn(error: unknown): GatewayHttpError | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    if (current instanceof GatewayHttpError) return current;
    current = current.cause;
  }
  return undefined;
}

/** Sorts an error thrown by `resolveGateway`, a probe or a discovery. */
export function explainGatewayFailure(error: unknown, adminUrl: URL): GatewayFailure {
  const message = error instanceof Error ? error.message : String(error);
  const http = httpErrorIn(error);
  if (http && http.status === undefined) {
    const network = classifyNetworkError(error);
    return {
      kind: "unreachable",
      network,
      message: `cannot reach the gateway admin API at ${displayUrl(adminUrl)}: ${network.reason}`,
    };
  }
  if (http && (http.status === 401 || http.status === 403)) {
    return { kind: "refused", status: http.status, message: http.message };
  }
  if (!http || http.status === 200 || http.status === 404) {
    // Answered, but not as a supported gateway's admin API (or not at this path).
    return { kind: "unrecognised", message };
  }
  return { kind: "failed", status: http.status, message: http.message };
}
