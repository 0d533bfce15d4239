/**
 * The single source of truth for the stoa-connect version.
 *
 * Printed by `stoa-connect --version` and `stoactl --version`, sent in registration, shown by `/health`
 * and `/metrics`, and used by the release tooling to name archives. Release tooling checks that a tag
 * `v<VERSION>` matches this value.
 *
 * @module
 */

/** Semantic version of this build. */
export const VERSION = "0.1.0";
