/**
 * Ownership on a gateway without tags: the `stoa-` name prefix and the description marker, both
 * required, and names made safe for webMethods.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  formatMarker,
  ownedDescription,
  ownedMarker,
  ownedName,
  parseMarker,
} from "../../../src/gateways/webmethods/webmethods_ownership.ts";

Deno.test("markers round-trip, ids with any character included", () => {
  const marker = {
    kind: "consumer" as const,
    id: "team a/partner]1 ü",
    attributes: { spec: "3f2a", api: "x y" },
  };
  const text = ownedDescription(marker);
  assert.match(
    text,
    /^Managed by STOA through stoa-connect; changes made here are overwritten\. \[stoa-connect /,
  );
  assert.deepEqual(parseMarker(text), marker);
  assert.equal(
    formatMarker({ kind: "deployment", id: "d-1", attributes: {} }),
    "[stoa-connect deployment=d-1]",
  );
  assert.deepEqual(parseMarker(`Edited by hand. ${formatMarker(marker)} More text.`), marker);
});

Deno.test("damaged or foreign markers are not ownership", () => {
  for (
    const text of [
      undefined,
      null,
      "",
      "STOA managed route orders",
      "[stoa-connect]",
      "[stoa-connect tenant=a]",
      "[stoa-connect policy=]",
      "[stoa-connect policy=%E0%A4%A]",
      "[stoa-connect policy=a broken]",
    ]
  ) {
    assert.equal(parseMarker(text), undefined, String(text));
  }
});

Deno.test("ownership needs both the stoa- name and the marker (of the expected kind)", () => {
  const description = ownedDescription({ kind: "policy", id: "p1", attributes: {} });
  assert.equal(ownedMarker("stoa-rate", description, "policy")?.id, "p1");
  assert.equal(ownedMarker("rate", description), undefined, "a marker without the prefix");
  assert.equal(ownedMarker("stoa-rate", "mine too"), undefined, "the prefix without a marker");
  assert.equal(ownedMarker("stoa-rate", description, "deployment"), undefined, "another kind");
});

Deno.test("names keep webMethods-safe characters; the rest becomes '-'", () => {
  assert.equal(ownedName("petstore"), "stoa-petstore");
  assert.equal(ownedName("foo/bar baz:1.0_x"), "stoa-foo-bar-baz-1.0_x");
  assert.equal(
    ownedName("foo/bar"),
    ownedName("foo bar"),
    "collisions exist; planners refuse them",
  );
});
