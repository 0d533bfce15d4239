/**
 * Turns failed Gravitee Management API calls into errors that say what happened and which setting
 * to check. Gravitee's own message (`Error.message`, plus `details[].message` of validation
 * errors) is kept: it is usually the most precise part ("API is already started").
 *
 * @module
 */

import { z } from "zod";
import { excerpt, GatewayHttpError } from "../admin_http.ts";
import { GraviteeErrorSchema } from "./gravitee_types.ts";

/** How the adapter authenticates, to point at the right variables. */
export type GraviteeAuthMode = "basic" | "bearer" | "none";

/** What the adapter knows about the connection, for messages. */
export interface GraviteeCallContext {
  /** Authentication in use. */
  readonly auth: GraviteeAuthMode;
  /** Organisation id (`STOA_GRAVITEE_ORGANIZATION`). */
  readonly organization: string;
  /** Environment id (`STOA_GRAVITEE_ENVIRONMENT`). */
  readonly environment: string;
}

/** The v1 envelope (applications): `{message, http_status}`. */
const V1ErrorSchema = GraviteeErrorSchema.omit({ httpStatus: true }).extend({
  http_status: z.number().int(),
});

/** Gravitee's message from a v2 or v1 error body, or a short excerpt of whatever came back. */
export function graviteeMessage(body: unknown): string {
  const v2 = GraviteeErrorSchema.safeParse(body);
  const parsed = v2.success ? v2 : V1ErrorSchema.safeParse(body);
  if (!parsed.success || !parsed.data.message) return excerpt(body);
  const details = (parsed.data.details ?? [])
    .map((detail) => detail.message)
    .filter((message): message is string => Boolean(message));
  return details.length > 0
    ? `${parsed.data.message} (${details.join("; ")})`
    : parsed.data.message;
}

/** True when a 401/403 body is Gravitee's: empty (token filter) or its `Error` envelope. */
export function isGraviteeRefusal(status: number, body: unknown): boolean {
  if (status !== 401 && status !== 403) return false;
  return body === undefined || body === "" || GraviteeErrorSchema.safeParse(body).success;
}

/** The error for a call Gravitee answered with an unexpected status. */
export function graviteeStatusError(options: {
  readonly call: string;
  readonly status: number;
  readonly body: unknown;
  readonly context: GraviteeCallContext;
}): GatewayHttpError {
  const { call, status, body, context } = options;
  const said = graviteeMessage(body);
  let message: string;
  if (status === 401) {
    message = context.auth === "bearer"
      ? `Gravitee Management API refused the token (401) on ${call}: check STOA_GATEWAY_ADMIN_TOKEN (a personal access token of a Gravitee user)`
      : context.auth === "basic"
      ? `Gravitee Management API refused the user and password (401) on ${call}: check STOA_GATEWAY_ADMIN_USER and STOA_GATEWAY_ADMIN_PASSWORD`
      : `Gravitee Management API requires credentials (401) on ${call}: set STOA_GATEWAY_ADMIN_USER and STOA_GATEWAY_ADMIN_PASSWORD, or STOA_GATEWAY_ADMIN_TOKEN`;
  } else if (status === 403) {
    message =
      `Gravitee Management API denied ${call} (403): ${said}; the Gravitee user needs API and application management rights in environment '${context.environment}' of organisation '${context.organization}'`;
  } else if (
    status === 404 && GraviteeErrorSchema.safeParse(body).success && !/^HTTP 404/.test(said)
  ) {
    // Gravitee's own "not found" (an API, a plan…): the message names what is missing.
    message = `Gravitee Management API answered ${call} with 404: ${said}`;
  } else if (status === 404) {
    message =
      `Gravitee Management API has no ${call} (404): check that STOA_GATEWAY_ADMIN_URL is the Management API (usually port 8083, not the gateway's 8082) and that organisation '${context.organization}' and environment '${context.environment}' exist (STOA_GRAVITEE_ORGANIZATION, STOA_GRAVITEE_ENVIRONMENT)`;
  } else if (status >= 500) {
    message =
      `Gravitee Management API failed on ${call} (${status}): ${said}; check the Management API logs`;
  } else {
    message = `Gravitee Management API answered ${call} with ${status}: ${said}`;
  }
  return new GatewayHttpError(message, { status, body });
}

/** The error for a call that got no answer (connection refused, DNS, timeout). */
export function graviteeUnreachableError(error: unknown): GatewayHttpError {
  const detail = error instanceof Error ? error.message : String(error);
  return new GatewayHttpError(
    `Gravitee Management API unreachable: ${detail} (check STOA_GATEWAY_ADMIN_URL; the Management API listens on port 8083 by default)`,
    { cause: error },
  );
}
