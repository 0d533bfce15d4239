/**
 * Answers of `POST /sync` in the agent's contract (see src/cli/sync_result.ts), for the fake agent:
 * plans with and without changes, items that cannot be applied, full and partial syncs, a section
 * that could not run, deletes held back by the mass-deletion guard.
 *
 * @module
 */

import type { SyncItem, SyncResult, SyncSection } from "../../src/cli/sync_result.ts";

/** A section whose summary is counted from its items, as the agent does. */
export function section(
  items: SyncItem[],
  extra: Partial<Omit<SyncSection, "items" | "summary">> = {},
): SyncSection {
  const summary = { create: 0, update: 0, delete: 0, unchanged: 0, failed: 0 };
  for (const item of items) {
    if (item.error !== undefined || item.status === "failed") summary.failed++;
    else summary[item.action]++;
  }
  return { status: "ok", ...extra, summary, items };
}

const RATE_LIMIT: SyncItem = {
  kind: "policy",
  id: "5d0f1f6e-3c1a-4b58-9a53-0d3c1d3a0001",
  name: "default-rate-limit",
  action: "create",
  target: "global",
  changes: [
    { field: "config.minute", after: 100 },
    { field: "enabled", after: true },
  ],
};

const CORS: SyncItem = {
  kind: "policy",
  id: "5d0f1f6e-3c1a-4b58-9a53-0d3c1d3a0002",
  name: "cors-public",
  action: "update",
  target: "service orders-api",
  changes: [{ field: "config.origins", before: ["*"], after: ["https://app.example"] }],
};

const IP_FILTER: SyncItem = {
  kind: "policy",
  id: "5d0f1f6e-3c1a-4b58-9a53-0d3c1d3a0003",
  name: "office-only",
  action: "unchanged",
  target: "service users-api",
  changes: [],
};

const OLD_ROUTE: SyncItem = {
  kind: "route",
  id: "7a9e2c44-8f0b-4d7e-b1f2-6c5d4e3f0001",
  name: "old-api",
  action: "delete",
  target: "service stoa-old-api",
  changes: [{ field: "path", before: "/apis/old" }],
  generation: 3,
};

const SKIPPED_CREDENTIALS = section([], {
  status: "skipped",
  error: "Vault is not configured (VAULT_ADDR unset)",
});

/** A plan with one create, one update and one delete pending. */
export const PLAN_WITH_CHANGES: SyncResult = {
  dry_run: true,
  policies: section([RATE_LIMIT, CORS, IP_FILTER]),
  routes: section([OLD_ROUTE]),
  credentials: SKIPPED_CREDENTIALS,
};

/** A plan where the gateway already matches. */
export const PLAN_NO_CHANGES: SyncResult = {
  dry_run: true,
  policies: section([IP_FILTER]),
  routes: section([]),
};

/** A plan with an item the gateway cannot express. */
export const PLAN_INVALID_ITEM: SyncResult = {
  dry_run: true,
  policies: section([
    RATE_LIMIT,
    {
      kind: "policy",
      id: "5d0f1f6e-3c1a-4b58-9a53-0d3c1d3a0004",
      name: "partner-jwt",
      action: "create",
      error: "jwt_validation with jwks_url needs Kong Enterprise (openid-connect)",
      changes: [],
    },
  ]),
  routes: section([]),
};

/** A sync where every item succeeded. */
export const SYNC_APPLIED: SyncResult = {
  dry_run: false,
  policies: section([
    { ...RATE_LIMIT, status: "applied" },
    { ...CORS, status: "applied" },
    { ...IP_FILTER, status: "unchanged" },
  ]),
  routes: section([{ ...OLD_ROUTE, status: "removed" }]),
};

/** A sync where one item failed (HTTP 207). */
export const SYNC_PARTIAL: SyncResult = {
  dry_run: false,
  policies: section([
    { ...RATE_LIMIT, status: "applied" },
    {
      ...CORS,
      status: "failed",
      error: "Kong answered 400: schema violation (config.origins: expected an array)",
    },
  ]),
  routes: section([]),
};

/** A sync where the routes could not be synchronised at all (HTTP 502). */
export const SYNC_SECTION_FAILED: SyncResult = {
  dry_run: false,
  policies: section([{ ...IP_FILTER, status: "unchanged" }]),
  routes: section([], {
    status: "failed",
    error: "cannot read the route table: the Control Plane answered 503",
  }),
};

/** A sync whose route deletes were held back by the mass-deletion guard. */
export const SYNC_HELD: SyncResult = {
  dry_run: false,
  policies: section([{ ...IP_FILTER, status: "unchanged" }]),
  routes: section([{ ...OLD_ROUTE, status: "held" }], {
    status: "held",
    held: {
      reason: "the Control Plane's route list dropped most owned routes at once",
      deletes: 1,
      owned: 1,
    },
  }),
};

/** A plan of an agent whose adapter cannot sync: every kind skipped. */
export const PLAN_ALL_SKIPPED: SyncResult = {
  dry_run: true,
  policies: section([], { status: "skipped", error: "the kong adapter of this build cannot sync" }),
  routes: section([], { status: "skipped", error: "the kong adapter of this build cannot sync" }),
  credentials: SKIPPED_CREDENTIALS,
};
