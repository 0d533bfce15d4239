/**
 * The one scheduler behind every loop of the agent: the first run at start, then one run per
 * interval with a little jitter; never two runs of the same loop at once; an immediate run on
 * demand; backoff after failures; a clean stop that aborts the run in flight.
 *
 * @module
 */

import { applyJitter } from "./backoff.ts";

/** Longest delay a timer can hold (2^31-1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/** What a run may ask of the scheduler. */
export interface RunResult {
  /** Run again after this delay instead of the interval. */
  readonly nextDelayMs?: number;
  /** Wait for {@linkcode Loop.trigger} instead of a timer (e.g. registration once registered). */
  readonly idle?: boolean;
}

/** Outcome of the last run. */
export type RunOutcome = "ok" | "error";

/** What `/status` shows of a loop. */
export interface LoopStatus {
  /** Loop name. */
  readonly name: string;
  /** Configured interval. */
  readonly interval_ms: number;
  /** True while a run is in progress. */
  readonly running: boolean;
  /** Number of runs finished. */
  readonly runs: number;
  /** Failures in a row (0 after a success). */
  readonly consecutive_failures: number;
  /** Start of the last finished run (ISO 8601). */
  readonly last_run_at?: string;
  /** Duration of the last finished run. */
  readonly last_duration_ms?: number;
  /** Outcome of the last finished run. */
  readonly last_outcome?: RunOutcome;
  /** Error of the last failed run. */
  readonly last_error?: string;
  /** When the next run is due (ISO 8601), absent when idle or stopped. */
  readonly next_run_at?: string;
}

/** Options for {@linkcode Loop}. */
export interface LoopOptions {
  /** Name in logs and `/status`. */
  readonly name: string;
  /** Time between the end of one run and the start of the next. */
  readonly intervalMs: number;
  /** The work; throw to report a failure. `signal` aborts on {@linkcode Loop.stop}. */
  readonly run: (signal: AbortSignal) => Promise<RunResult | void>;
  /** Delay after the `failures`-th failure in a row (default: the interval). */
  readonly retryDelay?: (error: unknown, failures: number) => number;
  /** Random spread of the interval, as a fraction (default 0.1). */
  readonly jitter?: number;
  /** Run at start (default true); otherwise the first run is one interval later. */
  readonly runAtStart?: boolean;
  /** Called when a run fails (logging). */
  readonly onError?: (error: unknown, failures: number, nextDelayMs: number) => void;
  /** Source of randomness, for tests. */
  readonly random?: () => number;
}

/** A periodic task. */
export class Loop {
  readonly #options: LoopOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #nextRunAt: number | undefined;
  #current: Promise<void> | undefined;
  #rerun = false;
  #waiters: (() => void)[] = [];
  #controller = new AbortController();
  #started = false;
  #stopped = false;
  #runs = 0;
  #failures = 0;
  #lastRunAt: number | undefined;
  #lastDurationMs: number | undefined;
  #lastOutcome: RunOutcome | undefined;
  #lastError: string | undefined;

  /** Creates a stopped loop. */
  constructor(options: LoopOptions) {
    this.#options = options;
  }

  /** The loop's name. */
  get name(): string {
    return this.#options.name;
  }

  /** Starts the loop (first run now, unless `runAtStart` is false). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    if (this.#options.runAtStart === false) this.#schedule(this.#intervalDelay());
    else this.#launch();
  }

  /**
   * Runs now, or right after the run in progress, and resolves when that run has finished. Resolves
   * at once when the loop is stopped.
   */
  trigger(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#waiters.push(resolve));
    if (this.#current) {
      this.#rerun = true;
    } else {
      this.#clearTimer();
      this.#launch();
    }
    return done;
  }

  /**
   * Runs once after `delayMs`, unless a run is in progress (its own result decides what comes
   * next) or one is already due sooner. For a follow-up outside the interval, e.g. confirming
   * deletes held by a run that was not the loop's own.
   */
  wakeAfter(delayMs: number): void {
    if (this.#stopped || this.#current) return;
    if (this.#nextRunAt !== undefined && this.#nextRunAt <= Date.now() + delayMs) return;
    this.#schedule(delayMs);
  }

  /** Stops the loop: no new run; the run in flight is aborted and awaited. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#clearTimer();
    this.#controller.abort(new DOMException("the agent is shutting down", "AbortError"));
    await this.#current;
    this.#release();
  }

  /** A snapshot for `/status`. */
  status(): LoopStatus {
    return {
      name: this.#options.name,
      interval_ms: this.#options.intervalMs,
      running: this.#current !== undefined,
      runs: this.#runs,
      consecutive_failures: this.#failures,
      last_run_at: iso(this.#lastRunAt),
      last_duration_ms: this.#lastDurationMs,
      last_outcome: this.#lastOutcome,
      last_error: this.#lastError,
      next_run_at: iso(this.#nextRunAt),
    };
  }

  #launch(): void {
    this.#nextRunAt = undefined;
    this.#current = this.#runOnce().finally(() => {
      this.#current = undefined;
      if (this.#stopped) return this.#release();
      if (this.#rerun) {
        this.#rerun = false;
        this.#clearTimer();
        this.#launch();
      } else {
        this.#release();
      }
    });
  }

  async #runOnce(): Promise<void> {
    const started = Date.now();
    const clock = performance.now();
    let result: RunResult | void;
    try {
      result = await this.#options.run(this.#controller.signal);
      this.#failures = 0;
      this.#lastOutcome = "ok";
      this.#lastError = undefined;
    } catch (error) {
      if (this.#stopped) return;
      this.#failures++;
      this.#lastOutcome = "error";
      this.#lastError = error instanceof Error ? error.message : String(error);
      const delay = this.#options.retryDelay?.(error, this.#failures) ?? this.#intervalDelay();
      result = { nextDelayMs: delay };
      this.#options.onError?.(error, this.#failures, delay);
    } finally {
      this.#runs++;
      this.#lastRunAt = started;
      this.#lastDurationMs = Math.round(performance.now() - clock);
    }
    if (this.#stopped || this.#rerun) return;
    if (result?.idle) return;
    this.#schedule(result?.nextDelayMs ?? this.#intervalDelay());
  }

  #intervalDelay(): number {
    return applyJitter(this.#options.intervalMs, this.#options.jitter ?? 0.1, this.#options.random);
  }

  #schedule(requestedMs: number): void {
    // Timers longer than 2^31-1 ms fire at once in V8; never let a huge delay become a busy loop.
    const delayMs = Math.min(Math.max(0, requestedMs), MAX_TIMER_MS);
    this.#clearTimer();
    this.#nextRunAt = Date.now() + delayMs;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#stopped && !this.#current) this.#launch();
    }, delayMs);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#nextRunAt = undefined;
  }

  #release(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}

function iso(time: number | undefined): string | undefined {
  return time === undefined ? undefined : new Date(time).toISOString();
}
