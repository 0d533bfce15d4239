/**
 * The one error type commands throw to stop with a message and an exit code. The message is one
 * or two lines: what failed, then what to do. It is redacted before it is printed.
 *
 * @module
 */

import { EXIT_FAILURE, EXIT_USAGE } from "./exit_codes.ts";

/** A failure the user can act on; never printed with a stack trace. */
export class CliError extends Error {
  /** Process exit code. */
  readonly code: number;

  /** Builds the error; `message` says what failed and what to do. */
  constructor(message: string, options: { readonly code: number; readonly cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "CliError";
    this.code = options.code;
  }
}

/** A usage or configuration error (exit 2): nothing was contacted. */
export function usageError(message: string): CliError {
  return new CliError(message, { code: EXIT_USAGE });
}

/** A failure of the operation itself (exit 1): unreachable, refused, failed. */
export function failure(message: string, cause?: unknown): CliError {
  return new CliError(message, { code: EXIT_FAILURE, cause });
}
