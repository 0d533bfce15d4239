/**
 * Bounded concurrency: run work over many items with at most a given number in flight, so that a
 * sync of hundreds of objects neither runs them one by one nor floods the gateway.
 *
 * @module
 */

/** Items handled at once when the caller does not say. */
export const DEFAULT_CONCURRENCY = 8;

/**
 * Runs `work` over `items` with at most `limit` calls in flight (at least one; a fractional limit
 * is rounded down). Rejects on the first rejection, so work reports failures as values.
 */
export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
}

/**
 * Runs `task` on every item with at most `limit` running at once (as {@linkcode forEachBounded})
 * and returns the results in the items' order.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  await forEachBounded(items, limit, async (item, index) => {
    results[index] = await task(item, index);
  });
  return results;
}
