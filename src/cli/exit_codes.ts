/**
 * The exit codes of `stoactl`, one list behind the code, every `--help` and `the README`.
 *
 * @module
 */

/** Exit code of a successful command. */
export const EXIT_OK = 0;
/** The command ran but failed: unreachable agent or gateway, refused call, failed items or checks. */
export const EXIT_FAILURE = 1;
/** Usage or configuration error: nothing was contacted, or the configuration is invalid. */
export const EXIT_USAGE = 2;
/** `plan` and `sync --dry-run`: the plan has changes pending. */
export const EXIT_CHANGES_PENDING = 3;

/** One documented exit code and what it means for a given command. */
export interface ExitCodeDoc {
  /** The code. */
  readonly code: number;
  /** What it means, for this command. */
  readonly meaning: string;
}

/** The usage line shared by every command. */
export const USAGE_EXIT: ExitCodeDoc = {
  code: EXIT_USAGE,
  meaning: "usage error (unknown command or option, bad value)",
};
