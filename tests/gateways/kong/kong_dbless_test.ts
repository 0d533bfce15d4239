/**
 * Synchronisation of a Kong without a database, end to end against the emulator: every write is
 * one `POST /config?check_hash=1` with the whole document, objects of other owners (and of the
 * agent's other kinds) are kept exactly, nothing is posted when nothing changed, and a refused
 * document fails every item pushed with it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { KongEmulator } from "../../fakes/kong_emulator.ts";
import { call, type Json } from "../../fakes/kong_emulator_contract.ts";
import { kongBasicAuthHash } from "../../fakes/kong_emulator_store.ts";
import {
  adapterFor,
  credential,
  policy,
  route,
  statuses,
  writesDuring,
} from "./kong_sync_fixtures.ts";

const UPSTREAM = { id: "7c1d8e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f", name: "orders-lb" };
const FOREIGN_CONSUMER = "5a3f0c1e-6b2d-4e8f-9a7c-1d2e3f4a5b6c";
const FOREIGN_HASH = kongBasicAuthHash(FOREIGN_CONSUMER, "their-password");

const POLICIES = [
  policy({ id: "rate", type: "rate_limit", config: { maxRequests: 50 } }),
  policy({ id: "cors", type: "cors", targets: ["orders-api"] }),
];
const ROUTES = [route({ id: "0b7c1e2a-1111-4222-8333-444455556666", name: "orders" })];
const CREDENTIALS = [
  credential({ consumerId: "alice", key: "alice-key-0001" }),
  credential({ consumerId: "alice", authType: "basic-auth", key: "alice", secret: "pw-1" }),
];

/** A DB-less Kong loaded with someone else's configuration, upstreams and credentials included. */
async function dblessGateway(): Promise<KongEmulator> {
  const kong = new KongEmulator({ dbless: true });
  kong.realisticSeed();
  const document = await exported(kong);
  const loaded = await call(kong, "POST", "/config", {
    ...document,
    upstreams: [UPSTREAM],
    targets: [{ target: "10.0.0.5:8080", upstream: UPSTREAM.id }],
    consumers: [...(document.consumers as Json[]), { id: FOREIGN_CONSUMER, username: "ops" }],
    basicauth_credentials: [{
      username: "ops",
      password: FOREIGN_HASH,
      consumer: FOREIGN_CONSUMER,
    }],
  });
  assert.equal(loaded.status, 201, loaded.text);
  return kong;
}

async function exported(kong: KongEmulator): Promise<Json> {
  const answer = await call(kong, "GET", "/config");
  return parseYaml((answer.body as { config: string }).config) as Json;
}

/** The document without the agent's objects, timestamps and emptied collections. */
function foreignPart(document: Json): Json {
  const owned = (entity: Json) => ((entity.tags ?? []) as string[]).includes("stoa-managed");
  const out: Json = {};
  for (const [key, value] of Object.entries(document)) {
    if (!Array.isArray(value)) {
      out[key] = value;
      continue;
    }
    const foreign = value.filter((entity) => !owned(entity)).map((entity) =>
      Object.fromEntries(Object.entries(entity).filter(([field]) => !field.endsWith("_at")))
    );
    if (foreign.length > 0) out[key] = foreign;
  }
  return out;
}

function configPosts(kong: KongEmulator): number {
  return kong.requests.filter((r) => r.method === "POST" && r.path === "/config").length;
}

Deno.test("DB-less end to end: every kind synced, foreign objects kept exactly", async () => {
  const kong = await dblessGateway();
  const before = foreignPart(await exported(kong));
  const setup = kong.requests.length;
  const adapter = adapterFor(kong);
  assert.equal((await adapter.probe()).dbless, true);
  const discovered = await adapter.discover();
  const policies = await adapter.apply(await adapter.planPolicies(POLICIES, { discovered }));
  const routes = await adapter.apply(await adapter.planRoutes(ROUTES));
  const credentials = await adapter.apply(await adapter.planCredentials(CREDENTIALS));
  assert.deepEqual(statuses([...policies, ...routes, ...credentials]), [
    ["rate", "applied"],
    ["cors", "applied"],
    [ROUTES[0].id, "applied"],
    ["alice", "applied"],
  ]);
  assert.ok(
    kong.requests.filter((r) => r.method !== "GET").every((r) => r.path === "/config"),
    "no entity write in DB-less mode",
  );
  assert.ok(
    kong.requests.slice(setup).filter((r) => r.path === "/config" && r.method === "POST")
      .every((r) => r.query.check_hash === "1"),
  );
  const after = await exported(kong);
  assert.deepEqual(foreignPart(after), before, "everything the agent does not own is unchanged");
  const store = kong.store();
  assert.equal(
    store.all("basic-auths").find((c) => c.username === "ops")!.password,
    FOREIGN_HASH,
    "a foreign basic-auth password is not hashed twice",
  );
  const alice = store.find("consumers", "stoa-alice")!;
  assert.equal(
    store.all("basic-auths").find((c) => c.username === "alice")!.password,
    kongBasicAuthHash(alice.id, "pw-1"),
    "the agent's password is stored as Kong hashes it",
  );
  assert.ok(store.find("services", "stoa-orders-0b7c1e2a"));
  assert.equal(
    store.all("plugins").filter((p) => (p.tags as string[] | null)?.includes("stoa-policy:rate"))
      .length,
    1,
  );
  // The agent's objects of each kind survive the syncs of the other kinds.
  assert.ok(
    store.all("plugins").some((p) => (p.tags as string[] | null)?.includes("stoa-policy:cors")),
  );
});

Deno.test("DB-less: unchanged cycles and dry-runs post nothing", async () => {
  const kong = await dblessGateway();
  const adapter = adapterFor(kong);
  const discovered = await adapter.discover();
  await adapter.apply(await adapter.planPolicies(POLICIES, { discovered }));
  await adapter.apply(await adapter.planRoutes(ROUTES));
  await adapter.apply(await adapter.planCredentials(CREDENTIALS));
  const writes = await writesDuring(kong, async () => {
    for (
      const plan of [
        await adapter.planPolicies(POLICIES, { discovered }),
        await adapter.planRoutes(ROUTES),
        await adapter.planCredentials(CREDENTIALS),
      ]
    ) {
      assert.ok(plan.items.every((item) => item.action === "unchanged"), JSON.stringify(plan));
      await adapter.apply(plan);
    }
    // Dry-run of real changes: planned, never posted.
    const pending = await adapter.planRoutes([]);
    assert.deepEqual(pending.items.map((item) => item.action), ["delete"]);
  });
  assert.equal(writes, 0);
});

Deno.test("DB-less: Kong already running the document answers 304 and the items are applied", async () => {
  const kong = await dblessGateway();
  const adapter = adapterFor(kong);
  const plan = await adapter.planRoutes(ROUTES);
  await adapter.apply(plan);
  const again = await adapter.apply(plan);
  assert.deepEqual(statuses(again), [[ROUTES[0].id, "applied"]]);
  const last = kong.requests.at(-1)!;
  assert.equal(`${last.method} ${last.path}`, "POST /config");
});

Deno.test("DB-less: deletes remove what hangs off the agent's objects, and only that", async () => {
  const kong = await dblessGateway();
  const adapter = adapterFor(kong);
  await adapter.apply(await adapter.planRoutes(ROUTES));
  const discovered = await adapter.discover();
  // A policy on the agent's own service: its plugin must go with the service.
  const onOwned = policy({ id: "own", type: "cors", targets: ["stoa-orders-0b7c1e2a"] });
  await adapter.apply(await adapter.planPolicies([onOwned], { discovered }));
  const before = foreignPart(await exported(kong));
  const removed = await adapter.apply(await adapter.planRoutes([]));
  assert.deepEqual(statuses(removed), [[ROUTES[0].id, "removed"]]);
  assert.equal(kong.store().find("services", "stoa-orders-0b7c1e2a"), undefined);
  assert.equal(
    kong.store().all("plugins").some((p) =>
      (p.tags as string[] | null)?.includes("stoa-policy:own")
    ),
    false,
    "the plugin on the removed service is gone, as Kong cascades",
  );
  assert.deepEqual(foreignPart(await exported(kong)), before);
  const next = await adapter.planPolicies([onOwned], { discovered: await adapter.discover() });
  assert.match(next.items[0].error!, /no API named 'stoa-orders-0b7c1e2a' was discovered/);
});

Deno.test("DB-less: a route of another owner on the agent's service fails that item before any push", async () => {
  const kong = await dblessGateway();
  const adapter = adapterFor(kong);
  await adapter.apply(await adapter.planRoutes(ROUTES));
  const document = await exported(kong);
  const service = kong.store().find("services", "stoa-orders-0b7c1e2a")!;
  await call(kong, "POST", "/config", {
    ...document,
    routes: [...(document.routes as Json[]), {
      name: "hand-made",
      paths: ["/x"],
      service: service.id,
    }],
  });
  const posts = configPosts(kong);
  const results = await adapter.apply(await adapter.planRoutes([]));
  assert.deepEqual(statuses(results), [[
    ROUTES[0].id,
    "failed",
    "cannot delete service stoa-orders-0b7c1e2a: route hand-made, which stoa-connect does not own, still uses the service; Kong cannot remove a service with routes: move or remove that route",
  ]]);
  assert.equal(configPosts(kong), posts, "nothing pushed");
  assert.ok(kong.store().find("services", "stoa-orders-0b7c1e2a"), "rolled back: still there");
});

Deno.test("DB-less: a refused document fails every item pushed with it, with Kong's reason", async () => {
  const kong = await dblessGateway();
  const adapter = adapterFor(kong);
  const plan = await adapter.planRoutes([
    ...ROUTES,
    route({ id: "1a2b3c4d-0000-4000-8000-000000000002", name: "billing" }),
  ]);
  kong.failNext(1, 400, {
    code: 14,
    name: "invalid declarative configuration",
    message: 'declarative config is invalid: {services={{host="required field missing"}}}',
    fields: { services: { "1": { host: "required field missing" } } },
  }, { when: (request) => request.method === "POST" && request.path === "/config" });
  const results = await adapter.apply(plan);
  assert.deepEqual(results.map((r) => r.status), ["failed", "failed"]);
  for (const result of results) {
    assert.match(
      result.error!,
      /^Kong refused the declarative configuration \(POST http:\/\/kong\.test:8001\/config, 400\): declarative config is invalid: .*host="required field missing".*\(Kong without database loads one document: the 2 items pushed together all failed\)$/,
    );
  }
  assert.equal(kong.store().find("services", "stoa-orders-0b7c1e2a"), undefined);
});

Deno.test("DB-less: concurrent syncs of different kinds never lose each other's changes", async () => {
  const kong = await dblessGateway();
  kong.latencyMs = 3;
  const adapter = adapterFor(kong);
  const discovered = await adapter.discover();
  const [policies, routes, credentials] = await Promise.all([
    adapter.planPolicies(POLICIES, { discovered }),
    adapter.planRoutes(ROUTES),
    adapter.planCredentials(CREDENTIALS),
  ]);
  await Promise.all([adapter.apply(policies), adapter.apply(routes), adapter.apply(credentials)]);
  const store = kong.store();
  assert.equal(
    store.all("plugins").filter((p) => (p.tags as string[] | null)?.includes("stoa-managed"))
      .length,
    2,
  );
  assert.ok(store.find("services", "stoa-orders-0b7c1e2a"));
  assert.ok(store.find("consumers", "stoa-alice"));
});

Deno.test("DB-less: items applied one by one (as the engine does) share pushes", async () => {
  const kong = await dblessGateway();
  kong.latencyMs = 2;
  const adapter = adapterFor(kong);
  const many = Array.from(
    { length: 12 },
    (_, i) =>
      route({
        id: `0b7c1e2a-1111-4222-8333-0000000000${String(i).padStart(2, "0")}`,
        name: `api${i}`,
      }),
  );
  const plan = await adapter.planRoutes(many);
  const posts = configPosts(kong);
  const results = await Promise.all(
    plan.items.map((item) => adapter.apply({ kind: plan.kind, items: [item] })),
  );
  assert.ok(results.flat().every((result) => result.status === "applied"));
  const pushes = configPosts(kong) - posts;
  assert.ok(pushes < many.length, `${pushes} pushes for ${many.length} items`);
  assert.equal(
    kong.store().all("services").filter((s) => String(s.name).startsWith("stoa-api")).length,
    12,
  );
});

Deno.test("DB-less: Kong's refusal of a document never quotes a key back", async () => {
  const kong = await dblessGateway();
  const document = await exported(kong);
  const ops = (document.consumers as Json[]).find((consumer) => consumer.username === "ops")!;
  await call(kong, "POST", "/config", {
    ...document,
    keyauth_credentials: [{ key: "ops-secret-key-42", consumer: ops.id }],
  });
  const adapter = adapterFor(kong);
  const results = await adapter.apply(
    await adapter.planCredentials([
      credential({ consumerId: "mallory", key: "ops-secret-key-42" }),
    ]),
  );
  assert.equal(results[0].status, "failed");
  assert.equal(results[0].error!.includes("ops-secret-key-42"), false, results[0].error);
  assert.match(results[0].error!, /^Kong refused the declarative configuration/);
});
