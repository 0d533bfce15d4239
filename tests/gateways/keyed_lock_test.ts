/**
 * The per-key lock the adapters use around read-edit-write cycles.
 *
 * @module
 */

import assert from "node:assert/strict";
import { KeyedLock } from "../../src/gateways/keyed_lock.ts";

Deno.test("KeyedLock serialises one key and lets other keys run", async () => {
  const lock = new KeyedLock();
  const log: string[] = [];
  const task = (key: string, name: string, ms: number) =>
    lock.run(key, async () => {
      log.push(`${name}+`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`${name}-`);
      return name;
    });
  const results = await Promise.all([task("a", "a1", 5), task("a", "a2", 1), task("b", "b1", 1)]);
  assert.deepEqual(results, ["a1", "a2", "b1"]);
  assert.ok(log.indexOf("a1-") < log.indexOf("a2+"), log.join(" "));
  assert.ok(log.indexOf("b1+") < log.indexOf("a1-"), "another key does not wait");
  assert.equal(lock.busy, 0, "keys are forgotten once idle");
  await assert.rejects(lock.run("a", () => Promise.reject(new Error("x"))), /x/);
  assert.equal(await lock.run("a", () => Promise.resolve("after a failure")), "after a failure");
});
