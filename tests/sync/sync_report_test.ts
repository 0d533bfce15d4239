import assert from "node:assert/strict";
import {
  type KindOutcome,
  kindReport,
  outcomeWithoutPlan,
  syncHttpStatus,
  syncReport,
} from "../../src/sync/sync_report.ts";
import type { Plan } from "../../src/sync/plan.ts";

const AT = new Date("2026-11-26T12:00:00Z");

const plan: Plan = {
  kind: "route",
  items: [
    {
      kind: "route",
      id: "d1",
      name: "orders",
      action: "create",
      target: "service orders",
      changes: [{ field: "path", after: "/apis/orders" }],
      generation: 3,
    },
    { kind: "route", id: "d2", name: "billing", action: "unchanged", changes: [] },
    {
      kind: "route",
      id: "d3",
      name: "bad",
      action: "create",
      changes: [],
      error: "name is missing",
    },
  ],
};

function outcome(overrides: Partial<KindOutcome> = {}): KindOutcome {
  return {
    kind: "route",
    status: "ok",
    plan,
    dryRun: false,
    at: AT.toISOString(),
    durationMs: 5,
    ...overrides,
  };
}

const applied = [
  {
    kind: "route" as const,
    id: "d1",
    name: "orders",
    action: "create" as const,
    status: "applied" as const,
    generation: 3,
    startedAt: AT,
    completedAt: AT,
  },
  {
    kind: "route" as const,
    id: "d2",
    name: "billing",
    action: "unchanged" as const,
    status: "unchanged" as const,
    startedAt: AT,
    completedAt: AT,
  },
  {
    kind: "route" as const,
    id: "d3",
    name: "bad",
    action: "create" as const,
    status: "failed" as const,
    error: "name is missing",
    startedAt: AT,
    completedAt: AT,
  },
];

Deno.test("a dry-run report lists the plan's items without status", () => {
  const report = kindReport(outcome({ dryRun: true }));
  assert.equal(report.status, "ok");
  assert.deepEqual(report.summary, { create: 1, update: 0, delete: 0, unchanged: 1, failed: 1 });
  assert.deepEqual(report.items[0], {
    kind: "route",
    id: "d1",
    name: "orders",
    action: "create",
    target: "service orders",
    changes: [{ field: "path", after: "/apis/orders" }],
    generation: 3,
  });
  assert.deepEqual(report.items[1], {
    kind: "route",
    id: "d2",
    name: "billing",
    action: "unchanged",
  });
  assert.equal(report.items[2].error, "name is missing");
  assert.ok(report.items.every((item) => item.status === undefined));
});

Deno.test("a run report carries each item's status and counts failures", () => {
  const report = kindReport(outcome({ results: applied }));
  assert.deepEqual(report.items.map((i) => i.status), ["applied", "unchanged", "failed"]);
  assert.deepEqual(report.summary, { create: 1, update: 0, delete: 0, unchanged: 1, failed: 1 });
});

Deno.test("held deletes are reported with the hold", () => {
  const held: Plan = {
    kind: "route",
    items: [{ kind: "route", id: "d9", name: "x", action: "delete", changes: [] }],
    held: { reason: "would delete 1 of the 1 routes", deletes: 1, owned: 1 },
  };
  const report = kindReport(outcome({
    status: "held",
    plan: held,
    results: [{
      kind: "route",
      id: "d9",
      name: "x",
      action: "delete",
      status: "held",
      error: "would delete 1 of the 1 routes",
      startedAt: AT,
      completedAt: AT,
    }],
  }));
  assert.equal(report.status, "held");
  assert.deepEqual(report.held, { reason: "would delete 1 of the 1 routes", deletes: 1, owned: 1 });
  assert.equal(report.items[0].status, "held");
  assert.equal(report.summary.delete, 1);
});

Deno.test("secret-looking change values are hidden", () => {
  const report = kindReport(outcome({
    dryRun: true,
    plan: {
      kind: "policy",
      items: [{
        kind: "policy",
        id: "p",
        name: "jwt",
        action: "update",
        changes: [
          { field: "config.client_secret", before: "old-value", after: "new-value" },
          { field: "config.minute", before: 1, after: 2 },
          { field: "config.key", after: "k-value" },
        ],
      }],
    },
  }));
  assert.deepEqual(report.items[0].changes, [
    { field: "config.client_secret", before: "[REDACTED]", after: "[REDACTED]" },
    { field: "config.minute", before: 1, after: 2 },
    { field: "config.key", after: "[REDACTED]" },
  ]);
});

Deno.test("HTTP status: 200 all good or dry run, 207 item failures, 502 a kind could not run", () => {
  const skipped = outcomeWithoutPlan({
    kind: "credential",
    status: "skipped",
    error: "credential sync is off: VAULT_ADDR is not set",
    dryRun: false,
  });
  const good = outcome({ plan: { kind: "route", items: [] }, results: [] });
  const partial = outcome({ results: applied });
  const down = outcomeWithoutPlan({
    kind: "policy",
    status: "failed",
    error: "config: cannot reach the Control Plane",
    dryRun: false,
  });
  const report = (policies: KindOutcome, routes: KindOutcome, dryRun = false) =>
    syncReport({ dryRun, policies: { ...policies, kind: "policy" }, routes, credentials: skipped });
  assert.equal(syncHttpStatus(report(good, good)), 200);
  assert.equal(syncHttpStatus(report(good, partial)), 207);
  assert.equal(syncHttpStatus(report(down, partial)), 502);
  assert.equal(syncHttpStatus(report(good, outcome({ dryRun: true }), true)), 200);
  assert.equal(syncHttpStatus(report(down, good, true)), 502);
  const body = report(good, good);
  assert.deepEqual(Object.keys(body), ["dry_run", "policies", "routes", "credentials"]);
  assert.deepEqual(body.credentials, {
    status: "skipped",
    error: "credential sync is off: VAULT_ADDR is not set",
    summary: { create: 0, update: 0, delete: 0, unchanged: 0, failed: 0 },
    items: [],
  });
});
