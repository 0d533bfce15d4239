/**
 * The one error invalid configuration produces: it names every bad variable at once, so an operator
 * fixes them all in one go.
 *
 * @module
 */

import { redact } from "../observability/redact.ts";

/** One problem with one variable. */
export interface ConfigProblem {
  /** The variable (or flag) at fault. */
  readonly variable: string;
  /** What is wrong and what is expected. Never contains a secret value. */
  readonly message: string;
}

/** Invalid configuration; the process exits with code 2 and prints {@linkcode ConfigError.message}. */
export class ConfigError extends Error {
  /** Every problem found, in catalogue order. */
  readonly problems: readonly ConfigProblem[];

  /** Builds the error from its problems. */
  constructor(problems: readonly ConfigProblem[]) {
    const safe = problems.map((p) => ({ variable: p.variable, message: redact(p.message) }));
    const lines = safe.map((p) => `  ${p.variable}: ${p.message}`);
    super(
      `invalid configuration (${problems.length} ${
        problems.length === 1 ? "problem" : "problems"
      }):\n${lines.join("\n")}`,
    );
    this.name = "ConfigError";
    this.problems = safe;
  }
}
