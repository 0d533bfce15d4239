/**
 * Failures a test schedules in front of the CP: the next N matching requests get a chosen status,
 * body and headers (e.g. 503 with `Retry-After`) without touching state, and every request can be
 * slowed down. This stands for the load balancer, database or network trouble the real CP has.
 *
 * @module
 */

import { defaultErrorBody } from "./errors.ts";

/** One scheduled failure. */
export interface FailureRule {
  /** How many matching requests fail (default 1). */
  readonly count?: number;
  /** Status to answer with. */
  readonly status: number;
  /**
   * Body: an object is sent as JSON, a string as `text/plain` (e.g. a proxy's HTML page).
   * Default: the CP's own error body for that status.
   */
  readonly body?: unknown;
  /** Extra response headers, e.g. `{ "Retry-After": "2" }`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Only requests whose path contains this text, or matches this pattern (default: all). */
  readonly path?: string | RegExp;
  /** Only requests with this method (default: all). */
  readonly method?: string;
}

/** Pending failures, consumed first-scheduled first. */
export class FaultInjector {
  readonly #pending: { rule: FailureRule; remaining: number }[] = [];

  /** Schedules a failure. */
  add(rule: FailureRule): void {
    const count = rule.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError("count must be >= 1");
    this.#pending.push({ rule, remaining: count });
  }

  /** Failures not yet consumed. */
  get pending(): number {
    return this.#pending.reduce((total, entry) => total + entry.remaining, 0);
  }

  /** Drops every scheduled failure. */
  clear(): void {
    this.#pending.length = 0;
  }

  /** Consumes and returns the failure for this request, if one matches. */
  take(method: string, path: string): FailureRule | undefined {
    const index = this.#pending.findIndex(({ rule }) =>
      (rule.method === undefined || rule.method.toUpperCase() === method) &&
      (rule.path === undefined ||
        (typeof rule.path === "string" ? path.includes(rule.path) : rule.path.test(path)))
    );
    if (index < 0) return undefined;
    const entry = this.#pending[index];
    entry.remaining--;
    if (entry.remaining === 0) this.#pending.splice(index, 1);
    return entry.rule;
  }
}

/** The response for a consumed failure. */
export function failureResponse(rule: FailureRule): Response {
  const headers = new Headers(rule.headers);
  const body = rule.body === undefined ? defaultErrorBody(rule.status) : rule.body;
  if (typeof body === "string") {
    if (!headers.has("content-type")) headers.set("content-type", "text/plain; charset=utf-8");
    return new Response(body, { status: rule.status, headers });
  }
  if (!headers.has("content-type")) headers.set("content-type", "application/json");
  return new Response(JSON.stringify(body), { status: rule.status, headers });
}
