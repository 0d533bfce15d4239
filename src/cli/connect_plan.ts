/**
 * `stoactl connect plan`: the same as `stoactl connect sync --dry-run`.
 *
 * @module
 */

import type { Command, CommandContext } from "./command.ts";
import { PLAN_EXIT_CODES, runSync, SYNC_OPTIONS } from "./connect_sync.ts";

/** `stoactl connect plan`. */
export const PLAN_COMMAND: Command = {
  name: "plan",
  summary: "show what a sync would change (same as sync --dry-run)",
  usage: ["stoactl connect plan [--url URL] [--token T] [--timeout DURATION]"],
  description: [
    "Asks a running agent for its plan (POST /sync?dry_run=true) and prints, for policies,",
    "deployed routes and credentials, what a sync would create, update or delete, with the fields",
    "that change. Nothing changes on the gateway. Exit code 3 says changes are pending, so",
    "scripts can detect drift.",
  ],
  options: SYNC_OPTIONS,
  examples: [
    { comment: "what would the next sync change?", command: "stoactl connect plan" },
    {
      comment: "in a script: exit code 3 means the gateway drifted from the Control Plane",
      command: 'stoactl connect plan --output json > plan.json; test $? -eq 3 && echo "drift"',
    },
  ],
  exitCodes: PLAN_EXIT_CODES,
  run(context: CommandContext): Promise<number> {
    return runSync(context, { dryRun: true });
  },
};
