/**
 * Every request the Kong adapter sends during full sync scenarios (create, update, rotate,
 * delete; policies, routes, credentials), and every answer of the emulator, checked against
 * Kong's official specs: documented path and method, request body schema, response schema.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { KongEmulatorOptions } from "../../fakes/kong_emulator.ts";
import { KongEmulator } from "../../fakes/kong_emulator.ts";
import { specTest } from "../../support/specs.ts";
import { KNOWN_DEFECTS, KONG_SPEC_FILES, SpecRecorder } from "./kong_spec_check.ts";
import { adapterFor, credential, policy, route } from "./kong_sync_fixtures.ts";

const POLICIES = [
  policy({ id: "rate", type: "rate_limit", config: { maxRequests: 100, dailyLimit: 10000 } }),
  policy({ id: "cors", type: "cors", config: { origins: ["*"] }, targets: ["orders-api"] }),
  policy({ id: "ip", type: "ip_filter", config: { allowlist: ["10.0.0.0/8"] } }),
  policy({ id: "jwt", type: "jwt_validation", targets: ["legacy-billing"] }),
  policy({ id: "log", type: "logging", config: { http_endpoint: "https://logs.example.com" } }),
  policy({ id: "cache", type: "caching", targets: ["orders-api"] }),
  policy({
    id: "transform",
    type: "transform",
    config: { add: { headers: ["X-A:1"] }, response: { remove: { headers: ["Server"] } } },
    targets: ["payments-api"],
  }),
];
const ROUTES = [
  route({ id: "0b7c1e2a-1111-4222-8333-444455556666", name: "orders" }),
  route({ id: "1c8d2f3b-2222-4333-8444-555566667777", name: "billing", methods: [] }),
];
const CREDENTIALS = [
  credential({ consumerId: "alice", key: "alice-key-0001" }),
  credential({ consumerId: "alice", authType: "basic-auth", key: "alice", secret: "pw" }),
  credential({ consumerId: "bob", authType: "oauth2", key: "bob-app", secret: "s3cret" }),
];

/** Creates, changes and removes everything once, through the recorder. */
async function scenario(options: KongEmulatorOptions, workspace?: string): Promise<SpecRecorder> {
  const kong = new KongEmulator(options);
  kong.realisticSeed({ workspace });
  const recorder = new SpecRecorder(kong, workspace);
  const adapter = adapterFor(kong, { fetch: recorder.fetch, workspace });
  const discovered = await adapter.discover();
  const run = async (plan: Promise<Parameters<typeof adapter.apply>[0]>) => {
    const results = await adapter.apply(await plan);
    const failed = results.filter((result) => result.status === "failed");
    assert.deepEqual(failed, [], "the scenario itself must succeed");
  };
  await run(adapter.planPolicies(POLICIES, { discovered }));
  await run(adapter.planPolicies(
    POLICIES.map((p) => p.id === "rate" ? { ...p, config: { maxRequests: 5 } } : p),
    { discovered },
  ));
  await run(adapter.planRoutes(ROUTES));
  await run(adapter.planRoutes([{ ...ROUTES[0], backendUrl: "https://orders-v2.internal" }]));
  await run(adapter.planCredentials(CREDENTIALS));
  await run(adapter.planCredentials([
    { ...CREDENTIALS[0], key: "alice-key-0002" },
    { ...CREDENTIALS[1], secret: "pw2" },
    { ...CREDENTIALS[2], secret: "new" },
  ]));
  // A target that vanished: the lookup answers 404 (documented, without a body schema).
  await adapter.planPolicies([policy({ id: "x", type: "cors", targets: ["gone"] })], {});
  // Kong refuses a write: a user's plugin holds the scope (409, or a refused document).
  const clash = policy({ id: "clash", type: "cors", targets: ["users-api"] });
  const refused = await adapter.apply(await adapter.planPolicies([clash], { discovered }));
  assert.equal(refused[0].status, "failed");
  await run(adapter.planPolicies([], { discovered }));
  // The same document again: Kong without database answers 304 (check_hash).
  const again = await adapter.planRoutes(ROUTES);
  await run(Promise.resolve(again));
  await run(Promise.resolve(again));
  await run(adapter.planCredentials([]));
  await run(adapter.planRoutes([]));
  await run(adapter.planPolicies([], { discovered }));
  return recorder;
}

/** Indexes in KNOWN_DEFECTS (see kong_spec_check.ts), for what each scenario must meet. */
const OAUTH2_LIST = 0;
const OAUTH2_WORKSPACE = 1;
const CONFIG_304 = 2;
const WRITE_4XX = 3;

const SCENARIOS: readonly [string, KongEmulatorOptions, string | undefined, number[]][] = [
  ["Kong OSS with a database", {}, undefined, [OAUTH2_LIST, WRITE_4XX]],
  ["Kong OSS without a database", { dbless: true }, undefined, [CONFIG_304, WRITE_4XX]],
  [
    "Kong Enterprise, workspace team-a",
    { edition: "enterprise", workspaces: ["team-a"] },
    "team-a",
    [OAUTH2_LIST, OAUTH2_WORKSPACE, WRITE_4XX],
  ],
];

for (const [label, options, workspace, defects] of SCENARIOS) {
  specTest({
    name: `every request and answer conforms to Kong's specs: ${label}`,
    requires: KONG_SPEC_FILES,
    fn: async () => {
      const recorder = await scenario(options, workspace);
      const methods = new Set(recorder.exchanges.map((exchange) => exchange.method));
      assert.ok(recorder.exchanges.length > 20, "the scenario talks to Kong");
      assert.deepEqual(
        [...methods].sort(),
        options.dbless === true ? ["GET", "POST"] : ["DELETE", "GET", "PUT"],
      );
      assert.deepEqual(await recorder.problems(), []);
      assert.deepEqual(
        (await recorder.excused()).map((index) => KNOWN_DEFECTS[index].evidence),
        defects.map((index) => KNOWN_DEFECTS[index].evidence),
        "the spec defects met are exactly the expected ones, so none is excused for nothing",
      );
    },
  });
}
