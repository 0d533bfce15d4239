/**
 * Fake time for tests (@sinonjs/fake-timers): timers and `Date` only, so loops can be driven
 * through hours in milliseconds.
 *
 * @module
 */

import FakeTimers from "@sinonjs/fake-timers";

/** An installed fake clock. */
export type FakeClock = ReturnType<typeof FakeTimers.install>;

/** Runs `fn` with fake `setTimeout`/`clearTimeout`/`Date`, always restoring the real ones. */
export async function withFakeTime(fn: (clock: FakeClock) => Promise<void>): Promise<void> {
  const clock = FakeTimers.install({
    now: Date.parse("2026-11-26T12:00:00Z"),
    toFake: ["setTimeout", "clearTimeout", "Date"],
  });
  try {
    await fn(clock);
  } finally {
    clock.uninstall();
  }
}
