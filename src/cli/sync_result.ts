/**
 * The agent's answer to `POST /sync` and `POST /sync?dry_run=true`, validated, and the exit code
 * it means. The shape is the agent's contract and, unchanged, the JSON `stoactl connect sync` and
 * `plan` print (the README).
 *
 * @module
 */

import { z } from "zod";
import { describeZodError } from "../control_plane/schemas.ts";
import { EXIT_CHANGES_PENDING, EXIT_FAILURE, EXIT_OK } from "./exit_codes.ts";

const count = z.number().int().nonnegative();

const ChangeSchema = z.object({
  field: z.string(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});

const ItemSchema = z.object({
  kind: z.enum(["policy", "route", "credential"]),
  id: z.string(),
  name: z.string(),
  action: z.enum(["create", "update", "delete", "unchanged"]),
  status: z.enum(["applied", "removed", "unchanged", "failed", "held"]).optional(),
  target: z.string().optional(),
  error: z.string().optional(),
  changes: z.array(ChangeSchema).optional(),
  generation: z.number().int().optional(),
});

const SectionSchema = z.object({
  status: z.enum(["ok", "failed", "skipped", "held"]),
  error: z.string().optional(),
  held: z.object({ reason: z.string(), deletes: count, owned: count }).optional(),
  summary: z.object({
    create: count,
    update: count,
    delete: count,
    unchanged: count,
    failed: count,
  }),
  items: z.array(ItemSchema),
});

/** The agent's sync or plan answer. */
export const SyncResultSchema = z.object({
  dry_run: z.boolean(),
  policies: SectionSchema,
  routes: SectionSchema,
  credentials: SectionSchema.optional(),
});

/** A sync or plan, as the agent reports it. */
export type SyncResult = z.infer<typeof SyncResultSchema>;
/** One section (policies, routes or credentials). */
export type SyncSection = z.infer<typeof SectionSchema>;
/** One item of a section. */
export type SyncItem = z.infer<typeof ItemSchema>;

/** The sections present, with their titles, in report order. */
export function sectionsOf(result: SyncResult): [string, SyncSection][] {
  const sections: [string, SyncSection][] = [
    ["Policies", result.policies],
    ["Routes", result.routes],
  ];
  if (result.credentials) sections.push(["Credentials", result.credentials]);
  return sections;
}

/** Parses an answer body; returns the result or a one-line reason it is not one. */
export function parseSyncResult(
  body: unknown,
): { ok: true; result: SyncResult } | { ok: false; reason: string } {
  const parsed = SyncResultSchema.safeParse(body);
  return parsed.success
    ? { ok: true, result: parsed.data }
    : { ok: false, reason: describeZodError(parsed.error) };
}

/** True when something in the result failed: a whole section, or one item. */
export function hasFailures(result: SyncResult): boolean {
  return sectionsOf(result).some(([, section]) =>
    section.status === "failed" || section.summary.failed > 0 ||
    section.items.some((item) => item.status === "failed" || (result.dry_run && item.error))
  );
}

/** Items a dry run would create, update or delete. */
export function pendingChanges(result: SyncResult): number {
  return sectionsOf(result).reduce(
    (total, [, s]) => total + s.summary.create + s.summary.update + s.summary.delete,
    0,
  );
}

/**
 * The exit code: 1 when anything failed (the HTTP status says so too: 207, 502), else for a dry
 * run 3 when changes are pending, else 0.
 */
export function syncExitCode(result: SyncResult, httpStatus: number): number {
  if (httpStatus !== 200 || hasFailures(result)) return EXIT_FAILURE;
  if (result.dry_run && pendingChanges(result) > 0) return EXIT_CHANGES_PENDING;
  return EXIT_OK;
}
