/**
 * The error every failed Control Plane call produces: which endpoint, what happened, whether it is
 * worth retrying and when, and what the operator should do.
 *
 * @module
 */

import { redact } from "../observability/redact.ts";

/** The Control Plane endpoints the agent calls. */
export type CpEndpoint =
  | "register"
  | "heartbeat"
  | "discovery"
  | "config"
  | "sync-ack"
  | "routes"
  | "route-sync-ack"
  | "events";

/** How a call failed. */
export type CpFailureKind = "network" | "timeout" | "http" | "invalid-response" | "aborted";

/** Options for {@linkcode ControlPlaneError}. */
export interface ControlPlaneErrorOptions {
  /** The endpoint called. */
  readonly endpoint: CpEndpoint;
  /** How the call failed. */
  readonly kind: CpFailureKind;
  /** HTTP status, for `http` failures. */
  readonly status?: number;
  /** The Control Plane's `detail` text or a description of the problem. */
  readonly detail: string;
  /** Delay asked for by `Retry-After`. */
  readonly retryAfterMs?: number;
  /** The underlying error. */
  readonly cause?: unknown;
}

/** A failed Control Plane call. Its message is redacted and says what to do. */
export class ControlPlaneError extends Error {
  /** The endpoint called. */
  readonly endpoint: CpEndpoint;
  /** How the call failed. */
  readonly kind: CpFailureKind;
  /** HTTP status, for `http` failures. */
  readonly status?: number;
  /** Delay asked for by `Retry-After`, if any. */
  readonly retryAfterMs?: number;

  /** Builds the error and its operator-facing message. */
  constructor(options: ControlPlaneErrorOptions) {
    super(redact(describe(options)), { cause: options.cause });
    this.name = "ControlPlaneError";
    this.endpoint = options.endpoint;
    this.kind = options.kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** True when the Control Plane rejected the gateway key. */
  get unauthorized(): boolean {
    return this.status === 401;
  }

  /** True when the gateway id is unknown to the Control Plane (purged or deleted). */
  get notFound(): boolean {
    return this.status === 404;
  }

  /** True for failures that may go away by themselves: network, timeouts, 5xx, 429, 409. */
  get transient(): boolean {
    if (this.kind === "network" || this.kind === "timeout") return true;
    return this.status !== undefined && (this.status >= 500 || this.status === 429);
  }
}

function describe(options: ControlPlaneErrorOptions): string {
  const prefix = `${options.endpoint}: `;
  switch (options.kind) {
    case "network":
      return `${prefix}cannot reach the Control Plane (${options.detail}); check STOA_CONTROL_PLANE_URL and the network`;
    case "timeout":
      return `${prefix}the Control Plane did not answer in time (${options.detail})`;
    case "aborted":
      return `${prefix}call aborted (${options.detail})`;
    case "invalid-response":
      return `${prefix}the Control Plane sent an answer the agent cannot use: ${options.detail}`;
    case "http":
      return `${prefix}the Control Plane answered ${options.status}: ${options.detail}${
        hint(options.status, options.detail)
      }`;
  }
}

function hint(status: number | undefined, detail: string): string {
  switch (status) {
    case 401:
      return " — STOA_GATEWAY_API_KEY is invalid or expired; ask your STOA administrator for a valid gateway key";
    case 503:
      return detail.includes("GATEWAY_API_KEYS")
        ? " — the Control Plane has no gateway keys configured; ask your STOA administrator to set GATEWAY_API_KEYS"
        : " — the Control Plane is temporarily unavailable; the agent retries";
    case 404:
      return " — the Control Plane does not know this gateway id (purged or deleted); the agent registers again";
    case 422:
      return " — the Control Plane rejected the request body; please report this as a stoa-connect bug";
    case 429:
      return " — the Control Plane asks the agent to slow down; the agent retries later";
    default:
      return "";
  }
}
