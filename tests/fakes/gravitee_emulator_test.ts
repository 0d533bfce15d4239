/**
 * Contract tests of the Gravitee emulator: it is trusted only as far as it matches the official
 * Management API v2 OpenAPI files, the policy schema-forms and the recorded fixtures in
 * `shared/specs/gravitee/`, and the rules of the server code (pagination links, deployment state,
 * plan transitions, error bodies).
 *
 * Spec defects found here (evidence in the tests):
 * - `UpdateApiV2` requires `contextPath` and `endpoint`, properties it does not define (they
 *   belong to `CreateApiV2`): no valid v2 update body can exist. Patched (contract module).
 * - `policy-schemas/request-content-limit.schema-form.json` declares its id with draft-04's
 *   `id`, which JSON-Schema validators of later drafts refuse.
 * - `fixtures/policy-configurations/rate-limit-01.json` and `-02.json` (the policy's own test
 *   configurations) omit `errorStrategy`, which `rate-limit.schema-form.json` requires: they are
 *   valid only once the schema's defaults are applied.
 * - `Links.previous`/`next` are documented as "maybe null" but typed `string`; the server never
 *   writes nulls (`GraviteeMapper` is NON_NULL), so the links are absent instead.
 * - The Management API v1 (applications, which v2 does not serve) has no static spec at all.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FORBIDDEN_BODY, GraviteeEmulator, type Json } from "./gravitee_emulator.ts";
import { parseServerArgs } from "./gravitee_emulator_server.ts";
import { proxyApi, publishedPlan } from "./gravitee_emulator_seed.ts";
import {
  checkingFetch,
  GRAVITEE_SPECS,
  type GraviteeSpecs,
  loadGraviteeSpecs,
  SCHEMA_POLICIES,
  schemaPolicyValidator,
} from "./gravitee_emulator_contract.ts";
import { readSpecJson, specTest } from "../support/specs.ts";
import { assertValid } from "../support/openapi.ts";

const BASE = "http://gravitee.test";
const V2 = "/management/v2/organizations/DEFAULT/environments/DEFAULT";
const V1 = "/management/organizations/DEFAULT/environments/DEFAULT";
const ADMIN = { authorization: `Basic ${btoa("admin:admin")}` };
const SPECS = [GRAVITEE_SPECS.apis, GRAVITEE_SPECS.installation, GRAVITEE_SPECS.policies];

interface Answer {
  readonly status: number;
  readonly body: Json & { data?: Json[]; pagination?: Json; links?: Json };
  readonly text: string;
}

/** A client of the emulator whose traffic is checked against the specs. */
async function client(options: ConstructorParameters<typeof GraviteeEmulator>[0] = {}) {
  const specs = await loadGraviteeSpecs();
  const gravitee = new GraviteeEmulator({
    validatePolicy: await schemaPolicyValidator(),
    ...options,
  });
  const checked = checkingFetch(gravitee.fetch, specs);
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = ADMIN,
  ): Promise<Answer> => {
    const response = await checked.fetch(`${BASE}${path}`, {
      method,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, body: text === "" ? {} : JSON.parse(text) };
  };
  return { gravitee, call, log: checked.log, specs };
}

function assertNoViolations(log: { violations: readonly { call: string; problem: string }[] }) {
  assert.deepEqual(
    log.violations,
    [],
    log.violations.map((v) => `${v.call}: ${v.problem}`).join("\n"),
  );
}

/** Creates a v4 proxy API with a published keyless plan, through the HTTP API. */
async function apiWithPlan(call: Awaited<ReturnType<typeof client>>["call"], name: string) {
  const api = await call(
    "POST",
    `${V2}/apis`,
    proxyApi(name, `/${name}`, `http://${name}.internal`),
  );
  assert.equal(api.status, 201, api.text);
  const id = String(api.body.id);
  const plan = await call("POST", `${V2}/apis/${id}/plans`, {
    definitionVersion: "V4",
    name: "Open",
    security: { type: "KEY_LESS" },
    mode: "STANDARD",
    flows: [],
  });
  assert.equal(plan.status, 201, plan.text);
  return { id, planId: String(plan.body.id) };
}

// ---------------------------------------------------------------------------------------------
// Operations and paths
// ---------------------------------------------------------------------------------------------

/** Every v2 call the agent makes, with sample ids. */
const AGENT_CALLS: readonly (readonly [string, string])[] = [
  ["GET", "/management/v2/organizations/DEFAULT"],
  ["GET", "/management/v2/organizations/DEFAULT/license"],
  ["GET", `${V2}`],
  ["GET", `${V2}/apis`],
  ["POST", `${V2}/apis`],
  ["GET", `${V2}/apis/a1`],
  ["PUT", `${V2}/apis/a1`],
  ["DELETE", `${V2}/apis/a1`],
  ["POST", `${V2}/apis/a1/deployments`],
  ["POST", `${V2}/apis/a1/_start`],
  ["POST", `${V2}/apis/a1/_stop`],
  ["GET", `${V2}/apis/a1/plans`],
  ["POST", `${V2}/apis/a1/plans`],
  ["POST", `${V2}/apis/a1/plans/p1/_publish`],
  ["POST", `${V2}/apis/a1/subscriptions`],
  ["POST", `${V2}/apis/a1/subscriptions/s1/_accept`],
  ["POST", `${V2}/apis/a1/subscriptions/s1/_close`],
  ["GET", `${V2}/apis/a1/subscriptions/s1/api-keys`],
  ["POST", `${V2}/apis/a1/subscriptions/s1/api-keys/_renew`],
];

specTest({
  name: "every v2 call of the agent is documented, with and without the organisation prefix",
  requires: SPECS,
  fn: async () => {
    const specs: GraviteeSpecs = await loadGraviteeSpecs();
    const { documentedAt } = await import("./gravitee_emulator_contract.ts");
    for (const [method, path] of AGENT_CALLS) {
      for (
        const variant of [
          path,
          path.replace("/organizations/DEFAULT/environments", "/environments"),
        ]
      ) {
        if (
          variant.endsWith("/DEFAULT/license") || variant === "/management/v2/organizations/DEFAULT"
        ) {
          if (variant !== path) continue;
        }
        const where = documentedAt(specs, variant);
        assert.ok(where, `${method} ${variant} maps to no spec file`);
        assert.ok(
          where.spec.hasOperation(method, where.path),
          `${method} ${variant} not documented`,
        );
      }
    }
  },
});

specTest({
  name: "unknown paths are JAX-RS 404s, wrong methods 405s, in Gravitee's error envelope",
  requires: SPECS,
  fn: async () => {
    const { call } = await client();
    const missing = await call(
      "GET",
      "/management/v2/organizations/DEFAULT/environments/DEFAULT/nothing",
    );
    assert.deepEqual([missing.status, missing.body], [404, {
      httpStatus: 404,
      message: "HTTP 404 Not Found",
    }]);
    const wrong = await call("PATCH", `${V2}/apis/x/_start`);
    assert.deepEqual([wrong.status, wrong.body], [405, {
      httpStatus: 405,
      message: "HTTP 405 Method Not Allowed",
    }]);
    const unknownEnv = await call(
      "GET",
      "/management/v2/organizations/DEFAULT/environments/PROD/apis",
    );
    assert.equal(unknownEnv.status, 404);
    assert.equal(unknownEnv.body.message, "Environment [PROD] cannot be found.");
  },
});

// ---------------------------------------------------------------------------------------------
// Authentication and error fixtures
// ---------------------------------------------------------------------------------------------

specTest({
  name: "authentication: basic or bearer; refusals are 401s without a body",
  requires: SPECS,
  fn: async () => {
    const { call } = await client({ token: "pat-7f3a" });
    const org = "/management/v2/organizations/DEFAULT";
    assert.equal((await call("GET", org)).status, 200);
    assert.equal(
      (await call("GET", org, undefined, { authorization: "Bearer pat-7f3a" })).status,
      200,
    );
    for (
      const headers of <Record<string, string>[]> [{}, { authorization: "Bearer nope" }, {
        authorization: `Basic ${btoa("admin:x")}`,
      }]
    ) {
      const refused = await call("GET", org, undefined, headers);
      assert.deepEqual([refused.status, refused.text], [401, ""]);
    }
    const open = await client({ users: [] });
    assert.equal((await open.call("GET", org, undefined, {})).status, 200);
  },
});

specTest({
  name: "error bodies match the fixtures: 404 api.notFound, 400 pagination validation, 403",
  requires: [...SPECS, "gravitee/fixtures/errors"],
  fn: async () => {
    const { call, log } = await client();
    const id = "c4ee4c27-0a1e-4f2e-ae4c-270a1eff2e9e";
    const notFound = await call("GET", `${V2}/apis/${id}`);
    assert.equal(notFound.status, 404);
    assert.deepEqual(
      notFound.body,
      await readSpecJson("gravitee/fixtures/errors/404-api-not-found-legacy.json"),
    );
    const badPage = await call("GET", `${V2}/apis?perPage=0`);
    assert.equal(badPage.status, 400);
    assert.deepEqual(
      badPage.body,
      await readSpecJson("gravitee/fixtures/errors/400-validation-error.json"),
    );
    assert.deepEqual(
      FORBIDDEN_BODY,
      await readSpecJson("gravitee/fixtures/errors/403-forbidden.json"),
    );
    assertNoViolations(log);
  },
});

// ---------------------------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------------------------

specTest({
  name: "pagination: pagination info and links follow PaginationInfo and PaginationLinks",
  requires: SPECS,
  fn: async () => {
    const { gravitee, call, log } = await client();
    const empty = await call("GET", `${V2}/apis`);
    assert.deepEqual(empty.body, { data: [], pagination: {} }, "empty: no links at all");
    gravitee.seed({ apis: 25 });
    const single = await call("GET", `${V2}/apis?perPage=100`);
    assert.deepEqual(single.body.links, { self: `${BASE}${V2}/apis?perPage=100` });
    assert.deepEqual(single.body.pagination, {
      page: 1,
      perPage: 100,
      pageCount: 1,
      pageItemsCount: 25,
      totalCount: 25,
    });
    const first = await call("GET", `${V2}/apis`);
    assert.equal(first.body.data!.length, 10, "perPage defaults to 10");
    assert.deepEqual(first.body.links, {
      self: `${BASE}${V2}/apis`,
      first: `${BASE}${V2}/apis?page=1`,
      last: `${BASE}${V2}/apis?page=3`,
      next: `${BASE}${V2}/apis?page=2`,
    });
    const middle = await call("GET", `${V2}/apis?page=2&perPage=10`);
    assert.deepEqual(middle.body.links, {
      self: `${BASE}${V2}/apis?page=2&perPage=10`,
      first: `${BASE}${V2}/apis?page=1&perPage=10`,
      last: `${BASE}${V2}/apis?page=3&perPage=10`,
      previous: `${BASE}${V2}/apis?page=1&perPage=10`,
      next: `${BASE}${V2}/apis?page=3&perPage=10`,
    });
    const last = await call("GET", `${V2}/apis?page=3`);
    assert.equal(last.body.data!.length, 5);
    assert.equal(last.body.links!.next, undefined, "no next on the last page");
    assert.equal(last.body.links!.previous, `${BASE}${V2}/apis?page=2`);
    const past = await call("GET", `${V2}/apis?page=9`);
    assert.deepEqual([past.body.data, past.body.links], [[], undefined], "past the end: no links");
    const names = [first, middle, last].flatMap((answer) =>
      answer.body.data!.map((api) => api.name)
    );
    assert.deepEqual(names, [...names].sort(), "sorted by name");
    assertNoViolations(log);
  },
});

// ---------------------------------------------------------------------------------------------
// API lifecycle
// ---------------------------------------------------------------------------------------------

specTest({
  name: "an API is NEED_REDEPLOY until deployed, and again after a change of definition or plan",
  requires: SPECS,
  fn: async () => {
    const { call, log } = await client();
    const created = await call(
      "POST",
      `${V2}/apis`,
      proxyApi("orders", "/orders", "http://orders.internal"),
    );
    const id = String(created.body.id);
    assert.equal(created.body.state, "STOPPED");
    assert.equal(created.body.deploymentState, "NEED_REDEPLOY");
    assert.deepEqual((created.body.listeners as Json[])[0].paths, [{
      path: "/orders/",
      overrideAccess: false,
    }]);
    const notDeployable = await call("POST", `${V2}/apis/${id}/deployments`, {});
    assert.equal(notDeployable.status, 400);
    assert.equal(
      notDeployable.body.message,
      `The api {${id}} can not be deployed without at least one published plan`,
    );
    const notStartable = await call("POST", `${V2}/apis/${id}/_start`);
    assert.equal(
      notStartable.body.message,
      `The API {${id}} can not be started without at least one published plan`,
    );
    const plan = await call("POST", `${V2}/apis/${id}/plans`, {
      definitionVersion: "V4",
      name: "Open",
      security: { type: "KEY_LESS" },
      mode: "STANDARD",
    });
    assert.equal(plan.body.status, "STAGING");
    assert.equal(
      (await call("POST", `${V2}/apis/${id}/plans/${plan.body.id}/_publish`)).body.status,
      "PUBLISHED",
    );
    assert.equal(
      (await call("POST", `${V2}/apis/${id}/deployments`, { deploymentLabel: "first" })).status,
      202,
    );
    assert.equal((await call("GET", `${V2}/apis/${id}`)).body.deploymentState, "DEPLOYED");
    const current = (await call("GET", `${V2}/apis/${id}`)).body;
    const update = await call("PUT", `${V2}/apis/${id}`, {
      name: "orders",
      apiVersion: "1.1",
      definitionVersion: "V4",
      type: "PROXY",
      listeners: current.listeners,
      endpointGroups: current.endpointGroups,
    });
    assert.equal(update.status, 200, update.text);
    assert.equal(update.body.deploymentState, "NEED_REDEPLOY");
    await call("POST", `${V2}/apis/${id}/deployments`, {});
    assert.equal((await call("GET", `${V2}/apis/${id}`)).body.deploymentState, "DEPLOYED");
    const second = await call("POST", `${V2}/apis/${id}/plans`, {
      definitionVersion: "V4",
      name: "Keys",
      security: { type: "API_KEY" },
    });
    assert.equal(
      (await call("GET", `${V2}/apis/${id}`)).body.deploymentState,
      "DEPLOYED",
      "staging plans are not deployed",
    );
    await call("POST", `${V2}/apis/${id}/plans/${second.body.id}/_publish`);
    assert.equal((await call("GET", `${V2}/apis/${id}`)).body.deploymentState, "NEED_REDEPLOY");
    const long = await call("POST", `${V2}/apis/${id}/deployments`, {
      deploymentLabel: "x".repeat(33),
    });
    assert.equal(long.status, 400);
    assert.deepEqual(
      log.violations.map((violation) => violation.problem),
      ["request body: /deploymentLabel must NOT have more than 32 characters"],
      "the spec checker sees the invalid label too",
    );
  },
});

specTest({
  name: "start, stop and delete follow ApiResource and ApiServiceImpl",
  requires: SPECS,
  fn: async () => {
    const { call, log } = await client();
    const { id, planId } = await apiWithPlan(call, "billing");
    await call("POST", `${V2}/apis/${id}/plans/${planId}/_publish`);
    assert.equal(
      (await call("POST", `${V2}/apis/${id}/_stop`)).body.message,
      "API is already stopped",
    );
    assert.equal((await call("POST", `${V2}/apis/${id}/_start`)).status, 204);
    const started = (await call("GET", `${V2}/apis/${id}`)).body;
    assert.deepEqual(
      [started.state, started.deploymentState],
      ["STARTED", "DEPLOYED"],
      "the first start deploys",
    );
    assert.equal(
      (await call("POST", `${V2}/apis/${id}/_start`)).body.message,
      "API is already started",
    );
    const running = await call("DELETE", `${V2}/apis/${id}`);
    assert.deepEqual([running.status, running.body.technicalCode], [400, "api.running"]);
    assert.equal(
      running.body.message,
      `API [${id}] is still running and must be stopped before being deleted !`,
    );
    await call("POST", `${V2}/apis/${id}/_stop`);
    const openPlans = await call("DELETE", `${V2}/apis/${id}`);
    assert.equal(
      openPlans.body.message,
      "Plan(s) [Open] must be closed before being able to delete the API !",
    );
    assert.equal((await call("DELETE", `${V2}/apis/${id}?closePlans=true`)).status, 204);
    assert.equal((await call("GET", `${V2}/apis/${id}`)).status, 404);
    assertNoViolations(log);
  },
});

specTest({
  name: "create and update bodies: unknown properties, duplicate paths, bad targets, bad policies",
  requires: SPECS,
  fn: async () => {
    const { call } = await client();
    const unknown = await call("POST", `${V2}/apis`, {
      ...proxyApi("a", "/a", "http://a"),
      state: "STARTED",
    });
    assert.deepEqual(unknown.body, {
      httpStatus: 400,
      message: "Property [state] is not recognized as a valid property",
    });
    assert.equal((await call("POST", `${V2}/apis`, proxyApi("a", "/a", "http://a"))).status, 201);
    const clash = await call("POST", `${V2}/apis`, proxyApi("b", "/a/", "http://b"));
    assert.deepEqual([clash.status, clash.body.message], [400, "Path [/a/] already exists"]);
    const badTarget = await call("POST", `${V2}/apis`, proxyApi("c", "/c", "not a url"));
    assert.equal(badTarget.status, 400);
    const flows = (policy: string, configuration: Json) => [{
      name: "f",
      selectors: [{ type: "HTTP", path: "/", pathOperator: "STARTS_WITH" }],
      request: [{ name: "s", policy, configuration }],
    }];
    const unknownPolicy = await call(
      "POST",
      `${V2}/apis`,
      proxyApi("d", "/d", "http://d", { flows: flows("nope", {}) }),
    );
    assert.equal(unknownPolicy.body.message, "Policy [nope] cannot be found.");
    const badConfig = await call(
      "POST",
      `${V2}/apis`,
      proxyApi("e", "/e", "http://e", {
        flows: flows("rate-limit", { rate: { limit: -1 } }),
      }),
    );
    assert.equal(badConfig.status, 400);
    assert.match(
      String(badConfig.body.message),
      /^Invalid configuration for policy rate-limit: .*rate\/limit must be >= 0/,
    );
  },
});

// ---------------------------------------------------------------------------------------------
// Plans
// ---------------------------------------------------------------------------------------------

specTest({
  name: "plan transitions and their 400s (PlanServiceImpl), list filters and one keyless plan",
  requires: SPECS,
  fn: async () => {
    const { call, log } = await client();
    const { id, planId } = await apiWithPlan(call, "catalog");
    const plan = (action: string, pid = planId) =>
      call("POST", `${V2}/apis/${id}/plans/${pid}/_${action}`);
    assert.equal((await plan("deprecate")).body.message, `Plan ${planId} is not yet published !`);
    assert.equal((await plan("publish")).body.status, "PUBLISHED");
    assert.equal((await plan("publish")).body.message, `Plan ${planId} is already published !`);
    const other = await call("POST", `${V2}/apis/${id}/plans`, {
      definitionVersion: "V4",
      name: "Open 2",
      security: { type: "KEY_LESS" },
    });
    const keyless = await plan("publish", String(other.body.id));
    assert.deepEqual([keyless.status, keyless.body.technicalCode], [400, "plan.keyless.exists"]);
    const listed = await call("GET", `${V2}/apis/${id}/plans`);
    assert.deepEqual(listed.body.data!.map((p) => p.name), ["Open"], "PUBLISHED by default");
    const all = await call("GET", `${V2}/apis/${id}/plans?statuses=STAGING,PUBLISHED`);
    assert.equal(all.body.data!.length, 2);
    assert.equal((await plan("deprecate")).body.status, "DEPRECATED");
    assert.equal((await plan("close")).body.status, "CLOSED");
    assert.equal((await plan("close")).body.message, `Plan ${planId} is already closed !`);
    const missing = await call("POST", `${V2}/apis/${id}/plans/nope/_publish`);
    assert.deepEqual([missing.status, missing.body.technicalCode], [404, "plan.notFound"]);
    assertNoViolations(log);
  },
});

// ---------------------------------------------------------------------------------------------
// Subscriptions, API keys and applications
// ---------------------------------------------------------------------------------------------

specTest({
  name: "subscriptions: published non-keyless plans, client_id for JWT, custom keys, renew, close",
  requires: SPECS,
  fn: async () => {
    const { gravitee, call, log } = await client();
    const store = gravitee.store();
    const api = store.createApi(proxyApi("pay", "/pay", "http://pay"));
    const apiId = String(api.id);
    const keyless = publishedPlan(store, apiId, { name: "Open", security: { type: "KEY_LESS" } });
    const keys = publishedPlan(store, apiId, { name: "Keys", security: { type: "API_KEY" } });
    const jwt = publishedPlan(store, apiId, { name: "JWT", security: { type: "JWT" } });
    const app = await call("POST", `${V1}/applications`, {
      name: "app",
      description: "d",
      settings: { app: {} },
    });
    assert.equal(app.status, 201, app.text);
    const applicationId = String(app.body.id);
    const subscribe = (planId: unknown, extra: Json = {}) =>
      call("POST", `${V2}/apis/${apiId}/subscriptions`, { applicationId, planId, ...extra });
    assert.equal((await subscribe(keyless.id)).status, 400, "keyless plans cannot be subscribed");
    assert.equal((await subscribe(jwt.id)).body.technicalCode, "application.clientId.required");
    const created = await subscribe(keys.id, {
      customApiKey: "my-key-123",
      metadata: { team: "a" },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.status, "ACCEPTED");
    const subscriptionId = String(created.body.id);
    assert.equal((await subscribe(keys.id)).body.technicalCode, "plan.subscribed");
    const listed = await call(
      "GET",
      `${V2}/apis/${apiId}/subscriptions/${subscriptionId}/api-keys`,
    );
    assert.deepEqual(listed.body.data!.map((k) => [k.key, k.revoked]), [["my-key-123", false]]);
    const renewed = await call(
      "POST",
      `${V2}/apis/${apiId}/subscriptions/${subscriptionId}/api-keys/_renew`,
      { customApiKey: "next-key-456" },
    );
    assert.equal(renewed.body.key, "next-key-456");
    const after = await call("GET", `${V2}/apis/${apiId}/subscriptions/${subscriptionId}/api-keys`);
    assert.equal(after.body.data![0].key, "next-key-456", "newest key first");
    assert.ok(after.body.data![1].expireAt, "the old key expires");
    const v1 = await call(
      "GET",
      `${V1}/applications/${applicationId}/subscriptions?status=ACCEPTED`,
    );
    assert.deepEqual(v1.body.data!.map((s) => [s.api, s.plan, s.status]), [[
      apiId,
      keys.id,
      "ACCEPTED",
    ]]);
    assert.equal(
      (await call("POST", `${V2}/apis/${apiId}/subscriptions/${subscriptionId}/_close`)).body
        .status,
      "CLOSED",
    );
    const revoked = await call(
      "GET",
      `${V2}/apis/${apiId}/subscriptions/${subscriptionId}/api-keys`,
    );
    assert.equal(revoked.body.data!.every((k) => k.revoked === true), true);
    assertNoViolations(log);
  },
});

specTest({
  name: "manual plans give PENDING subscriptions, keyed on acceptance; custom keys can be refused",
  requires: SPECS,
  fn: async () => {
    const { gravitee, call, log } = await client({ customApiKeys: false });
    const store = gravitee.store();
    const apiId = String(store.createApi(proxyApi("pay", "/pay", "http://pay")).id);
    const manual = publishedPlan(store, apiId, {
      name: "Manual",
      security: { type: "API_KEY" },
      validation: "MANUAL",
    });
    const applicationId = String(store.saveApplication({ name: "a", description: "" }).id);
    const refused = await call("POST", `${V2}/apis/${apiId}/subscriptions`, {
      applicationId,
      planId: manual.id,
      customApiKey: "k",
    });
    assert.equal(refused.body.technicalCode, "apiKey.custom.notAllowed");
    const pending = await call("POST", `${V2}/apis/${apiId}/subscriptions`, {
      applicationId,
      planId: manual.id,
    });
    assert.equal(pending.body.status, "PENDING");
    const path = `${V2}/apis/${apiId}/subscriptions/${pending.body.id}`;
    assert.deepEqual((await call("GET", `${path}/api-keys`)).body.data, []);
    assert.equal((await call("POST", `${path}/_accept`, {})).body.status, "ACCEPTED");
    assert.equal((await call("GET", `${path}/api-keys`)).body.data!.length, 1);
    assert.equal((await call("POST", `${path}/_accept`, {})).status, 400);
    assertNoViolations(log);
  },
});

Deno.test("v1 applications: validation, unique client_id, archive on delete, v1 error envelope", async () => {
  const gravitee = new GraviteeEmulator();
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await gravitee.fetch(`${BASE}${path}`, {
      method,
      headers: { ...ADMIN, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const invalid = await call("POST", `${V1}/applications`, { name: "x" });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.http_status, 400, "v1 errors carry http_status");
  const first = await call("POST", `${V1}/applications`, {
    name: "a",
    description: "",
    settings: { app: { client_id: "c1" } },
  });
  assert.equal(first.status, 201);
  assert.equal(typeof first.body.created_at, "number", "v1 dates are timestamps");
  const clash = await call("POST", `${V1}/applications`, {
    name: "b",
    description: "",
    settings: { app: { client_id: "c1" } },
  });
  assert.equal(clash.status, 400);
  assert.equal((await call("DELETE", `${V1}/applications/${first.body.id}`)).status, 204);
  assert.deepEqual((await call("GET", `${V1}/applications`)).body, []);
  assert.equal((await call("GET", `${V1}/applications/${first.body.id}`)).status, 404);
});

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

specTest({
  name: "fixtures: the exported v4 API is a valid ApiV4 and replays through POST /apis and plans",
  requires: [...SPECS, "gravitee/fixtures/api-definitions"],
  fn: async () => {
    const { call, log, specs } = await client();
    const exported = await readSpecJson<{ api: Json; plans: Json[] }>(
      "gravitee/fixtures/api-definitions/export-v4-proxy-echo.json",
    );
    assertValid(
      specs.apis.validateAgainst("#/components/schemas/ApiV4", exported.api),
      "fixture api",
    );
    const fields = [
      "name",
      "apiVersion",
      "description",
      "definitionVersion",
      "type",
      "listeners",
      "endpointGroups",
      "analytics",
      "flowExecution",
      "flows",
      "visibility",
      "groups",
      "tags",
    ];
    const created = await call(
      "POST",
      `${V2}/apis`,
      Object.fromEntries(fields.map((f) => [f, exported.api[f]])),
    );
    assert.equal(created.status, 201, created.text);
    for (const plan of exported.plans) {
      const body = Object.fromEntries(
        [
          "definitionVersion",
          "name",
          "description",
          "security",
          "validation",
          "mode",
          "flows",
          "characteristics",
          "tags",
          "order",
        ].filter((f) => plan[f] !== undefined).map((f) => [f, plan[f]]),
      );
      const answer = await call("POST", `${V2}/apis/${created.body.id}/plans`, body);
      assert.equal(answer.status, 201, answer.text);
    }
    const read = await call("GET", `${V2}/apis/${created.body.id}`);
    for (const field of ["name", "type", "endpointGroups", "flowExecution"]) {
      assert.deepEqual(read.body[field], exported.api[field], field);
    }
    assertNoViolations(log);
  },
});

specTest({
  name: "fixtures: policy configurations against their schema-forms (defaults applied)",
  requires: [...SPECS, "gravitee/fixtures/policy-configurations"],
  fn: async () => {
    const validate = await schemaPolicyValidator();
    for (
      const [file, policy] of [
        ["quota-01", "quota"],
        ["rate-limit-01", "rate-limit"],
        ["rate-limit-02", "rate-limit"],
        ["rate-limit-03", "rate-limit"],
        ["request-content-limit-1", "request-content-limit"],
      ]
    ) {
      const configuration = await readSpecJson(
        `gravitee/fixtures/policy-configurations/${file}.json`,
      );
      assert.deepEqual(validate(policy, configuration), [], file);
    }
    assert.notDeepEqual(
      validate("rate-limit", { rate: { limit: -1 } }),
      [],
      "the validator can fail",
    );
    assert.deepEqual(SCHEMA_POLICIES.filter((p) => validate(p, {}) === undefined), []);
  },
});

Deno.test("the server's command line", () => {
  assert.deepEqual(parseServerArgs(["--apis", "2000", "--realistic"]), {
    port: 0,
    apis: 2000,
    realistic: true,
    users: [{ user: "admin", password: "admin" }],
    token: undefined,
  });
  assert.deepEqual(parseServerArgs(["--no-auth"]).users, []);
  assert.throws(() => parseServerArgs(["--apis", "many"]), /--apis must be an integer/);
  assert.throws(() => parseServerArgs(["--no-auth", "--token", "t"]), /exclude each other/);
});

Deno.test("the emulator serves over HTTP, injects failures and records requests", async () => {
  await using gravitee = new GraviteeEmulator({ users: [] });
  const url = await gravitee.start();
  gravitee.failNext(1, 503, undefined, { when: (request) => request.path.endsWith("/apis") });
  const first = await fetch(`${url}${V2}/apis`);
  assert.equal(first.status, 503);
  await first.body?.cancel();
  const second = await fetch(`${url}${V2}/apis`);
  assert.deepEqual(await second.json(), { data: [], pagination: {} });
  assert.deepEqual(gravitee.requests.map((r) => r.path), [`${V2}/apis`, `${V2}/apis`]);
  assert.equal(gravitee.calls, 2);
  assert.equal(gravitee.writes, 0);
});
