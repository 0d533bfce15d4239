import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { WebhookEventMetrics } from "../../src/observability/webhook_metrics.ts";
import { type AgentView, createApp } from "../../src/server/app.ts";
import type { KindReport, SyncReport } from "../../src/sync/sync_report.ts";
import { FakeSyncAdapter } from "../fakes/fake_sync_adapter.ts";
import { startAgent } from "../agent/sync_support.ts";

const EMPTY = { create: 0, update: 0, delete: 0, unchanged: 0, failed: 0 };
const OK: KindReport = { status: "ok", summary: EMPTY, items: [] };
const SKIPPED: KindReport = {
  status: "skipped",
  error: "credential sync is off",
  summary: EMPTY,
  items: [],
};

function view(report: (dryRun: boolean) => SyncReport, calls: boolean[] = []): AgentView {
  return {
    health: () => ({ status: "ok", version: "0", gateway_id: "g", discovered_apis: 0 }),
    readiness: () => ({ status: "ready", reasons: [] }),
    status: () => ({}),
    metrics: () => Promise.resolve({ body: "", contentType: "text/plain" }),
    discoverNow: () => Promise.reject(new Error("unused")),
    syncNow: ({ dryRun }) => {
      calls.push(dryRun);
      return Promise.resolve(report(dryRun));
    },
    webhookEvents: new WebhookEventMetrics({ registry: new Registry() }),
  };
}

function post(
  agent: AgentView,
  path: string,
  options: { from?: string; token?: string; header?: string } = {},
): Promise<Response> {
  const app = createApp({
    agent,
    token: options.token,
    remoteAddress: () => options.from ?? "127.0.0.1",
  });
  const headers = options.header ? { authorization: options.header } : undefined;
  return Promise.resolve(app.request(path, { method: "POST", headers }));
}

Deno.test("POST /sync answers 200 when every item succeeded, with the report", async () => {
  const calls: boolean[] = [];
  const agent = view(
    (dryRun) => ({ dry_run: dryRun, policies: OK, routes: OK, credentials: SKIPPED }),
    calls,
  );
  const response = await post(agent, "/sync");
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), {
    dry_run: false,
    policies: OK,
    routes: OK,
    credentials: SKIPPED,
  });
  assert.deepEqual(calls, [false]);
});

Deno.test("POST /sync answers 207 when some items failed and 502 when a kind could not run", async () => {
  const partial: KindReport = {
    status: "ok",
    summary: { ...EMPTY, create: 1, failed: 1 },
    items: [
      { kind: "route", id: "d1", name: "a", action: "create", status: "applied" },
      { kind: "route", id: "d2", name: "b", action: "create", status: "failed", error: "409" },
    ],
  };
  const down: KindReport = {
    status: "failed",
    error: "config: cannot reach the Control Plane",
    summary: EMPTY,
    items: [],
  };
  const multi = await post(
    view(() => ({ dry_run: false, policies: OK, routes: partial, credentials: SKIPPED })),
    "/sync",
  );
  assert.equal(multi.status, 207);
  assert.equal((await multi.json()).routes.items[1].error, "409");
  const bad = await post(
    view(() => ({ dry_run: false, policies: down, routes: partial, credentials: SKIPPED })),
    "/sync",
  );
  assert.equal(bad.status, 502);
  assert.equal((await bad.json()).policies.error, "config: cannot reach the Control Plane");
});

Deno.test("POST /sync?dry_run=true asks for a plan", async () => {
  for (const query of ["?dry_run=true", "?dry_run=1", "?dry_run"]) {
    const calls: boolean[] = [];
    const agent = view(
      (dryRun) => ({ dry_run: dryRun, policies: OK, routes: OK, credentials: SKIPPED }),
      calls,
    );
    const response = await post(agent, `/sync${query}`);
    assert.equal(response.status, 200);
    assert.equal((await response.json()).dry_run, true);
    assert.deepEqual(calls, [true], query);
  }
  const calls: boolean[] = [];
  await post(
    view((d) => ({ dry_run: d, policies: OK, routes: OK, credentials: SKIPPED }), calls),
    "/sync?dry_run=false",
  );
  assert.deepEqual(calls, [false]);
});

Deno.test("POST /sync follows the /discover access rule", async () => {
  const calls: boolean[] = [];
  const agent = view(
    (d) => ({ dry_run: d, policies: OK, routes: OK, credentials: SKIPPED }),
    calls,
  );
  const remote = await post(agent, "/sync", { from: "10.1.2.3" });
  assert.equal(remote.status, 403);
  assert.match((await remote.json()).message, /loopback callers only; set STOA_CONNECT_TOKEN/);
  const wrong = await post(agent, "/sync", {
    from: "10.1.2.3",
    token: "tok-1234",
    header: "Bearer nope",
  });
  assert.equal(wrong.status, 403);
  const bearer = await post(agent, "/sync?dry_run=true", {
    from: "10.1.2.3",
    token: "tok-1234",
    header: "Bearer tok-1234",
  });
  assert.equal(bearer.status, 200);
  assert.deepEqual(calls, [true], "only the authorised call reached the agent");
  const ipv6 = await post(agent, "/sync", { from: "::1" });
  assert.equal(ipv6.status, 200);
});

Deno.test("POST /sync through a real agent: the dry run writes nothing, the run applies", async () => {
  const t = await startAgent();
  const adapter = t.adapter as FakeSyncAdapter;
  try {
    await t.cp.waitFor(() => t.agent.state.gatewayId !== undefined);
    const policy = t.cp.addPolicy({ name: "limit", policyType: "rate_limit" });
    t.cp.addPolicy({ name: "weird", policyType: "caching" });
    adapter.unsupportedTypes.add("caching");
    const agent: AgentView = {
      ...view(() => {
        throw new Error("unused");
      }),
      syncNow: (options) => t.agent.syncNow(options),
    };
    const acks = t.cp.requestsTo("sync-ack").length;

    const dry = await post(agent, "/sync?dry_run=true");
    assert.equal(dry.status, 200);
    const plan = await dry.json();
    assert.equal(plan.dry_run, true);
    assert.deepEqual(plan.policies.summary, {
      create: 1,
      update: 0,
      delete: 0,
      unchanged: 0,
      failed: 1,
    });
    assert.equal(
      plan.policies.items.find((i: { id: string }) => i.id === policy.id).action,
      "create",
    );
    assert.ok(plan.policies.items.every((i: { status?: string }) => i.status === undefined));
    assert.equal(adapter.writes.length, 0);
    assert.equal(t.cp.requestsTo("sync-ack").length, acks, "a dry run sends no ack");

    const run = await post(agent, "/sync");
    assert.equal(run.status, 207, "one policy failed");
    const body = await run.json();
    assert.equal(
      body.policies.items.find((i: { id: string }) => i.id === policy.id).status,
      "applied",
    );
    assert.equal(adapter.writes.length, 1);

    t.cp.removePolicy(
      body.policies.items.find((i: { status: string }) => i.status === "failed").id,
    );
    const again = await post(agent, "/sync");
    assert.equal(again.status, 200);
    assert.deepEqual((await again.json()).policies.summary, {
      create: 0,
      update: 0,
      delete: 0,
      unchanged: 1,
      failed: 0,
    });
    assert.equal(adapter.writes.length, 1, "nothing changed, nothing written");

    t.cp.failNext({ status: 503, path: "/config" });
    const down = await post(agent, "/sync");
    assert.equal(down.status, 502);
    assert.match((await down.json()).policies.error, /config: the Control Plane answered 503/);
  } finally {
    await t.stop();
  }
});
