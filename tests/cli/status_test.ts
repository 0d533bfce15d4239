/**
 * `stoactl connect status` as a process against a real agent (running against the Control Plane
 * double and the Kong emulator), degraded agents, unreachable and refusing endpoints, agents that
 * only have `/health`, and agents reporting their last sync.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { StatusReport } from "../../src/cli/status_report.ts";
import { ControlPlaneDouble } from "../fakes/control_plane_double.ts";
import { AgentProcess, startStack } from "./agent_process.ts";
import { CLI_REFERENCE_PATH, jsonExample, shapeDifferences } from "./cli_reference.ts";
import { FakeAgent } from "./fake_agent.ts";
import { assertShortError, describe, freePort, jsonOf, stoactl } from "./stoactl_process.ts";

const KEY = "gw_test_status_key_3f9a";

Deno.test("status of a running agent: table and JSON", async (t) => {
  const stack = await startStack(KEY);
  const { agent, cp, cpUrl, kongUrl } = stack;
  try {
    await agent.waitUntilReported();
    await agent.waitFor(async () =>
      ((await agent.status()).control_plane as { last_heartbeat_at: unknown }).last_heartbeat_at !==
        null
    );
    const gateway = cp.gateways.byName("stoactl-test-agent-connect-production");
    assert.ok(gateway, "the agent registered");

    await t.step("table", async () => {
      const result = await stoactl(["connect", "status", "--url", agent.url]);
      assert.equal(result.code, 0, describe(result));
      const out = result.stdout;
      assert.match(out, new RegExp(`^stoa-connect 0\\.1\\.0 at ${agent.url}/: ok\n`));
      assert.match(
        out,
        new RegExp(
          `Registration\\s+registered \\d+s ago, gateway id ${gateway.id} \\(${gateway.name}\\)`,
        ),
      );
      assert.match(
        out,
        new RegExp(`Control Plane\\s+${cpUrl}/ — last heartbeat \\d+s ago — no error`),
      );
      assert.match(
        out,
        new RegExp(`Gateway\\s+kong 3\\.9\\.1 community at ${kongUrl}/ — reachable`),
      );
      assert.match(out, /Discovery\s+4 APIs \(6 routes\), \d+s ago, reported to the Control Plane/);
      const sync = (await agent.status()).sync as Record<string, { status: string }> | undefined;
      for (const [label, kind] of [["Policy sync", "policies"], ["Route sync", "routes"]]) {
        const expected = sync?.[kind]?.status ?? "no sync reported by this agent";
        assert.match(
          out,
          new RegExp(`${label}\\s+${expected === "not_run" ? "not run yet" : expected}`),
        );
      }
      assert.match(
        out,
        /Agent\s+instance stoactl-test-agent, environment production, up \S+, ready/,
      );
      assert.ok(!out.includes("\x1b["), "no colour when not on a terminal");
      assert.equal(result.stderr, "");
    });

    await t.step("JSON, agent found through STOA_CONNECT_PORT, shape as documented", async () => {
      const result = await stoactl(["connect", "status", "--output", "json"], {
        env: { STOA_CONNECT_PORT: String(agent.port) },
      });
      assert.equal(result.code, 0, describe(result));
      const report = jsonOf<StatusReport>(result);
      assert.equal(report.agent_url, `${agent.url}/`);
      assert.equal(report.status, "ok");
      assert.deepEqual(report.reasons, []);
      assert.equal(report.ready, true);
      assert.equal(report.registered, true);
      assert.equal(report.gateway_id, gateway.id);
      assert.equal(report.control_plane.url, `${cpUrl}/`);
      assert.equal(report.control_plane.gateway_name, gateway.name);
      assert.equal(report.control_plane.last_error, null);
      assert.equal(typeof report.control_plane.last_heartbeat_at, "string");
      assert.deepEqual(
        [
          report.gateway.type,
          report.gateway.version,
          report.gateway.edition,
          report.gateway.reachable,
        ],
        ["kong", "3.9.1", "community", true],
      );
      assert.deepEqual([report.discovery.apis, report.discovery.reported], [4, true]);
      const documented = jsonExample(
        await Deno.readTextFile(CLI_REFERENCE_PATH),
        "### `stoactl connect status`",
      );
      assert.deepEqual(shapeDifferences(report, documented), []);
    });
  } finally {
    await stack.stop();
  }
});

Deno.test("status of a degraded agent: not registered, gateway unreachable, key never shown", async () => {
  const cp = new ControlPlaneDouble({ keys: ["the-only-valid-key"] });
  const cpUrl = await cp.start();
  const wrongKey = "gw_wrong_key_d41d8c";
  const agent = await AgentProcess.start({
    controlPlaneUrl: cpUrl,
    apiKey: wrongKey,
    adminUrl: `http://127.0.0.1:${freePort()}`,
  });
  try {
    await agent.waitFor(async () => {
      const status = await agent.status();
      return (status.gateway as { last_error: unknown }).last_error !== null &&
        (status.control_plane as { last_error: unknown }).last_error !== null;
    });
    const table = await stoactl(["connect", "status", "--url", agent.url]);
    assert.equal(table.code, 0, `a degraded agent is still an answer\n${describe(table)}`);
    assert.match(table.stdout, /: degraded\n/);
    assert.match(table.stdout, /\n {2}! not registered with the Control Plane: .*401/);
    assert.match(table.stdout, /\n {2}! gateway unreachable: /);
    assert.match(table.stdout, /Registration\s+not registered/);
    assert.match(
      table.stdout,
      /Gateway\s+auto \(not identified yet\) at http:\/\/127\.0\.0\.1:\d+\/ — unreachable: /,
    );
    assert.match(table.stdout, /Agent\s+.*not ready/);

    const json = await stoactl(["connect", "status", "--url", agent.url, "-o", "json"]);
    assert.equal(json.code, 0, describe(json));
    const report = jsonOf<StatusReport>(json);
    assert.equal(report.status, "degraded");
    assert.equal(report.registered, false);
    assert.equal(report.gateway_id, null);
    assert.equal(report.ready, false);
    assert.equal(report.gateway.reachable, false);
    assert.ok(report.reasons.length >= 2, json.stdout);
    for (const result of [table, json]) {
      assert.ok(
        !result.stdout.includes(wrongKey) && !result.stderr.includes(wrongKey),
        "key shown",
      );
    }
  } finally {
    await agent.stop();
    await cp.stop();
  }
});

Deno.test("status: no agent at the address → exit 1 with what to do", async () => {
  const port = freePort();
  for (const args of [["--url", `http://127.0.0.1:${port}`], []]) {
    const result = await stoactl(["connect", "status", ...args], {
      env: { STOA_CONNECT_PORT: String(port) },
    });
    assert.equal(result.code, 1, describe(result));
    assert.equal(result.stdout, "");
    assert.match(
      result.stderr,
      new RegExp(
        `^stoactl: cannot reach the agent at http://127\\.0\\.0\\.1:${port}/: connection refused\nIs stoa-connect running there\\? Pass --url, or set STOA_CONNECT_PORT`,
      ),
    );
    assertShortError(result.stderr, describe(result));
  }
  const badPort = await stoactl(["connect", "status"], { env: { STOA_CONNECT_PORT: "http" } });
  assert.equal(badPort.code, 2, describe(badPort));
  assert.match(badPort.stderr, /STOA_CONNECT_PORT "http" is not a port/);
});

Deno.test("status through a proxy that cannot reach the agent: says to bypass it", async () => {
  const agent = new FakeAgent();
  const url = agent.start();
  try {
    const proxy = `http://127.0.0.1:${freePort()}`;
    const result = await stoactl(["connect", "status", "--url", url], {
      env: { HTTP_PROXY: proxy },
    });
    assert.equal(result.code, 1, describe(result));
    assert.match(
      result.stderr,
      /cannot reach the agent at .*: connection refused\nHTTP_PROXY sends calls to the agent through a proxy: add 127\.0\.0\.1 to NO_PROXY\./,
    );
    assert.equal(agent.requests.length, 0, "the request went to the proxy, not the agent");
    const bypassed = await stoactl(["connect", "status", "--url", url], {
      env: { HTTP_PROXY: proxy, NO_PROXY: "127.0.0.1" },
    });
    assert.equal(bypassed.code, 0, describe(bypassed));
    assert.deepEqual(agent.requests.map((r) => r.path), ["/status", "/health"]);
  } finally {
    await agent.stop();
  }
});

Deno.test("status: an agent failing /status, or something else on the port → exit 1", async () => {
  const failing = new FakeAgent({
    status: { status: 500, body: { error: "internal_error", message: "state unavailable" } },
  });
  const failingUrl = failing.start();
  const stranger = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("<h1>It works!</h1>", { headers: { "content-type": "text/html" } }),
  );
  try {
    const refused = await stoactl(["connect", "status", "--url", failingUrl]);
    assert.equal(refused.code, 1, describe(refused));
    assert.match(
      refused.stderr,
      /answered GET \/status with 500: state unavailable\nLook at the agent's log/,
    );
    assertShortError(refused.stderr, describe(refused));

    const other = await stoactl([
      "connect",
      "status",
      "--url",
      `http://127.0.0.1:${stranger.addr.port}`,
    ]);
    assert.equal(other.code, 1, describe(other));
    assert.match(
      other.stderr,
      /does not answer like a stoa-connect agent \(GET \/status: 200, GET \/health: 200 <h1>It works!<\/h1>\)/,
    );
    assertShortError(other.stderr, describe(other));
  } finally {
    await failing.stop();
    await stranger.shutdown();
  }
});

Deno.test("status of an agent with /health only (older agents, the Go agent)", async () => {
  const old = new FakeAgent({
    health: {
      status: "ok",
      version: "0.9.3",
      commit: "abc1234",
      gateway_id: "0b7c5f5e-2a6d-4c1e-9a0b-6f0c8d1e2f3a",
      discovered_apis: 12,
    },
  });
  const url = old.start();
  try {
    const json = await stoactl(["connect", "status", "--url", url, "-o", "json"]);
    assert.equal(json.code, 0, describe(json));
    const report = jsonOf<StatusReport>(json);
    assert.deepEqual(
      [
        report.version,
        report.status,
        report.registered,
        report.gateway_id,
        report.discovery.apis,
        report.ready,
      ],
      ["0.9.3", "ok", true, "0b7c5f5e-2a6d-4c1e-9a0b-6f0c8d1e2f3a", 12, null],
    );
    const table = await stoactl(["connect", "status", "--url", url]);
    assert.equal(table.code, 0, describe(table));
    assert.match(table.stdout, /^stoa-connect 0\.9\.3 at .*: ok\n/);
    assert.match(table.stdout, /Discovery\s+12 APIs\n/);
    assert.deepEqual(old.requests.map((r) => r.path), ["/status", "/health", "/status", "/health"]);
  } finally {
    await old.stop();
  }
});

/** `/status` of an agent that synchronises, in the shape of src/agent/sync_status.ts. */
function statusWithSync(sync: Record<string, unknown>): Record<string, unknown> {
  return {
    version: "0.2.0",
    instance_name: "edge-1",
    environment: "production",
    uptime_seconds: 3600,
    health: {
      status: "degraded",
      version: "0.2.0",
      gateway_id: "g-1",
      discovered_apis: 2,
      reasons: ["policy sync failing: Kong answered 400"],
    },
    readiness: { status: "ready", reasons: [] },
    control_plane: { url: "https://cp.example/", registered: true, gateway_id: "g-1" },
    gateway: {
      configured_type: "kong",
      type: "kong",
      version: "3.9.1",
      edition: "community",
      dbless: true,
      admin_url: "http://localhost:8001/",
      reachable: true,
    },
    discovery: { apis: 2, routes: 3, at: null, reported: true },
    sync,
  };
}

const SUMMARY = { create: 1, update: 1, delete: 1, unchanged: 4, failed: 1 };

Deno.test("status shows the last policy, route and credential sync the agent reports", async () => {
  const agent = new FakeAgent({
    status: {
      status: 200,
      body: statusWithSync({
        available: true,
        policies: {
          mode: "poll",
          status: "ok",
          last_run_at: new Date().toISOString(),
          error: null,
          summary: SUMMARY,
          held: null,
          // Changed, failed and held items only.
          items: [{ status: "applied" }, { status: "applied" }, { status: "removed" }, {
            status: "failed",
          }],
        },
        routes: {
          mode: "events",
          status: "failed",
          last_run_at: null,
          error: "the Control Plane answered 503",
          summary: null,
          items: [],
        },
        credentials: { mode: "off", reason: "VAULT_ADDR is not set", status: "off", summary: null },
      }),
    },
  });
  const url = agent.start();
  try {
    const table = await stoactl(["connect", "status", "--url", url]);
    assert.equal(table.code, 0, describe(table));
    assert.match(table.stdout, /: degraded\n {2}! policy sync failing: Kong answered 400\n/);
    assert.match(
      table.stdout,
      /Gateway\s+kong 3\.9\.1 community DB-less at http:\/\/localhost:8001\/ — reachable/,
    );
    assert.match(
      table.stdout,
      /Policy sync\s+ok — 2 applied, 1 removed, 4 unchanged, 1 failed — \d+s ago\n/,
    );
    assert.match(table.stdout, /Route sync\s+failed — error: the Control Plane answered 503\n/);
    assert.match(table.stdout, /Credential sync\s+off — VAULT_ADDR is not set\n/);
    const json = jsonOf<StatusReport>(
      await stoactl(["connect", "status", "--url", url, "-o", "json"]),
    );
    assert.deepEqual(
      { ...json.sync.policies, at: null },
      { at: null, status: "ok", applied: 2, removed: 1, unchanged: 4, failed: 1, error: null },
    );
    assert.deepEqual(json.sync.routes, {
      at: null,
      status: "failed",
      applied: null,
      removed: null,
      unchanged: null,
      failed: null,
      error: "the Control Plane answered 503",
    });
    assert.equal(json.sync.credentials?.status, "off");
    assert.equal(json.sync.credentials?.error, "VAULT_ADDR is not set");
  } finally {
    await agent.stop();
  }
});

Deno.test("status: when the agent cut its item list, counts come from the planned actions", async () => {
  const agent = new FakeAgent({
    status: {
      status: 200,
      body: statusWithSync({
        policies: {
          status: "held",
          last_run_at: null,
          error: null,
          summary: { create: 150, update: 20, delete: 9, unchanged: 3, failed: 0 },
          items: [{ status: "applied" }],
          items_omitted: 178,
        },
      }),
    },
  });
  const url = agent.start();
  try {
    const table = await stoactl(["connect", "status", "--url", url]);
    assert.equal(table.code, 0, describe(table));
    assert.match(
      table.stdout,
      /Policy sync\s+held — 170 applied, 9 removed, 3 unchanged, 0 failed\n/,
    );
    assert.match(table.stdout, /Route sync\s+no sync reported by this agent\n/);
  } finally {
    await agent.stop();
  }
});
