/**
 * Per-key serialisation of writes. webMethods stores an API's enforcements in one policy document
 * that is read, edited and written back whole (`PUT /policies/{id}`); two items editing the same
 * API at once would lose one edit, so edits of one API wait for each other while edits of
 * different APIs run side by side.
 *
 * @module
 */

/** Runs tasks one at a time per key. */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `task` once every task started earlier with the same `key` has settled. */
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
      // The last task of a key removes it, so the map does not grow with every API ever edited.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Number of keys with a task running or waiting (tests). */
  get busy(): number {
    return this.#tails.size;
  }
}
