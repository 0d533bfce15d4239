/**
 * Ownership markers on Kong: id tags that any Control Plane id fits in, stable name-based ids and
 * names Kong accepts.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  consumerUsername,
  idTag,
  mergeTags,
  OWNED_TAG,
  ownedName,
  ownedTags,
  ownerId,
  stableId,
} from "../../../src/gateways/kong/kong_ownership.ts";
import { KongEmulator } from "../../fakes/kong_emulator.ts";
import { call, data } from "../../fakes/kong_emulator_contract.ts";

Deno.test("id tags carry any id: ',' '/' '%' and spaces are escaped, and read back", async () => {
  const ids = ["8c2f6a1e-0000-4000-8000-000000000001", "tenant/acme,consumer 7", "100%", "é-ü"];
  const kong = new KongEmulator();
  for (const [index, id] of ids.entries()) {
    const tag = idTag("consumer", id);
    assert.equal(/[,/\s]/.test(tag), false, tag);
    assert.equal(ownerId(ownedTags("consumer", id), "consumer"), id);
    await call(kong, "POST", "/consumers", {
      username: `c${index}`,
      tags: ownedTags("consumer", id),
    });
  }
  assert.equal(
    idTag("consumer", "tenant/acme,consumer 7"),
    "stoa-consumer:tenant%2Facme%2Cconsumer%207",
  );
  // Kong's tag filter finds them (',' and '/' would have been read as AND and OR).
  const found = data(
    await call(kong, "GET", `/consumers?tags=${encodeURIComponent(idTag("consumer", ids[1]))}`),
  );
  assert.deepEqual(found.map((consumer) => consumer.username), ["c1"]);
});

Deno.test("only stoa-managed plus an id tag of the kind means owned", () => {
  assert.equal(ownerId(["stoa-policy:p1"], "policy"), undefined, "id tag without stoa-managed");
  assert.equal(ownerId([OWNED_TAG], "policy"), undefined, "the Go agent's objects");
  assert.equal(ownerId([OWNED_TAG, "stoa-deployment:d1"], "policy"), undefined, "another kind");
  assert.equal(ownerId([OWNED_TAG, "stoa-policy:%E0%A4%A"], "policy"), undefined, "bad escape");
  assert.equal(ownerId(null, "policy"), undefined);
  assert.equal(ownerId([OWNED_TAG, "stoa-policy:p1"], "policy"), "p1");
});

Deno.test("merged tags keep a team's own labels and drop stale stoa ids", () => {
  assert.deepEqual(
    mergeTags(ownedTags("policy", "p2"), ["team-a", OWNED_TAG, "stoa-policy:p1", "pci"]),
    [OWNED_TAG, "stoa-policy:p2", "team-a", "pci"],
  );
  assert.deepEqual(mergeTags(ownedTags("policy", "p2"), null), [OWNED_TAG, "stoa-policy:p2"]);
});

Deno.test("stable ids are version-5 UUIDs: same parts, same id; any difference, another", () => {
  const id = stableId("", "plugin", "p1", "cors", "global");
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(stableId("", "plugin", "p1", "cors", "global"), id);
  assert.notEqual(stableId("team-a", "plugin", "p1", "cors", "global"), id, "workspace counts");
  // Parts are length-prefixed: moving a separator does not give the same id.
  assert.notEqual(stableId("a|b", "c"), stableId("a", "b|c"));
});

Deno.test("names are what Kong accepts, readable and distinct per deployment", () => {
  assert.equal(
    ownedName("Orders API (v2)", "0b7c1e2a-1111-4222-8333-444455556666"),
    "stoa-Orders-API-v2-0b7c1e2a",
  );
  assert.equal(ownedName("///", "42"), `stoa-api-${ownedName("x", "42").slice(-8)}`);
  assert.notEqual(ownedName("orders", "id-one"), ownedName("orders", "id-two"));
  assert.match(ownedName("x".repeat(200), "1"), /^stoa-x{64}-[0-9a-f]{8}$/);
  assert.equal(consumerUsername("c-42"), "stoa-c-42");
});
