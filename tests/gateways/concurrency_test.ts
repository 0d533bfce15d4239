/**
 * Bounded concurrency shared by the engine and the adapters.
 *
 * @module
 */

import assert from "node:assert/strict";
import { forEachBounded, mapConcurrent } from "../../src/gateways/concurrency.ts";

Deno.test("forEachBounded visits every item once with the given bound", async () => {
  const seen: number[] = [];
  let active = 0;
  let most = 0;
  await forEachBounded([1, 2, 3, 4, 5, 6, 7], 2, async (n) => {
    active++;
    most = Math.max(most, active);
    await new Promise((r) => setTimeout(r, 1));
    seen.push(n);
    active--;
  });
  assert.deepEqual(seen.sort(), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(most, 2);
});

Deno.test("forEachBounded runs one at a time for a limit below one or not a number", async () => {
  for (const limit of [0, -3, Number.NaN, 0.5]) {
    let active = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachBounded([1, 2, 3], limit, async (n) => {
      most = Math.max(most, ++active);
      await Promise.resolve();
      seen.push(n);
      active--;
    });
    assert.deepEqual(seen, [1, 2, 3], `limit ${limit}`);
    assert.equal(most, 1, `limit ${limit}`);
  }
});

Deno.test("mapConcurrent keeps the items' order and rejects with the first failure", async () => {
  const doubled = await mapConcurrent([3, 1, 2], 3, async (n, index) => {
    await new Promise((r) => setTimeout(r, n));
    return `${index}:${n * 2}`;
  });
  assert.deepEqual(doubled, ["0:6", "1:2", "2:4"]);
  assert.deepEqual(await mapConcurrent([], 4, () => Promise.resolve(1)), []);
  await assert.rejects(
    mapConcurrent(
      [1, 2],
      1,
      (n) => n === 2 ? Promise.reject(new Error("two")) : Promise.resolve(n),
    ),
    /two/,
  );
});
