/**
 * `X-Gateway-Key` checking (contract §2): a plain membership test against the configured list,
 * 503 when the list is empty, 401 otherwise; any valid key may act on any gateway.
 *
 * @module
 */

import { DETAIL, detailResponse } from "./errors.ts";

/** The CP's `GATEWAY_API_KEYS` setting. */
export class GatewayKeys {
  #keys: readonly string[] = [];

  /** Starts with `keys` (a list, or the comma-separated env form). */
  constructor(keys: readonly string[] | string) {
    this.set(keys);
  }

  /** Replaces the list; entries are trimmed and empty ones dropped, like the CP's parser. */
  set(keys: readonly string[] | string): void {
    const entries = typeof keys === "string" ? keys.split(",") : keys.flatMap((k) => k.split(","));
    this.#keys = entries.map((key) => key.trim()).filter((key) => key.length > 0);
  }

  /** The effective list. */
  get list(): readonly string[] {
    return this.#keys;
  }

  /** The error answer for `key`, or `null` when it may proceed. */
  check(key: string): Response | null {
    if (this.#keys.length === 0) return detailResponse(503, DETAIL.noKeys);
    if (!this.#keys.includes(key)) return detailResponse(401, DETAIL.invalidKey);
    return null;
  }
}
