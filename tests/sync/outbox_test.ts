import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ACK_CHUNK_SIZE,
  type AckDelivery,
  AckOutbox,
  deliverTo,
  onDropped,
  OUTBOX_FILE,
  type PendingAck,
  type PolicyAckItem,
  type RouteAckItem,
} from "../../src/sync/outbox.ts";
import { ControlPlaneError } from "../../src/control_plane/errors.ts";
import { captureLogs, controlPlane } from "./sync_support.ts";

function policyAck(id: string, status: PolicyAckItem["status"] = "applied"): PendingAck {
  return { kind: "policy", at: "2026-11-26T12:00:00Z", ack: { policy_id: id, status } };
}

function routeAck(id: string, generation: number): PendingAck {
  return {
    kind: "route",
    at: "2026-11-26T12:00:00Z",
    ack: { deployment_id: id, status: "applied", generation },
  };
}

/** A delivery that records what it sends and can be made to fail. */
function recorder() {
  const sent: { kind: string; items: unknown[] }[] = [];
  let failure: unknown;
  const delivery: AckDelivery = {
    policies(items: PolicyAckItem[]) {
      if (failure) return Promise.reject(failure);
      sent.push({ kind: "policy", items });
      return Promise.resolve();
    },
    routes(items: RouteAckItem[]) {
      if (failure) return Promise.reject(failure);
      sent.push({ kind: "route", items });
      return Promise.resolve();
    },
  };
  return {
    sent,
    delivery,
    fail(error: unknown) {
      failure = error;
    },
  };
}

const down = new ControlPlaneError({ endpoint: "sync-ack", kind: "network", detail: "refused" });

Deno.test("delivered acks are forgotten and leave no file behind", async () => {
  const dir = await Deno.makeTempDir();
  const outbox = new AckOutbox({ dir });
  const { sent, delivery } = recorder();
  outbox.add([policyAck("p1"), routeAck("d1", 2)]);
  const result = await outbox.flush(delivery);
  assert.deepEqual(result, { delivered: 2, dropped: 0, pending: 0 });
  assert.deepEqual(sent.map((s) => s.kind), ["policy", "route"]);
  assert.equal(outbox.size, 0);
  await assert.rejects(Deno.stat(join(dir, OUTBOX_FILE)), Deno.errors.NotFound);
});

Deno.test("the newest ack of an item replaces the older one", async () => {
  const outbox = new AckOutbox();
  const { sent, delivery } = recorder();
  outbox.add([routeAck("d1", 1), routeAck("d2", 1)]);
  outbox.add([routeAck("d1", 2)]);
  assert.equal(outbox.size, 2);
  await outbox.flush(delivery);
  assert.deepEqual(sent[0].items, [
    { deployment_id: "d2", status: "applied", generation: 1 },
    { deployment_id: "d1", status: "applied", generation: 2 },
  ]);
});

Deno.test("undelivered acks survive a restart and are delivered exactly once", async () => {
  const dir = await Deno.makeTempDir();
  const { cp, client, gatewayId } = await controlPlane();
  const deployment = cp.addDeployment({
    gatewayId,
    apiName: "orders",
    backendUrl: "http://orders.test",
  });

  const first = new AckOutbox({ dir });
  first.add([policyAck("p1", "removed"), {
    kind: "route",
    at: "2026-11-26T12:00:00Z",
    ack: { deployment_id: deployment.id, status: "applied", generation: 1 },
  }]);
  cp.failNext({ status: 503, count: 2 });
  const failed = await first.flush(deliverTo(client, gatewayId));
  assert.equal(failed.pending, 2);
  assert.match(failed.error!, /503/);
  const stored = JSON.parse(await Deno.readTextFile(join(dir, OUTBOX_FILE)));
  assert.equal(stored.format, "stoa-connect/ack-outbox");
  assert.equal(stored.acks.length, 2);
  cp.clearRequests();

  // A new process reading the same directory.
  const second = new AckOutbox({ dir });
  second.load();
  assert.equal(second.size, 2);
  const result = await second.flush(deliverTo(client, gatewayId));
  assert.deepEqual(result, { delivered: 2, dropped: 0, pending: 0 });
  assert.equal(cp.requestsTo("sync-ack").length, 1);
  assert.deepEqual(
    (cp.requestsTo("sync-ack")[0].body as { synced_policies: unknown[] }).synced_policies,
    [{ policy_id: "p1", status: "removed" }],
  );
  assert.equal(cp.requestsTo("route-sync-ack").length, 1);
  assert.equal(cp.deployments.byId(deployment.id)?.sync_status, "synced");

  // Nothing is sent twice, by this process or by the next one.
  await second.flush(deliverTo(client, gatewayId));
  const third = new AckOutbox({ dir });
  third.load();
  await third.flush(deliverTo(client, gatewayId));
  assert.equal(cp.requestsTo("sync-ack").length + cp.requestsTo("route-sync-ack").length, 2);
});

Deno.test("a corrupt outbox file is set aside with a log line, never a crash", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    join(dir, OUTBOX_FILE),
    '{"format": "stoa-connect/ack-outbox", "acks": [',
  );
  const outbox = new AckOutbox({ dir });
  const lines = await captureLogs(() => {
    outbox.load();
    return Promise.resolve();
  });
  assert.equal(outbox.size, 0);
  const names = [...Deno.readDirSync(dir)].map((entry) => entry.name);
  assert.deepEqual(names.filter((n) => n === OUTBOX_FILE), []);
  assert.equal(names.filter((n) => n.startsWith(`${OUTBOX_FILE}.corrupt-`)).length, 1);
  const line = lines.find((l) => String(l.message).includes("corrupt"));
  assert.ok(line, JSON.stringify(lines));
  assert.equal(line.level, "warn");
  assert.match(outbox.status.last_error!, /set aside/);

  // The outbox works normally afterwards.
  const { delivery, fail } = recorder();
  fail(down);
  outbox.add([policyAck("p1")]);
  await outbox.flush(delivery);
  assert.equal(JSON.parse(await Deno.readTextFile(join(dir, OUTBOX_FILE))).acks.length, 1);
});

Deno.test("a file of the wrong shape is set aside too", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, OUTBOX_FILE), JSON.stringify({ acks: "nope" }));
  const outbox = new AckOutbox({ dir });
  await captureLogs(() => Promise.resolve(outbox.load()));
  assert.equal(outbox.size, 0);
  assert.ok([...Deno.readDirSync(dir)].some((e) => e.name.includes(".corrupt-")));
});

Deno.test("acks the Control Plane refuses for good are dropped, others wait", async () => {
  const outbox = new AckOutbox();
  const { delivery, fail } = recorder();
  outbox.add([policyAck("p1")]);
  fail(new ControlPlaneError({ endpoint: "sync-ack", kind: "http", status: 401, detail: "no" }));
  assert.equal((await outbox.flush(delivery)).pending, 1, "401 waits for a valid key");
  fail(new ControlPlaneError({ endpoint: "sync-ack", kind: "http", status: 422, detail: "bad" }));
  const lines: Record<string, unknown>[] = [];
  lines.push(
    ...await captureLogs(async () => {
      const result = await outbox.flush(delivery);
      assert.deepEqual(result, { delivered: 0, dropped: 1, pending: 0 });
    }),
  );
  assert.ok(lines.some((l) => l.level === "error" && String(l.message).includes("for good")));
});

Deno.test("an ack replaced while its batch was in flight is kept", async () => {
  const outbox = new AckOutbox();
  const sent: unknown[] = [];
  const delivery: AckDelivery = {
    policies: (items) => {
      sent.push(items);
      outbox.add([policyAck("p1", "failed")]);
      return Promise.resolve();
    },
    routes: () => Promise.resolve(),
  };
  outbox.add([policyAck("p1", "applied")]);
  await outbox.flush(delivery);
  assert.equal(outbox.size, 1);
  assert.equal((outbox.pending[0].ack as PolicyAckItem).status, "failed");
});

Deno.test("without a state directory the outbox lives in memory", async () => {
  const outbox = new AckOutbox();
  outbox.load();
  const { delivery, fail } = recorder();
  fail(down);
  outbox.add([policyAck("p1")]);
  const result = await outbox.flush(delivery);
  assert.equal(result.pending, 1);
  assert.equal(outbox.status.file, null);
});

Deno.test("a state directory that cannot be written is reported, not fatal", async () => {
  const dir = await Deno.makeTempDir();
  const blocker = join(dir, "not-a-dir");
  await Deno.writeTextFile(blocker, "");
  const outbox = new AckOutbox({ dir: blocker });
  const { delivery, fail } = recorder();
  fail(down);
  outbox.add([policyAck("p1")]);
  await captureLogs(async () => {
    const result = await outbox.flush(delivery);
    assert.equal(result.pending, 1);
  });
  assert.match(outbox.status.last_error!, /cannot store undelivered acknowledgements/);
});

Deno.test("a big backlog goes out in chunks of at most ACK_CHUNK_SIZE per kind", async () => {
  assert.equal(ACK_CHUNK_SIZE, 200);
  const outbox = new AckOutbox();
  const { sent, delivery } = recorder();
  outbox.add(Array.from({ length: 450 }, (_, i) => routeAck(`d${i}`, 1)));
  outbox.add(Array.from({ length: 201 }, (_, i) => policyAck(`p${i}`)));
  const result = await outbox.flush(delivery);
  assert.deepEqual(result, { delivered: 651, dropped: 0, pending: 0 });
  assert.deepEqual(sent.map((s) => [s.kind, s.items.length]), [
    ["policy", 200],
    ["policy", 1],
    ["route", 200],
    ["route", 200],
    ["route", 50],
  ]);
});

Deno.test("a 422 caused by one item drops only that item; the others are delivered", async () => {
  const t = await controlPlane();
  const outbox = new AckOutbox();
  const good = Array.from({ length: 9 }, (_, i) => routeAck(`d${i}`, 1));
  // `generation` must be an integer: the Control Plane answers 422 for the whole request.
  const bad: PendingAck = {
    kind: "route",
    at: "2026-11-26T12:00:00Z",
    ack: { deployment_id: "bad", status: "applied", generation: "two" as unknown as number },
  };
  let droppedBad = 0;
  outbox.add([...good.slice(0, 4), onDropped(bad, () => droppedBad++), ...good.slice(4)]);
  const lines = await captureLogs(async () => {
    const result = await outbox.flush(deliverTo(t.client, t.gatewayId));
    assert.deepEqual(result, { delivered: 9, dropped: 1, pending: 0 });
  });
  assert.equal(droppedBad, 1, "whoever queued the refused ack hears of it");
  const accepted = t.cp.requestsTo("route-sync-ack").filter((r) => r.status === 200).flatMap((r) =>
    (r.body as { synced_routes: RouteAckItem[] }).synced_routes.map((a) => a.deployment_id)
  );
  assert.deepEqual(accepted.toSorted(), good.map((a) => (a.ack as RouteAckItem).deployment_id));
  assert.ok(t.cp.requestsTo("route-sync-ack").some((r) => r.status === 422));
  const errors = lines.filter((l) => l.level === "error");
  assert.equal(errors.length, 1);
  assert.match(String(errors[0].message), /route:bad.*for good/);
});

Deno.test("a 413 is split down to single items; network trouble keeps the rest waiting", async () => {
  const outbox = new AckOutbox();
  const sizes: number[] = [];
  const tooLarge = new ControlPlaneError({
    endpoint: "route-sync-ack",
    kind: "http",
    status: 413,
    detail: "Request Entity Too Large",
  });
  let calls = 0;
  const delivery: AckDelivery = {
    policies: () => Promise.resolve(),
    routes(items) {
      sizes.push(items.length);
      calls++;
      if (items.length > 1) return Promise.reject(tooLarge);
      return calls === 6 ? Promise.reject(down) : Promise.resolve();
    },
  };
  let dropListenerCalls = 0;
  outbox.add(
    Array.from({ length: 4 }, (_, i) => onDropped(routeAck(`d${i}`, 1), () => dropListenerCalls++)),
  );
  const result = await outbox.flush(delivery);
  // [4] → 413, [2] → 413, [1] ok, [1] ok, [2] → 413, [1] network error: d3 waits.
  assert.deepEqual(sizes, [4, 2, 1, 1, 2, 1]);
  assert.equal(result.delivered, 2);
  assert.equal(result.dropped, 0);
  assert.equal(result.pending, 2);
  assert.match(result.error!, /refused/);
  assert.equal(dropListenerCalls, 0);
  assert.deepEqual(outbox.pending.map((p) => (p.ack as RouteAckItem).deployment_id), ["d2", "d3"]);
});
