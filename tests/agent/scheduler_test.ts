import assert from "node:assert/strict";
import { Loop, type LoopOptions } from "../../src/agent/scheduler.ts";
import { withFakeTime } from "../support/fake_time.ts";

const noJitter = () => 0.5;

/** A loop whose runs only record when they happened. */
function recordingLoop(
  options: Partial<LoopOptions> & { readonly intervalMs: number },
): { loop: Loop; runs: number[] } {
  const runs: number[] = [];
  const loop = new Loop({
    name: "t",
    random: noJitter,
    run: () => {
      runs.push(Date.now());
      return Promise.resolve();
    },
    ...options,
  });
  return { loop, runs };
}

Deno.test("a loop runs at start, then once per interval", () =>
  withFakeTime(async (clock) => {
    const { loop, runs } = recordingLoop({ intervalMs: 1_000 });
    const start = Date.now();
    loop.start();
    await clock.tickAsync(3_500);
    assert.deepEqual(runs.map((t) => t - start), [0, 1_000, 2_000, 3_000]);
    await loop.stop();
  }));

Deno.test("runAtStart false waits one interval", () =>
  withFakeTime(async (clock) => {
    const { loop, runs } = recordingLoop({ intervalMs: 1_000, runAtStart: false });
    loop.start();
    await clock.tickAsync(999);
    assert.equal(runs.length, 0);
    await clock.tickAsync(1);
    assert.equal(runs.length, 1);
    await loop.stop();
  }));

Deno.test("jitter spreads the interval by at most 10 %", () =>
  withFakeTime(async (clock) => {
    let r = 0;
    const values = [0, 1 - 1e-9];
    const { loop, runs } = recordingLoop({ intervalMs: 10_000, random: () => values[r++ % 2] });
    loop.start();
    await clock.tickAsync(25_000);
    assert.equal(runs[1] - runs[0], 9_000);
    assert.equal(runs[2] - runs[1], 11_000);
    await loop.stop();
  }));

Deno.test("never two runs at once: a trigger during a run queues one more run", () =>
  withFakeTime(async (clock) => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const loop = new Loop({
      name: "t",
      intervalMs: 60_000,
      random: noJitter,
      run: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 500));
        active--;
      },
    });
    loop.start();
    await clock.tickAsync(100);
    const triggers = [loop.trigger(), loop.trigger(), loop.trigger()];
    await clock.tickAsync(2_000);
    await Promise.all(triggers);
    assert.equal(maxActive, 1);
    assert.equal(runs, 2);
    await loop.stop();
  }));

Deno.test("trigger runs now when idle and resolves after the run", () =>
  withFakeTime(async (clock) => {
    const { loop, runs } = recordingLoop({ intervalMs: 60_000 });
    loop.start();
    await clock.tickAsync(10);
    assert.equal(runs.length, 1);
    await loop.trigger();
    assert.equal(runs.length, 2);
    // The interval restarts after the triggered run.
    await clock.tickAsync(59_000);
    assert.equal(runs.length, 2);
    await clock.tickAsync(1_000);
    assert.equal(runs.length, 3);
    await loop.stop();
  }));

Deno.test("failures use the retry delay and are visible in the status", () =>
  withFakeTime(async (clock) => {
    const runs: number[] = [];
    const errors: number[] = [];
    const loop = new Loop({
      name: "flaky",
      intervalMs: 60_000,
      random: noJitter,
      run: () => {
        runs.push(Date.now());
        return runs.length <= 3 ? Promise.reject(new Error("boom")) : Promise.resolve();
      },
      retryDelay: (_error, failures) => 1_000 * failures,
      onError: (_error, failures) => errors.push(failures),
    });
    const start = Date.now();
    loop.start();
    await clock.tickAsync(1);
    const failing = loop.status();
    assert.equal(failing.last_outcome, "error");
    assert.equal(failing.last_error, "boom");
    assert.equal(failing.consecutive_failures, 1);
    assert.equal(failing.next_run_at, new Date(start + 1_000).toISOString());
    await clock.tickAsync(10_000);
    assert.deepEqual(runs.map((t) => t - start), [0, 1_000, 3_000, 6_000]);
    assert.deepEqual(errors, [1, 2, 3]);
    const ok = loop.status();
    assert.equal(ok.last_outcome, "ok");
    assert.equal(ok.consecutive_failures, 0);
    assert.equal(ok.last_error, undefined);
    assert.equal(ok.runs, 4);
    await loop.stop();
  }));

Deno.test("a run may ask for a different delay or to idle until triggered", () =>
  withFakeTime(async (clock) => {
    let runs = 0;
    const loop = new Loop({
      name: "t",
      intervalMs: 1_000,
      random: noJitter,
      run: () => {
        runs++;
        return Promise.resolve(runs === 1 ? { nextDelayMs: 5_000 } : { idle: true });
      },
    });
    loop.start();
    await clock.tickAsync(4_999);
    assert.equal(runs, 1);
    await clock.tickAsync(1);
    assert.equal(runs, 2);
    await clock.tickAsync(60_000);
    assert.equal(runs, 2);
    assert.equal(loop.status().next_run_at, undefined);
    await loop.trigger();
    assert.equal(runs, 3);
    await loop.stop();
  }));

Deno.test("stop aborts the run in flight, waits for it and prevents further runs", () =>
  withFakeTime(async (clock) => {
    let aborted = false;
    let runs = 0;
    const loop = new Loop({
      name: "t",
      intervalMs: 1_000,
      random: noJitter,
      run: (signal) => {
        runs++;
        return new Promise((_resolve, reject) => {
          signal.addEventListener("abort", () => {
            aborted = true;
            reject(signal.reason);
          });
        });
      },
    });
    loop.start();
    await clock.tickAsync(10);
    await loop.stop();
    assert.equal(aborted, true);
    await clock.tickAsync(10_000);
    assert.equal(runs, 1);
    await loop.trigger();
    assert.equal(runs, 1);
    assert.equal(loop.status().last_outcome, undefined);
  }));

Deno.test("wakeAfter runs an idle loop once after the delay, never sooner than a due run", () =>
  withFakeTime(async (clock) => {
    let runs = 0;
    const loop = new Loop({
      name: "t",
      intervalMs: 60_000,
      random: noJitter,
      run: () => {
        runs++;
        return Promise.resolve(runs === 1 ? { idle: true } : undefined);
      },
    });
    loop.start();
    await clock.tickAsync(1);
    assert.equal(runs, 1);
    loop.wakeAfter(5_000);
    await clock.tickAsync(4_999);
    assert.equal(runs, 1);
    await clock.tickAsync(1);
    assert.equal(runs, 2);
    // Now a run is due in 60 s: a later wake-up does not postpone it, a sooner one brings it in.
    loop.wakeAfter(90_000);
    assert.equal(loop.status().next_run_at, new Date(Date.now() + 60_000).toISOString());
    loop.wakeAfter(1_000);
    await clock.tickAsync(1_000);
    assert.equal(runs, 3);
    await loop.stop();
    loop.wakeAfter(1);
    await clock.tickAsync(10);
    assert.equal(runs, 3, "a stopped loop stays stopped");
  }));

Deno.test("a delay beyond what a timer can hold waits the longest possible, not 1 ms", () =>
  withFakeTime(async (clock) => {
    const runs: number[] = [];
    const { loop } = recordingLoop({
      intervalMs: 1_000,
      run: () => {
        runs.push(Date.now());
        return Promise.resolve({ nextDelayMs: 3_000_000_000 });
      },
    });
    loop.start();
    await clock.tickAsync(60_000);
    assert.equal(runs.length, 1);
    await loop.stop();
  }));
