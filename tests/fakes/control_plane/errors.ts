/**
 * The CP's error answers, byte for byte (contract §1.3): agents match on these texts and statuses,
 * so they live in one place.
 *
 * @module
 */

import type { ValidationIssue } from "./validation.ts";

/** Exact `detail` strings of the CP's error bodies. */
export const DETAIL = {
  invalidKey: "Invalid gateway key",
  noKeys: "Gateway registration disabled (no GATEWAY_API_KEYS configured)",
  gatewayNotFound: "Gateway instance not found",
  conflict: "Conflict: a resource with this identifier already exists.",
  databaseUnavailable: "Database service unavailable. Please retry later.",
  internal: "Internal server error.",
  notFound: "Not Found",
  methodNotAllowed: "Method Not Allowed",
} as const;

/** `{"detail": "<message>"}` with the given status, as FastAPI renders an `HTTPException`. */
export function detailResponse(
  status: number,
  detail: string,
  headers?: Readonly<Record<string, string>>,
): Response {
  return Response.json({ detail }, { status, headers });
}

/** The 422 answer: FastAPI's `detail` list of pydantic errors. */
export function validationResponse(issues: readonly ValidationIssue[]): Response {
  return Response.json({ detail: issues }, { status: 422 });
}

/**
 * The body the CP would most plausibly send with `status`, used when a test injects a failure
 * without choosing a body: the generic handlers of §1.3 for 409/500/503, FastAPI's phrase otherwise.
 */
export function defaultErrorBody(status: number): { detail: string } {
  switch (status) {
    case 401:
      return { detail: DETAIL.invalidKey };
    case 404:
      return { detail: DETAIL.gatewayNotFound };
    case 409:
      return { detail: DETAIL.conflict };
    case 500:
      return { detail: DETAIL.internal };
    case 503:
      return { detail: DETAIL.databaseUnavailable };
    default:
      return { detail: STATUS_PHRASES[status] ?? "Error" };
  }
}

const STATUS_PHRASES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  403: "Forbidden",
  408: "Request Timeout",
  429: "Too Many Requests",
  502: "Bad Gateway",
  504: "Gateway Timeout",
};
