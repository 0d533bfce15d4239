/**
 * The text of a failure, for a plan item's result or a combined error.
 *
 * @module
 */

/** The message of anything thrown. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
