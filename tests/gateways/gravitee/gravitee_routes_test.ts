/**
 * Deployed routes on Gravitee at the adapter level: creation as a started v4 proxy with a
 * published keyless plan, unchanged = zero writes, updates (target, path, methods), stop and
 * start, deletion when no longer desired, recognition after a restart, repair of a half-created
 * route, partial failures and dry-run.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createGraviteeAdapter } from "../../../src/gateways/gravitee/gravitee_adapter.ts";
import { routeDescription } from "../../../src/gateways/gravitee/gravitee_ownership.ts";
import type { Json } from "../../fakes/gravitee_emulator.ts";
import { proxyApi } from "../../fakes/gravitee_emulator_seed.ts";
import { specTest } from "../../support/specs.ts";
import { ADMIN_URL, harness, HARNESS_SPECS, route } from "./gravitee_harness.ts";

type Harness = Awaited<ReturnType<typeof harness>>;

function owned(gravitee: Harness["gravitee"]): Json[] {
  return gravitee.store().listApis()
    .filter((api) => String(api.description).startsWith("[stoa-managed deployment="))
    .map((api) => gravitee.store().getApi(String(api.id)));
}

specTest({
  name:
    "a route becomes a started, deployed v4 proxy with a published keyless plan; then nothing to do",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes, assertConformant } = await harness({
      seed: (g) => g.realisticSeed(),
    });
    const orders = route("dep-1", "orders", { methods: ["GET", "POST"], generation: 4 });
    const plan = await adapter.planRoutes([orders]);
    assert.deepEqual(plan.items.map((i) => [i.kind, i.id, i.action, i.generation, i.target]), [
      ["route", "dep-1", "create", 4, "v4 API orders at /apis/orders/"],
    ]);
    assert.deepEqual(
      plan.items[0].changes.map((change) => [change.field, change.after]),
      [
        ["name", "orders"],
        ["path", "/apis/orders/"],
        ["backend_url", "http://orders.backend:8080"],
        ["methods", ["GET", "POST"]],
        ["state", "STARTED"],
        ["plan", "stoa-connect keyless (published)"],
        ["deployment", "DEPLOYED"],
      ],
    );
    assert.deepEqual(await adapter.apply(plan), [
      {
        kind: "route",
        id: "dep-1",
        name: "orders",
        action: "create",
        generation: 4,
        status: "applied",
      },
    ]);
    assert.deepEqual(writes(), [
      "POST /apis",
      "POST /apis/:id/plans",
      "POST /apis/:id/plans/:id/_publish",
      "POST /apis/:id/_start",
    ]);
    const [api] = owned(gravitee);
    assert.deepEqual([api.name, api.state, api.deploymentState, api.type], [
      "orders",
      "STARTED",
      "DEPLOYED",
      "PROXY",
    ]);
    assert.deepEqual(api.flowExecution, { mode: "DEFAULT", matchRequired: true });
    assert.equal(gravitee.store().plansOf(String(api.id))[0].status, "PUBLISHED");
    // Seeded APIs are not owned: they are neither listed as deletes nor touched.
    const again = await adapter.planRoutes([orders]);
    assert.deepEqual(again.items.map((i) => [i.id, i.action, i.changes]), [[
      "dep-1",
      "unchanged",
      [],
    ]]);
    assert.deepEqual((await adapter.apply(again)).map((r) => r.status), ["unchanged"]);
    assert.deepEqual(writes(), []);
    assertConformant();
  },
});

specTest({
  name:
    "updates: target, path and methods are saved and redeployed; deactivation stops, reactivation starts",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes, assertConformant } = await harness();
    await adapter.apply(await adapter.planRoutes([route("dep-1", "orders")]));
    writes();
    const moved = route("dep-1", "orders", {
      backendUrl: "https://orders-v2.backend",
      pathPrefix: "/apis/orders-v2",
      methods: ["GET"],
    });
    const plan = await adapter.planRoutes([moved]);
    assert.equal(plan.items[0].action, "update");
    assert.deepEqual(plan.items[0].changes.map((change) => change.field), [
      "path",
      "backend_url",
      "methods",
    ]);
    assert.deepEqual((await adapter.apply(plan)).map((r) => r.status), ["applied"]);
    assert.deepEqual(writes(), ["PUT /apis/:id", "POST /apis/:id/deployments"]);
    let [api] = owned(gravitee);
    assert.equal(((api.listeners as Json[])[0].paths as Json[])[0].path, "/apis/orders-v2/");
    assert.equal(api.deploymentState, "DEPLOYED");

    const off = await adapter.planRoutes([{ ...moved, activated: false }]);
    assert.deepEqual(off.items[0].changes, [{
      field: "state",
      before: "STARTED",
      after: "STOPPED",
    }]);
    await adapter.apply(off);
    assert.deepEqual(writes(), ["POST /apis/:id/_stop"]);
    [api] = owned(gravitee);
    assert.equal(api.state, "STOPPED");
    await adapter.apply(await adapter.planRoutes([moved]));
    assert.deepEqual(writes(), ["POST /apis/:id/_start"]);
    assert.equal(owned(gravitee)[0].state, "STARTED");
    assertConformant();
  },
});

specTest({
  name: "a route created inactive is deployed but stopped",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes } = await harness();
    await adapter.apply(await adapter.planRoutes([route("dep-9", "draft", { activated: false })]));
    assert.deepEqual(writes().at(-1), "POST /apis/:id/deployments");
    const [api] = owned(gravitee);
    assert.deepEqual([api.state, api.deploymentState], ["STOPPED", "DEPLOYED"]);
    assert.equal(
      (await adapter.planRoutes([route("dep-9", "draft", { activated: false })])).items[0].action,
      "unchanged",
    );
  },
});

specTest({
  name:
    "the desired list is authoritative: owned routes not in it are stopped and deleted, plans closed",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes, assertConformant } = await harness({
      seed: (g) => g.realisticSeed(),
    });
    await adapter.apply(
      await adapter.planRoutes([route("dep-1", "orders"), route("dep-2", "users")]),
    );
    writes();
    const plan = await adapter.planRoutes([route("dep-1", "orders")]);
    assert.deepEqual(plan.items.map((i) => [i.id, i.name, i.action]), [[
      "dep-1",
      "orders",
      "unchanged",
    ], ["dep-2", "users", "delete"]]);
    assert.deepEqual((await adapter.apply(plan)).map((r) => [r.id, r.status]), [[
      "dep-1",
      "unchanged",
    ], ["dep-2", "removed"]]);
    assert.deepEqual(writes(), ["POST /apis/:id/_stop", "DELETE /apis/:id"]);
    assert.deepEqual(owned(gravitee).map((api) => api.name), ["orders"]);
    const empty = await adapter.planRoutes([]);
    assert.deepEqual(empty.items.map((i) => [i.id, i.action]), [["dep-1", "delete"]]);
    await adapter.apply(empty);
    assert.deepEqual(owned(gravitee), []);
    assert.equal(gravitee.store().listApis().length, 5, "the seeded APIs are still there");
    assertConformant();
  },
});

specTest({
  name:
    "owned routes are recognised by a new adapter (restart), and a half-created route is completed",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes } = await harness();
    await adapter.apply(await adapter.planRoutes([route("dep-1", "orders")]));
    const restarted = createGraviteeAdapter({
      adminUrl: ADMIN_URL,
      user: "admin",
      password: "admin",
      fetch: gravitee.fetch,
    });
    assert.deepEqual(
      (await restarted.planRoutes([route("dep-1", "orders")])).items.map((i) => i.action),
      ["unchanged"],
    );
    writes();
    // A crash after POST /apis: the API exists without a plan, stopped, never deployed.
    gravitee.failNext(1, 500, undefined, {
      when: (r) => r.path.endsWith("/plans") && r.method === "POST",
    });
    const [failed] = await adapter.apply(
      await adapter.planRoutes([route("dep-1", "orders"), route("dep-2", "users")]).then((
        plan,
      ) => ({ ...plan, items: plan.items.filter((i) => i.id === "dep-2") })),
    );
    assert.equal(failed.status, "failed");
    assert.match(failed.error!, /failed on POST .*\/plans \(500\)/);
    const repair = await adapter.planRoutes([route("dep-1", "orders"), route("dep-2", "users")]);
    const item = repair.items.find((i) => i.id === "dep-2")!;
    assert.equal(item.action, "update");
    assert.deepEqual(item.changes.map((change) => [change.field, change.before, change.after]), [
      ["state", "STOPPED", "STARTED"],
      ["plan", "none", "stoa-connect keyless (published)"],
      ["deployment", "NEED_REDEPLOY", "DEPLOYED"],
    ]);
    await adapter.apply(repair);
    assert.deepEqual(owned(gravitee).map((api) => [api.name, api.state, api.deploymentState]), [
      ["orders", "STARTED", "DEPLOYED"],
      ["users", "STARTED", "DEPLOYED"],
    ]);
  },
});

specTest({
  name: "invalid routes and Gravitee refusals fail one item each; the batch goes on",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes, assertConformant } = await harness({
      seed: (g) => g.realisticSeed(),
    });
    const plan = await adapter.planRoutes([
      route("bad-path", "a", { pathPrefix: "apis/a" }),
      route("bad-url", "b", { backendUrl: "ftp://files" }),
      route("clash", "c", { pathPrefix: "/orders" }),
      route("ok", "d"),
    ]);
    const results = await adapter.apply(plan);
    const byId = Object.fromEntries(results.map((r) => [r.id, r]));
    assert.match(byId["bad-path"].error!, /path_prefix 'apis\/a' must start with '\/'/);
    assert.match(byId["bad-url"].error!, /must be http or https/);
    assert.equal(byId.clash.status, "failed");
    assert.match(
      byId.clash.error!,
      /answered POST .*\/apis with 400: Path \[\/orders\/\] already exists/,
    );
    assert.equal(byId.ok.status, "applied");
    assert.equal(
      writes().filter((w) => w === "POST /apis").length,
      2,
      "invalid items never reach Gravitee",
    );
    assert.deepEqual(owned(gravitee).map((api) => api.name), ["d"]);
    assertConformant();
  },
});

specTest({
  name: "dry-run of routes writes nothing; a route allowing every method has no filter",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes } = await harness();
    const every = route("dep-1", "all", {
      methods: ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT"],
    });
    const plan = await adapter.planRoutes([every]);
    assert.deepEqual(writes(), []);
    assert.deepEqual(plan.items[0].changes.find((c) => c.field === "methods")!.after, []);
    await adapter.apply(plan);
    const [api] = owned(gravitee);
    assert.deepEqual([api.flows, api.flowExecution], [[], {
      mode: "DEFAULT",
      matchRequired: false,
    }]);
  },
});

specTest({
  name: "an operator's duplicate of a route API is never deleted; the item fails naming both APIs",
  requires: HARNESS_SPECS,
  fn: async () => {
    const { gravitee, adapter, writes, assertConformant } = await harness();
    await adapter.apply(await adapter.planRoutes([route("dep-1", "orders")]));
    const [mine] = owned(gravitee);
    // Gravitee "Duplicate" copies the description, ownership marker included.
    const copy = gravitee.store().createApi(
      proxyApi("orders (copy)", "/apis/orders-copy", "http://orders.backend:8080", {
        description: routeDescription("dep-1", "orders"),
      }),
    );
    writes();
    const plan = await adapter.planRoutes([route("dep-1", "orders")]);
    assert.deepEqual(plan.items.map((i) => [i.id, i.action]), [["dep-1", "update"]]);
    const [result] = await adapter.apply(plan);
    assert.equal(result.status, "failed");
    assert.match(result.error!, /^2 APIs carry the stoa-connect marker of deployment dep-1: /);
    assert.ok(result.error!.includes(`'orders' (id ${mine.id})`), result.error);
    assert.ok(result.error!.includes(`'orders (copy)' (id ${copy.id})`), result.error);
    assert.deepEqual(writes(), [], "nothing deleted, stopped or saved");

    // No longer desired: still nothing deleted while the deployment has two APIs.
    const gone = await adapter.planRoutes([]);
    assert.deepEqual(gone.items.map((i) => [i.id, i.action]), [["dep-1", "delete"]]);
    const [removal] = await adapter.apply(gone);
    assert.equal(removal.status, "failed");
    assert.match(removal.error!, /never deletes a duplicate/);
    assert.deepEqual(writes(), []);
    assert.deepEqual(owned(gravitee).map((api) => api.id).sort(), [mine.id, copy.id].sort());
    assertConformant();
  },
});
