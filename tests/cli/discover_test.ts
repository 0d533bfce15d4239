/**
 * `stoactl connect discover` as a process against the Kong emulator: table and JSON (exactly the
 * list a running agent reports to the Control Plane), the agent's variables and `.env`, wrong
 * credentials, unreachable, strange and failing admin APIs, unsupported types, an empty gateway.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { DiscoveredApiPayload } from "../../src/control_plane/schemas.ts";
import { GATEWAY_TYPES } from "../../src/gateways/adapter.ts";
import { DRIVERS } from "../../src/gateways/drivers.ts";
import { notice } from "../distribution/helpers.ts";
import { ControlPlaneDouble } from "../fakes/control_plane_double.ts";
import { KongEmulator } from "../fakes/kong_emulator.ts";
import { AgentProcess } from "./agent_process.ts";
import { CLI_REFERENCE_PATH, jsonExample, shapeDifferences } from "./cli_reference.ts";
import {
  assertShortError,
  assertUnreadableSecretFile,
  describe,
  freePort,
  jsonOf,
  type RunResult,
  stoactl,
} from "./stoactl_process.ts";

const ADMIN_TOKEN = "kong-rbac-token-93c1e0";

async function withKong(
  options: ConstructorParameters<typeof KongEmulator>[0],
  body: (url: string, kong: KongEmulator) => Promise<void>,
): Promise<void> {
  const kong = new KongEmulator(options);
  const url = await kong.start();
  try {
    await body(url, kong);
  } finally {
    await kong.stop();
  }
}

function assertSecretHidden(result: RunResult, secret: string): void {
  assert.ok(
    !result.stdout.includes(secret) && !result.stderr.includes(secret),
    `the secret was printed\n${describe(result)}`,
  );
}

Deno.test("discover on Kong: the JSON is exactly the list the agent reports to the Control Plane", async () => {
  const cp = new ControlPlaneDouble({ keys: ["gw_discover_key"] });
  const cpUrl = await cp.start();
  await withKong({}, async (kongUrl, kong) => {
    kong.realisticSeed();
    const agent = await AgentProcess.start({
      controlPlaneUrl: cpUrl,
      apiKey: "gw_discover_key",
      adminUrl: kongUrl,
    });
    try {
      await agent.waitUntilReported();
    } finally {
      await agent.stop();
    }
    const reported = (cp.requestsTo("discovery").at(-1)?.body as { apis: unknown[] }).apis;
    assert.equal(reported.length, 4);

    for (const type of ["auto", "kong"]) {
      const result = await stoactl([
        "connect",
        "discover",
        "--admin-url",
        kongUrl,
        "--type",
        type,
        "--output",
        "json",
      ]);
      assert.equal(result.code, 0, describe(result));
      assert.deepEqual(jsonOf(result), reported, `--type ${type}`);
      assert.equal(result.stderr, "");
    }
    const documented = jsonExample(
      await Deno.readTextFile(CLI_REFERENCE_PATH),
      "### `stoactl connect discover`",
    );
    assert.deepEqual(shapeDifferences(reported, documented), []);
  });
  await cp.stop();
});

Deno.test("discover on Kong: the table shows type, version and one row per API", async () => {
  await withKong({ version: "3.9.1" }, async (url, kong) => {
    kong.realisticSeed();
    const result = await stoactl(["connect", "discover", "--admin-url", url]);
    assert.equal(result.code, 0, describe(result));
    const lines = result.stdout.split("\n");
    assert.equal(lines[0], `Gateway: kong 3.9.1 community with database at ${url}/`);
    assert.match(lines[2], /^NAME\s+PATHS\s+METHODS\s+BACKEND\s+POLICIES\s+ACTIVE$/);
    assert.match(
      result.stdout,
      /\npayments-api\s+\/payments, \/payments\/refunds\s+GET,POST,PUT\s+https:\/\/payments\.internal:8443\/v2\s+rate-limiting, key-auth, cors\s+yes\n/,
    );
    assert.match(result.stdout, /\nusers-api\s+\/users, \/me\s+any\s+/);
    assert.match(
      result.stdout,
      /\nlegacy-billing\s+\/billing\s+GET\s+http:\/\/billing-v1\.internal:8000\/\s+-\s+no\n/,
    );
    assert.match(result.stdout, /\n4 APIs discovered\.\n$/);
  });
});

Deno.test("discover: address and credentials from the agent's variables, .env and *_FILE", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stoactl-discover-" });
  try {
    await withKong({ edition: "enterprise", adminToken: ADMIN_TOKEN }, async (url, kong) => {
      kong.realisticSeed();
      await Deno.writeTextFile(`${dir}/token`, `${ADMIN_TOKEN}\n`);
      await Deno.writeTextFile(
        `${dir}/.env`,
        `STOA_GATEWAY_ADMIN_URL=${url}\nSTOA_GATEWAY_ADMIN_TOKEN_FILE=${dir}/token\nSTOA_GATEWAY_TYPE=kong\n`,
      );
      const fromDotenv = await stoactl(["connect", "discover", "-o", "json"], { cwd: dir });
      assert.equal(fromDotenv.code, 0, describe(fromDotenv));
      assert.equal(jsonOf<unknown[]>(fromDotenv).length, 4);

      const fromEnv = await stoactl(["connect", "discover"], {
        env: { STOA_GATEWAY_ADMIN_URL: url, STOA_GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN },
      });
      assert.equal(fromEnv.code, 0, describe(fromEnv));
      assert.match(fromEnv.stdout, /^Gateway: kong 3\.10\.0\.1 enterprise with database at /);

      const fromFlag = await stoactl([
        "connect",
        "discover",
        "--admin-url",
        url,
        "--token",
        ADMIN_TOKEN,
      ]);
      assert.equal(fromFlag.code, 0, describe(fromFlag));
      for (const result of [fromDotenv, fromEnv, fromFlag]) assertSecretHidden(result, ADMIN_TOKEN);
      const tokens = kong.requests.map((r) => r.headers["kong-admin-token"]);
      assert.ok(tokens.length > 0 && tokens.every((t) => t === ADMIN_TOKEN), "the token was sent");

      await assertUnreadableSecretFile(
        ["connect", "discover", "--admin-url", url],
        "STOA_GATEWAY_ADMIN_TOKEN_FILE",
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("discover: missing or wrong credentials → exit 1, saying which setting to fix", async () => {
  await withKong({ edition: "enterprise", adminToken: ADMIN_TOKEN }, async (url) => {
    const missing = await stoactl(["connect", "discover", "--admin-url", url]);
    assert.equal(missing.code, 1, describe(missing));
    assert.match(missing.stderr, /Kong admin API requires a token \(401\)/);
    assert.match(
      missing.stderr,
      /\nGive the admin credentials the gateway expects: --token \(or STOA_GATEWAY_ADMIN_TOKEN/,
    );
    assertShortError(missing.stderr, describe(missing));

    const wrongToken = "wrong-kong-token-0042";
    for (const type of ["auto", "kong"]) {
      const wrong = await stoactl([
        "connect",
        "discover",
        "--admin-url",
        url,
        "--type",
        type,
        "--token",
        wrongToken,
      ]);
      assert.equal(wrong.code, 1, describe(wrong));
      assert.match(wrong.stderr, /Kong admin API refused the token \(401\)/);
      assertShortError(wrong.stderr, describe(wrong));
      assertSecretHidden(wrong, wrongToken);
      assert.equal(wrong.stdout, "");
    }
  });
});

Deno.test("discover: unreachable, strange and failing admin APIs → exit 1", async () => {
  const closed = `http://127.0.0.1:${freePort()}`;
  const unreachable = await stoactl(["connect", "discover", "--admin-url", closed]);
  assert.equal(unreachable.code, 1, describe(unreachable));
  assert.match(
    unreachable.stderr,
    new RegExp(
      `^stoactl: cannot reach the gateway admin API at ${closed}/: connection refused\nCheck --admin-url`,
    ),
  );
  assertShortError(unreachable.stderr, describe(unreachable));

  const webServer = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json({ hello: "world" }),
  );
  try {
    const url = `http://127.0.0.1:${webServer.addr.port}`;
    const auto = await stoactl(["connect", "discover", "--admin-url", url]);
    assert.equal(auto.code, 1, describe(auto));
    assert.match(
      auto.stderr,
      /could not recognise the gateway at .* \(not kong, not gravitee, not webmethods\)/,
    );
    assertShortError(auto.stderr, describe(auto));
    const kong = await stoactl(["connect", "discover", "--admin-url", url, "--type", "kong"]);
    assert.equal(kong.code, 1, describe(kong));
    assert.match(kong.stderr, /did not answer like Kong/);
    assertShortError(kong.stderr, describe(kong));
  } finally {
    await webServer.shutdown();
  }

  await withKong({}, async (url, kong) => {
    kong.failNext(1, 500);
    const failing = await stoactl(["connect", "discover", "--admin-url", url, "--type", "kong"]);
    assert.equal(failing.code, 1, describe(failing));
    assert.match(failing.stderr, /Kong admin API failed on GET .* \(500\)/);
    assert.match(failing.stderr, /\nThe gateway failed to answer; look at its error log/);
    assertShortError(failing.stderr, describe(failing));
  });
});

Deno.test("discover: gateway types this build does not support → exit 2, nothing contacted", async () => {
  const unsupported = GATEWAY_TYPES.filter((type) => !DRIVERS[type]);
  if (unsupported.length === 0) {
    notice("this build supports every gateway type: the 'not supported' error has nothing to show");
    return;
  }
  const supported = ["auto", ...GATEWAY_TYPES.filter((type) => DRIVERS[type])].join(", ");
  await withKong({}, async (url, kong) => {
    for (const type of [...unsupported, unsupported[0].toUpperCase()]) {
      const result = await stoactl(["connect", "discover", "--admin-url", url, "--type", type]);
      assert.equal(result.code, 2, describe(result));
      assert.ok(
        result.stderr.startsWith(
          `stoactl: --type ${type.toLowerCase()} is not supported by this build of stoactl (supported: ${supported})\n`,
        ),
        describe(result),
      );
      assertShortError(result.stderr, describe(result));
    }
    const fromVariable = await stoactl(["connect", "discover", "--admin-url", url], {
      env: { STOA_GATEWAY_TYPE: unsupported[0] },
    });
    assert.equal(fromVariable.code, 2, describe(fromVariable));
    assert.equal(kong.calls, 0, "nothing was contacted");
  });
});

Deno.test("discover: an empty gateway is a success with 0 APIs", async () => {
  await withKong({ dbless: true }, async (url) => {
    const table = await stoactl(["connect", "discover", "--admin-url", url]);
    assert.equal(table.code, 0, describe(table));
    assert.match(table.stdout, /^Gateway: kong 3\.9\.1 community DB-less at /);
    assert.match(
      table.stdout,
      /\nNo APIs discovered\.\nThe admin API answered but lists no services/,
    );
    const json = await stoactl(["connect", "discover", "--admin-url", url, "-o", "json"]);
    assert.equal(json.code, 0, describe(json));
    assert.deepEqual(jsonOf<DiscoveredApiPayload[]>(json), []);
  });
});
