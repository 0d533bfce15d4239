import assert from "node:assert/strict";
import { discoveryOnlyAdapter, FakeSyncAdapter } from "../fakes/fake_sync_adapter.ts";
import { lastCapabilities, startAgent } from "./sync_support.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

Deno.test("after registration, policies and routes are applied and acked; quiet cycles write nothing", async () => {
  const t = await startAgent({
    start: false,
    env: { STOA_POLICY_SYNC_INTERVAL: "50ms", STOA_ROUTE_SYNC_INTERVAL: "50ms" },
  });
  const adapter = t.adapter as FakeSyncAdapter;
  const policy = t.cp.addPolicy({ name: "limit", policyType: "rate_limit" });
  try {
    t.agent.start();
    await t.cp.waitFor(() => t.agent.state.gatewayId !== undefined);
    const gatewayId = t.agent.state.gatewayId!;
    const deployment = t.cp.addDeployment({
      gatewayId,
      apiName: "Orders",
      backendUrl: "http://orders.test",
    });
    await t.cp.waitFor(() => t.cp.deployments.byId(deployment.id)?.sync_status === "synced");
    await t.cp.waitFor(() => t.cp.requestsTo("sync-ack").length > 0);
    assert.ok(adapter.owned("policy", policy.id));
    assert.ok(adapter.owned("route", deployment.id));

    const writes = adapter.writes.length;
    const routeAcks = t.cp.requestsTo("route-sync-ack").length;
    const configs = t.cp.requestsTo("config").length;
    await t.cp.waitFor(() => t.cp.requestsTo("config").length >= configs + 3);
    assert.equal(adapter.writes.length, writes, "unchanged cycles write nothing");
    assert.equal(t.cp.requestsTo("route-sync-ack").length, routeAcks, "and resend no route ack");
    assert.ok(t.cp.requestsTo("routes").length >= 3);
  } finally {
    await t.stop();
  }
});

Deno.test("sync capabilities are announced only when the adapter can sync", async () => {
  const t = await startAgent();
  try {
    await t.cp.waitFor(() => lastCapabilities(t.cp).includes("route_sync"));
    assert.deepEqual(lastCapabilities(t.cp), [
      "health_monitoring",
      "api_discovery",
      "policy_sync",
      "route_sync",
    ]);
  } finally {
    await t.stop();
  }

  const discoveryOnly = await startAgent({ adapter: discoveryOnlyAdapter() });
  try {
    await discoveryOnly.cp.waitFor(() =>
      (discoveryOnly.agent.status() as Json).sync.available === false
    );
    await discoveryOnly.cp.waitFor(() =>
      discoveryOnly.cp.requestsTo("register").some((r) =>
        (r.body as Json).target_gateway_type === "kong"
      )
    );
    assert.deepEqual(lastCapabilities(discoveryOnly.cp), ["health_monitoring", "api_discovery"]);
    const status = discoveryOnly.agent.status() as Json;
    assert.match(status.sync.reason, /discovers APIs but cannot apply policies/);
    assert.equal(discoveryOnly.cp.requestsTo("config").length, 0, "no policy fetch");
    const report = await discoveryOnly.agent.syncNow();
    assert.equal(report.policies.status, "skipped");
    assert.equal(report.routes.status, "skipped");
  } finally {
    await discoveryOnly.stop();
  }
});

Deno.test("/status shows each kind, held deletes, the outbox and the stream", async () => {
  const t = await startAgent();
  try {
    await t.cp.waitFor(() => t.agent.state.gatewayId !== undefined);
    const gatewayId = t.agent.state.gatewayId!;
    const ids = ["A", "B"].map((name) =>
      t.cp.addDeployment({ gatewayId, apiName: name, backendUrl: "http://x.test" }).id
    );
    await t.agent.syncNow();
    for (const id of ids) t.cp.undeploy(id);
    const report = await t.agent.syncNow();
    assert.equal(report.routes.status, "held");

    const status = t.agent.status() as Json;
    const routes = status.sync.routes;
    assert.equal(routes.mode, "poll");
    assert.equal(routes.interval, "1h");
    assert.equal(routes.status, "held");
    assert.equal(routes.held.deletes, 2);
    assert.match(routes.held.reason, /would delete 2 of the 2 routes/);
    assert.deepEqual(routes.items.map((i: Json) => i.status), ["held", "held"]);
    assert.equal(status.sync.policies.status, "ok");
    assert.equal(status.sync.credentials.mode, "off");
    assert.equal(status.sync.credentials.reason, "VAULT_ADDR is not set");
    assert.deepEqual(status.sync.ack_outbox, {
      pending: 0,
      file: `${t.stateDir}/ack-outbox.json`,
      last_error: null,
    });
    assert.equal(status.sync.event_stream, null);
    assert.ok(status.loops["policy-sync"] && status.loops["route-sync"]);
    assert.ok(status.loops["ack-delivery"]);
  } finally {
    await t.stop();
  }
});

Deno.test("a failing sync loop degrades /health with the reason", async () => {
  const t = await startAgent({ env: { STOA_POLICY_SYNC_INTERVAL: "50ms" } });
  const adapter = t.adapter as FakeSyncAdapter;
  try {
    await t.cp.waitFor(() => t.agent.state.gatewayId !== undefined);
    t.cp.addPolicy({ name: "limit", policyType: "rate_limit" });
    adapter.planError = new Error("GET http://kong.test:8001/plugins failed: connection refused");
    await t.cp.waitFor(() => t.agent.health().status === "degraded");
    const reasons = t.agent.health().reasons ?? [];
    assert.ok(
      reasons.some((r) => /^policy sync failing: .*connection refused/.test(r)),
      reasons.join(),
    );
    adapter.planError = undefined;
    await t.cp.waitFor(() => t.agent.health().status === "ok", { timeoutMs: 8000 });
  } finally {
    await t.stop();
  }
});
