/**
 * `stoactl`: the command line of stoa-connect. `stoactl connect status | discover | sync | plan |
 * doctor`; see `stoactl --help` and the README.
 *
 * @module
 */

import { runStoactl } from "./cli/stoactl_app.ts";
import { systemIo } from "./cli/terminal.ts";

if (import.meta.main) {
  Deno.exit(await runStoactl(Deno.args, systemIo()));
}
