/**
 * Per-key serialisation of writes. A gateway object that is read, edited and written back whole
 * (a webMethods policy document, a Gravitee API definition) loses an edit when two syncs change
 * it at once, so tasks of one key wait for each other while tasks of different keys run side by
 * side.
 *
 * @module
 */

/** Runs tasks one at a time per key. */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /**
   * Runs `task` once every task started earlier with the same `key` has settled (a failed task
   * does not stop the next one) and returns what it returns.
   */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const { promise: done, resolve } = Promise.withResolvers<void>();
    const tail = previous.then(() => done);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      resolve();
      // The last task of a key removes it, so the map does not grow with every key ever used.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Number of keys with a task running or waiting (tests). */
  get busy(): number {
    return this.#tails.size;
  }
}
