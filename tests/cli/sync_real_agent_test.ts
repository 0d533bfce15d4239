/**
 * `stoactl connect plan` and `sync` against a real agent process (Control Plane double with a
 * policy, Kong emulator): the agent's answer is printed exactly as it comes, with the documented
 * exit codes, and a sync leaves nothing pending. Agents without `POST /sync` are covered with the
 * fake agent in sync_test.ts.
 *
 * @module
 */

import assert from "node:assert/strict";
import { EXIT_CHANGES_PENDING } from "../../src/cli/exit_codes.ts";
import { syncExitCode, SyncResultSchema } from "../../src/cli/sync_result.ts";
import { startStack } from "./agent_process.ts";
import { describe, jsonOf, stoactl } from "./stoactl_process.ts";

const KEY = "gw_sync_real_agent_key";

async function waitForFirstPolicyCycle(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const status = await (await fetch(`${url}/status`)).json();
    const loop = status.loops?.["policy-sync"];
    if (loop?.last_outcome === "ok" && loop.running === false) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("the agent's first policy cycle did not succeed within 15 s");
}

Deno.test("plan and sync against a running agent", async (t) => {
  const stack = await startStack(KEY);
  const { agent, cp } = stack;
  try {
    await agent.waitUntilReported();
    // The agent's own first policy cycle has succeeded (nothing to do yet) and the next one is a
    // minute away: the policy arrives after it, so the next plan must show it as a change.
    await waitForFirstPolicyCycle(agent.url);
    const policy = cp.addPolicy({
      name: "stoactl-rate-limit",
      policyType: "rate_limit",
      config: { maxRequests: 100, intervalSeconds: 60 },
    });

    await t.step("plan: exactly the agent's answer, with the documented exit code", async () => {
      const result = await stoactl(["connect", "plan", "--url", agent.url, "--output", "json"]);
      const printed = jsonOf<Record<string, unknown>>(result);
      const direct = await fetch(`${agent.url}/sync?dry_run=true`, { method: "POST" });
      assert.equal(direct.status, 200, "a plan answers 200");
      assert.deepEqual(
        printed,
        await direct.json(),
        "stoactl prints the agent's answer unchanged (a difference means the /sync contract changed: update src/cli/sync_result.ts and the README)",
      );
      const plan = SyncResultSchema.parse(printed);
      assert.equal(plan.dry_run, true);
      assert.equal(plan.policies.status, "ok", JSON.stringify(plan.policies));
      const item = plan.policies.items.find((i) => i.id === policy.id);
      assert.ok(item, `the plan names the Control Plane's policy\n${result.stdout}`);
      assert.equal(item.action, "create");
      assert.equal(item.target, "global");
      assert.equal(result.code, EXIT_CHANGES_PENDING, describe(result));
      assert.equal(result.code, syncExitCode(plan, 200));
    });

    await t.step("sync: per-item results, then nothing pending", async () => {
      const result = await stoactl(["connect", "sync", "--url", agent.url, "--output", "json"]);
      const applied = SyncResultSchema.parse(jsonOf(result));
      assert.equal(applied.dry_run, false);
      assert.equal(result.code, 0, `every item succeeds on the emulator\n${describe(result)}`);
      const item = applied.policies.items.find((i) => i.id === policy.id);
      assert.equal(item?.status, "applied", result.stdout);
      const again = await stoactl(["connect", "plan", "--url", agent.url]);
      assert.equal(again.code, 0, `nothing pending after a sync\n${describe(again)}`);
      assert.match(again.stdout, /No changes: the gateway matches the Control Plane\./);
    });
  } finally {
    await stack.stop();
  }
});
