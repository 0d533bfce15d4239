/**
 * Progress for long operations (discovering thousands of APIs, a large sync): a spinner with the
 * elapsed time on standard error, drawn only when standard error is a terminal so that pipes and
 * logs never receive it.
 *
 * @module
 */

/** A running progress indicator. */
export interface Progress {
  /** Replaces the label. */
  update(label: string): void;
  /** Erases the indicator; safe to call twice. */
  stop(): void;
}

/** Options for {@linkcode startProgress}. */
export interface ProgressOptions {
  /** What is going on, e.g. `discovering APIs at http://localhost:8001/`. */
  readonly label: string;
  /** Draw at all (standard error is a terminal). */
  readonly enabled: boolean;
  /** Writes to standard error. */
  readonly write: (text: string) => void;
  /** Clock in ms. */
  readonly now?: () => number;
  /** Redraw period (default 100 ms). */
  readonly intervalMs?: number;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const CLEAR_LINE = "\r\x1b[2K";
/** Below this the operation is quick enough that a spinner would only flicker. */
const FIRST_DRAW_MS = 300;

const NO_PROGRESS: Progress = { update() {}, stop() {} };

/** Starts a spinner; returns a no-op when `enabled` is false. */
export function startProgress(options: ProgressOptions): Progress {
  if (!options.enabled) return NO_PROGRESS;
  const now = options.now ?? (() => performance.now());
  const started = now();
  let label = options.label;
  let frame = 0;
  let drawn = false;
  let stopped = false;
  const draw = () => {
    const elapsed = now() - started;
    if (elapsed < FIRST_DRAW_MS) return;
    const seconds = (elapsed / 1000).toFixed(1);
    options.write(`${CLEAR_LINE}${FRAMES[frame++ % FRAMES.length]} ${label} (${seconds} s)`);
    drawn = true;
  };
  const timer = setInterval(draw, options.intervalMs ?? 100);
  // The spinner must never keep the process alive on its own.
  Deno.unrefTimer(timer);
  return {
    update(next) {
      label = next;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (drawn) options.write(CLEAR_LINE);
    },
  };
}
