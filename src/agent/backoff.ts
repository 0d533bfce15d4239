/**
 * Delays between attempts: capped exponential backoff with jitter, `Retry-After` honoured, and a
 * slow pace when the Control Plane rejects the key (retrying fast would not fix a wrong key).
 *
 * @module
 */

import { ControlPlaneError } from "../control_plane/errors.ts";

/** Shape of an exponential backoff. */
export interface BackoffOptions {
  /** First delay. */
  readonly initialMs: number;
  /** Largest delay. */
  readonly maxMs: number;
  /** Random spread as a fraction of the delay, e.g. 0.2 = ±20 % (default 0.2). */
  readonly jitter?: number;
  /** Source of randomness in [0, 1), for tests. */
  readonly random?: () => number;
}

/** Delay before attempt number `attempt` (1 = first retry): initial × 2^(attempt−1), capped. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  if (attempt <= 0) return 0;
  const exponential = options.initialMs * 2 ** Math.min(attempt - 1, 30);
  const capped = Math.min(options.maxMs, exponential);
  return applyJitter(capped, options.jitter ?? 0.2, options.random);
}

/** `ms` spread by ±`fraction` at random. */
export function applyJitter(
  ms: number,
  fraction: number,
  random: () => number = Math.random,
): number {
  if (fraction <= 0) return ms;
  return Math.max(0, Math.round(ms * (1 + fraction * (random() * 2 - 1))));
}

/** Slowest pace for retrying after the key was refused. */
export const UNAUTHORIZED_RETRY_MS = 60_000;

/** Longest `Retry-After` honoured: a maintenance page asking for days must not stop the agent. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * Delay after the `failures`-th consecutive failure with `error`: exponential backoff, at least the
 * `Retry-After` the Control Plane asked for (up to {@linkcode MAX_RETRY_AFTER_MS}), and at least a
 * minute after a 401.
 */
export function retryDelay(error: unknown, failures: number, options: BackoffOptions): number {
  let delay = backoffDelay(failures, options);
  if (error instanceof ControlPlaneError) {
    if (error.unauthorized) delay = Math.max(delay, UNAUTHORIZED_RETRY_MS);
    if (error.retryAfterMs !== undefined) {
      delay = Math.max(delay, Math.min(error.retryAfterMs, MAX_RETRY_AFTER_MS));
    }
  }
  return delay;
}
