/**
 * `stoactl connect sync` and `plan` as processes against a fake agent serving every answer of the
 * `POST /sync` contract: results and plans in table and JSON form, every exit code, the bearer
 * token (flag, variable, file), refusals, agents without sync, unreachable and slow agents.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { SyncResult } from "../../src/cli/sync_result.ts";
import { type CannedAnswer, FakeAgent, type FakeAgentOptions } from "./fake_agent.ts";
import {
  assertShortError,
  assertUnreadableSecretFile,
  describe,
  freePort,
  jsonOf,
  type RunResult,
  stoactl,
} from "./stoactl_process.ts";
import {
  PLAN_ALL_SKIPPED,
  PLAN_INVALID_ITEM,
  PLAN_NO_CHANGES,
  PLAN_WITH_CHANGES,
  SYNC_APPLIED,
  SYNC_HELD,
  SYNC_PARTIAL,
  SYNC_SECTION_FAILED,
} from "./sync_samples.ts";

const TOKEN = "connect-token-5be1c9";

/** Plans for dry runs, `result` for syncs, with the given HTTP status. */
function answers(plan: SyncResult, result: SyncResult, status = 200): FakeAgentOptions["sync"] {
  return (dryRun): CannedAnswer => dryRun ? { status: 200, body: plan } : { status, body: result };
}

async function withAgent(
  options: FakeAgentOptions,
  body: (url: string, agent: FakeAgent) => Promise<void>,
): Promise<void> {
  const agent = new FakeAgent(options);
  const url = agent.start();
  try {
    await body(url, agent);
  } finally {
    await agent.stop();
  }
}

function expectCode(result: RunResult, code: number, what: string): void {
  assert.equal(result.code, code, `${what}\n${describe(result)}`);
}

Deno.test("sync: every item applied → exit 0, one row per changed item", async () => {
  await withAgent({ sync: answers(PLAN_NO_CHANGES, SYNC_APPLIED) }, async (url, agent) => {
    const table = await stoactl(["connect", "sync", "--url", url]);
    expectCode(table, 0, "sync");
    assert.match(table.stdout, /Policies: ok — 2 applied, 0 removed, 1 unchanged, 0 failed/);
    assert.match(table.stdout, /applied\s+create\s+policy\s+default-rate-limit\s+global/);
    assert.match(table.stdout, /applied\s+update\s+policy\s+cors-public\s+service orders-api/);
    assert.match(table.stdout, /Routes: ok — 0 applied, 1 removed/);
    assert.match(table.stdout, /removed\s+delete\s+route\s+old-api/);
    assert.doesNotMatch(table.stdout, /office-only/, "unchanged items are counted, not listed");
    assert.match(table.stdout, /Sync complete\./);
    assert.equal(table.stderr, "");
    assert.deepEqual(agent.requests.map((r) => [r.method, r.path, r.query]), [
      ["POST", "/sync", {}],
    ]);

    const json = await stoactl(["connect", "sync", "--url", url, "--output", "json"]);
    expectCode(json, 0, "sync --output json");
    assert.deepEqual(jsonOf(json), SYNC_APPLIED);
  });
});

Deno.test("sync: some items failed (207) → exit 1, the result and each error printed", async () => {
  await withAgent({ sync: answers(PLAN_NO_CHANGES, SYNC_PARTIAL, 207) }, async (url) => {
    const table = await stoactl(["connect", "sync", "--url", url]);
    expectCode(table, 1, "sync 207");
    assert.match(
      table.stdout,
      /failed\s+update\s+policy\s+cors-public\s+service orders-api\s+Kong answered 400/,
    );
    assert.match(table.stdout, /1 item failed; the agent retries on its next cycle\./);
    const json = await stoactl(["connect", "sync", "--url", url, "-o", "json"]);
    expectCode(json, 1, "sync 207 json");
    assert.deepEqual(jsonOf(json), SYNC_PARTIAL);
  });
});

Deno.test("sync: a section could not run (502) → exit 1 with its error", async () => {
  await withAgent({ sync: answers(PLAN_NO_CHANGES, SYNC_SECTION_FAILED, 502) }, async (url) => {
    const table = await stoactl(["connect", "sync", "--url", url]);
    expectCode(table, 1, "sync 502");
    assert.match(
      table.stdout,
      /Routes: failed — cannot read the route table: the Control Plane answered 503\n/,
    );
    assert.doesNotMatch(table.stdout, /error: cannot read/, "the reason is not repeated");
    assert.match(table.stdout, /A section could not run/);
  });
  // A 502 without the contract's body (e.g. from a proxy) still says what happened.
  await withAgent({
    sync: () => ({ status: 502, body: "<html>Bad Gateway</html>" }),
  }, async (url) => {
    const result = await stoactl(["connect", "sync", "--url", url]);
    expectCode(result, 1, "sync 502 html");
    assert.match(result.stderr, /the agent could not sync \(502\): <html>Bad Gateway<\/html>/);
    assertShortError(result.stderr, describe(result));
  });
});

Deno.test("sync: deletes held by the mass-deletion guard are shown, exit 0", async () => {
  await withAgent({ sync: answers(PLAN_NO_CHANGES, SYNC_HELD) }, async (url) => {
    const result = await stoactl(["connect", "sync", "--url", url]);
    expectCode(result, 0, "sync held");
    assert.match(
      result.stdout,
      /Routes: held — 0 applied, 0 removed, 0 unchanged, 0 failed, 1 held/,
    );
    assert.match(
      result.stdout,
      /held: 1 delete of 1 owned item held back: the Control Plane's route list/,
    );
    assert.match(result.stdout, /held\s+delete\s+route\s+old-api/);
  });
});

Deno.test("plan and sync --dry-run: changes pending → exit 3, changes field by field", async () => {
  await withAgent({ sync: answers(PLAN_WITH_CHANGES, SYNC_APPLIED) }, async (url, agent) => {
    for (const args of [["connect", "plan"], ["connect", "sync", "--dry-run"]]) {
      const table = await stoactl([...args, "--url", url]);
      expectCode(table, 3, args.join(" "));
      assert.match(table.stdout, /dry run: nothing was changed/);
      assert.match(
        table.stdout,
        /Policies: ok — 1 to create, 1 to update, 0 to delete, 1 unchanged/,
      );
      assert.match(
        table.stdout,
        /\+ create\s+policy default-rate-limit \(global\)\n\s+config\.minute: 100\n\s+enabled: true/,
      );
      assert.match(
        table.stdout,
        /~ update\s+policy cors-public \(service orders-api\)\n\s+config\.origins: \["\*"\] → \["https:\/\/app\.example"\]/,
      );
      assert.match(
        table.stdout,
        /- delete\s+route old-api \(service stoa-old-api\)\n\s+path: \/apis\/old \(removed\)/,
      );
      assert.match(
        table.stdout,
        /Credentials: skipped — Vault is not configured \(VAULT_ADDR unset\)\n/,
      );
      assert.match(table.stdout, /3 changes pending\. Run 'stoactl connect sync' to apply them\./);

      const json = await stoactl([...args, "--url", url, "--output", "json"]);
      expectCode(json, 3, `${args.join(" ")} --output json`);
      assert.deepEqual(jsonOf(json), PLAN_WITH_CHANGES);
    }
    assert.ok(agent.requests.length > 0);
    for (const request of agent.requests) {
      assert.deepEqual([request.method, request.path, request.query], ["POST", "/sync", {
        dry_run: "true",
      }]);
    }
  });
});

Deno.test("plan: no changes → exit 0; items that cannot be applied → exit 1", async () => {
  await withAgent({ sync: answers(PLAN_NO_CHANGES, SYNC_APPLIED) }, async (url) => {
    const result = await stoactl(["connect", "plan", "--url", url]);
    expectCode(result, 0, "plan without changes");
    assert.match(result.stdout, /No changes: the gateway matches the Control Plane\./);
  });
  await withAgent({ sync: answers(PLAN_INVALID_ITEM, SYNC_APPLIED) }, async (url) => {
    const result = await stoactl(["connect", "plan", "--url", url]);
    expectCode(result, 1, "plan with an invalid item");
    assert.match(
      result.stdout,
      /\+ create\s+policy partner-jwt\n\s+cannot be applied: jwt_validation with jwks_url needs Kong Enterprise/,
    );
    assert.match(result.stdout, /1 cannot be applied/);
  });
});

Deno.test("plan and sync where every kind is skipped: exit 0, and why", async () => {
  const skipped = { ...PLAN_ALL_SKIPPED, dry_run: false };
  await withAgent({ sync: answers(PLAN_ALL_SKIPPED, skipped) }, async (url) => {
    for (const args of [["connect", "plan"], ["connect", "sync"]]) {
      const result = await stoactl([...args, "--url", url]);
      expectCode(result, 0, args.join(" "));
      assert.match(
        result.stdout,
        /Policies: skipped — the kong adapter of this build cannot sync\n/,
      );
      assert.match(result.stdout, /Every kind was skipped \(see why above\): nothing to do/);
      assert.doesNotMatch(result.stdout, /No changes|Sync complete/);
    }
  });
});

Deno.test("sync from another machine: 403 without a token says how to get in", async () => {
  await withAgent(
    { remote: true, token: TOKEN, sync: answers(PLAN_NO_CHANGES, SYNC_APPLIED) },
    async (url, agent) => {
      const result = await stoactl(["connect", "sync", "--url", url]);
      expectCode(result, 1, "sync 403");
      assert.match(result.stderr, /the agent refused the sync \(403\)/);
      assert.match(result.stderr, /--token \(or STOA_CONNECT_TOKEN \/ STOA_CONNECT_TOKEN_FILE\)/);
      assertShortError(result.stderr, describe(result));
      assert.equal(agent.requests.at(-1)?.authorization, undefined);
    },
  );
});

Deno.test("sync from another machine: a wrong token is refused and never printed", async () => {
  await withAgent(
    { remote: true, token: TOKEN, sync: answers(PLAN_NO_CHANGES, SYNC_APPLIED) },
    async (url) => {
      const wrong = "not-the-token-77aa";
      const result = await stoactl(["connect", "sync", "--url", url, "--token", wrong]);
      expectCode(result, 1, "sync with a wrong token");
      assert.match(result.stderr, /the agent refused the token \(403\)/);
      assert.ok(!result.stderr.includes(wrong) && !result.stdout.includes(wrong), "token printed");
      assertShortError(result.stderr, describe(result));
    },
  );
});

Deno.test("sync from another machine: the token comes from --token, the variable or its file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stoactl-token-" });
  const tokenFile = `${dir}/token`;
  await Deno.writeTextFile(tokenFile, `${TOKEN}\n`);
  try {
    await withAgent(
      { remote: true, token: TOKEN, sync: answers(PLAN_NO_CHANGES, SYNC_APPLIED) },
      async (url, agent) => {
        const ways: [string, string[], Record<string, string>][] = [
          ["--token", ["--token", TOKEN], {}],
          ["STOA_CONNECT_TOKEN", [], { STOA_CONNECT_TOKEN: TOKEN }],
          ["STOA_CONNECT_TOKEN_FILE", [], { STOA_CONNECT_TOKEN_FILE: tokenFile }],
          [".env", ["--env-file", `${dir}/agent.env`], {}],
        ];
        await Deno.writeTextFile(`${dir}/agent.env`, `STOA_CONNECT_TOKEN=${TOKEN}\n`);
        for (const [way, args, env] of ways) {
          const result = await stoactl(["connect", "sync", "--url", url, ...args], { env });
          expectCode(result, 0, `token from ${way}`);
          assert.equal(agent.requests.at(-1)?.authorization, `Bearer ${TOKEN}`, way);
          assert.ok(
            !result.stdout.includes(TOKEN) && !result.stderr.includes(TOKEN),
            `${way}: token printed`,
          );
        }
        await assertUnreadableSecretFile(
          ["connect", "sync", "--url", url],
          "STOA_CONNECT_TOKEN_FILE",
        );
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sync and plan on an agent without POST /sync: upgrade stoa-connect, exit 1", async () => {
  await withAgent({ version: "0.0.9" }, async (url) => {
    for (
      const args of [["connect", "sync"], ["connect", "plan"], ["connect", "sync", "--dry-run"]]
    ) {
      const result = await stoactl([...args, "--url", url]);
      expectCode(result, 1, args.join(" "));
      assert.match(
        result.stderr,
        /^stoactl: this agent does not support sync \(version 0\.0\.9\); upgrade stoa-connect\n/,
      );
      assertShortError(result.stderr, describe(result));
    }
  });
});

Deno.test("sync: unreachable, slow, strange and failing agents → exit 1 with what to do", async () => {
  const closed = `http://127.0.0.1:${freePort()}`;
  const unreachable = await stoactl(["connect", "sync", "--url", closed]);
  expectCode(unreachable, 1, "unreachable");
  assert.match(
    unreachable.stderr,
    /cannot reach the agent at http:\/\/127\.0\.0\.1:\d+\/: connection refused\nIs stoa-connect running there\?/,
  );
  assertShortError(unreachable.stderr, describe(unreachable));

  const port = freePort();
  const byPort = await stoactl(["connect", "plan"], { env: { STOA_CONNECT_PORT: String(port) } });
  expectCode(byPort, 1, "default URL from STOA_CONNECT_PORT");
  assert.match(
    byPort.stderr,
    new RegExp(`cannot reach the agent at http://127\\.0\\.0\\.1:${port}/`),
  );

  await withAgent(
    { syncDelayMs: 1_500, sync: answers(PLAN_NO_CHANGES, SYNC_APPLIED) },
    async (url) => {
      const slow = await stoactl(["connect", "sync", "--url", url, "--timeout", "300ms"]);
      expectCode(slow, 1, "slow agent");
      assert.match(
        slow.stderr,
        /no answer within 0\.3 s\nThe agent may be busy; try again, or raise --timeout/,
      );
    },
  );

  // The Go agent's /sync never existed; an agent answering the old shape is not understood.
  await withAgent(
    { sync: () => ({ status: 200, body: { status: "ok", policies_applied: 1 } }) },
    async (url) => {
      const strange = await stoactl(["connect", "sync", "--url", url]);
      expectCode(strange, 1, "old answer shape");
      assert.match(
        strange.stderr,
        /the agent's answer to POST \/sync is not one stoactl understands/,
      );
      assertShortError(strange.stderr, describe(strange));
    },
  );

  await withAgent({
    sync: () => ({ status: 500, body: { error: "internal_error", message: "boom" } }),
  }, async (url) => {
    const failing = await stoactl(["connect", "sync", "--url", url]);
    expectCode(failing, 1, "500");
    assert.match(
      failing.stderr,
      /the agent answered POST \/sync with 500: boom\nLook at the agent's log/,
    );
  });
});

Deno.test("sync: a URL where no agent runs is named as such", async () => {
  const stranger = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("not here", { status: 404 }),
  );
  try {
    const url = `http://127.0.0.1:${stranger.addr.port}`;
    const result = await stoactl(["connect", "sync", "--url", url]);
    expectCode(result, 1, "stranger");
    assert.match(
      result.stderr,
      /does not answer like a stoa-connect agent \(POST \/sync: 404, no \/health\)/,
    );
  } finally {
    await stranger.shutdown();
  }
});
