/**
 * Field-level plan diffs: every field of both sides ({@linkcode diffFields}) and only the fields
 * the agent manages ({@linkcode diffManagedFields}).
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  diffFields,
  diffManagedFields,
  MASKED,
  projectOnto,
} from "../../src/gateways/field_diff.ts";

Deno.test("diffFields lists changed, created and removed fields under the prefix", () => {
  assert.deepEqual(
    diffFields(
      { rate: { limit: 5, period: "m" }, origins: ["a"], gone: 1 },
      { rate: { limit: 10, period: "m" }, origins: ["a"], added: true },
      { prefix: "orders.flow" },
    ),
    [
      { field: "orders.flow.rate.limit", before: 5, after: 10 },
      { field: "orders.flow.gone", before: 1 },
      { field: "orders.flow.added", after: true },
    ],
  );
  assert.deepEqual(diffFields({ a: [1, 2] }, { a: [2, 1] }), [
    { field: "a", before: [1, 2], after: [2, 1] },
  ]);
  assert.deepEqual(diffFields({ a: { x: 1, y: 2 } }, { a: { y: 2, x: 1 } }), []);
  assert.deepEqual(diffFields(undefined, { a: null }), [{ field: "a", after: null }]);
});

Deno.test("diffFields masks secrets, null included", () => {
  assert.deepEqual(diffFields({ api_key: "k1" }, { api_key: "k2" }, { secret: ["api_key"] }), [
    { field: "api_key", before: MASKED, after: MASKED },
  ]);
  assert.deepEqual(diffFields(undefined, { api_key: null }, { secret: ["api_key"] }), [
    { field: "api_key", after: MASKED },
  ]);
});

Deno.test("diffManagedFields compares only the fields the agent sets", () => {
  assert.deepEqual(
    diffManagedFields(
      { minute: 5, policy: "local", hour: null, extra: "default", cors: {} },
      { minute: 10, policy: "local", hour: null, limit_by: "consumer", cors: [] },
      { prefix: "config." },
    ),
    [
      { field: "config.minute", before: 5, after: 10 },
      { field: "config.limit_by", before: null, after: "consumer" },
    ],
  );
});

Deno.test("diffManagedFields lists the set fields of a whole object that comes or goes", () => {
  const object = { name: "orders", paths: ["/o"], methods: [], host: null, opts: { a: 1 } };
  assert.deepEqual(diffManagedFields(undefined, object, { prefix: "route." }), [
    { field: "route.name", after: "orders" },
    { field: "route.paths", after: ["/o"] },
    { field: "route.opts.a", after: 1 },
  ]);
  assert.deepEqual(diffManagedFields(object, undefined).map((c) => c.field), [
    "name",
    "paths",
    "opts.a",
  ]);
});

Deno.test("diffManagedFields masks set secrets only", () => {
  assert.deepEqual(
    diffManagedFields({ key: "a", other: null }, { key: "b", other: "c" }, {
      secret: ["key", "other"],
    }),
    [
      { field: "key", before: MASKED, after: MASKED },
      { field: "other", before: null, after: MASKED },
    ],
  );
});

Deno.test("projectOnto keeps only the keys the desired value has", () => {
  assert.deepEqual(
    projectOnto({ id: "x", rate: { limit: 5, added: 1 }, list: [{ a: 1, b: 2 }, 3] }, {
      rate: { limit: 1 },
      list: [{ a: 0 }],
    }),
    { rate: { limit: 5 }, list: [{ a: 1 }, 3] },
  );
});
