/**
 * The table form of a sync or a plan: one block per section (policies, routes, credentials) with
 * its verdict, then the items that change. Unchanged items are counted, not listed (the JSON
 * output lists them).
 *
 * @module
 */

import { plural, shortValue } from "./format.ts";
import {
  hasFailures,
  pendingChanges,
  sectionsOf,
  type SyncItem,
  type SyncResult,
  type SyncSection,
} from "./sync_result.ts";
import type { Style } from "./style.ts";
import { renderTable } from "./table.ts";

const MARK: Readonly<Record<SyncItem["action"], string>> = {
  create: "+",
  update: "~",
  delete: "-",
  unchanged: "=",
};

function sectionStatus(section: SyncSection, style: Style): string {
  switch (section.status) {
    case "ok":
      return style.green("ok");
    case "failed":
      return style.red("failed");
    case "held":
      return style.yellow("held");
    case "skipped":
      return style.dim("skipped");
  }
}

/** Whether a section ran: a skipped or failed section without items did nothing. */
function ran(section: SyncSection): boolean {
  return section.items.length > 0 || (section.status !== "skipped" && section.status !== "failed");
}

/** `Policies: ok — counts`, or `Policies: skipped — why` for a section that did not run. */
function sectionHead(title: string, section: SyncSection, counts: string, style: Style): string {
  const tail = ran(section) ? counts : section.error;
  return `${style.bold(title)}: ${sectionStatus(section, style)}${tail ? ` — ${tail}` : ""}`;
}

function sectionNotes(section: SyncSection, style: Style): string[] {
  const notes: string[] = [];
  if (section.error && ran(section)) notes.push(`  ${style.red("error:")} ${section.error}`);
  if (section.held) {
    notes.push(
      `  ${style.yellow("held:")} ${
        plural(section.held.deletes, "delete")
      } of ${section.held.owned} owned ${
        section.held.owned === 1 ? "item" : "items"
      } held back: ${section.held.reason}`,
    );
  }
  return notes;
}

/** The closing line when no section ran at all. */
function nothingRan(result: SyncResult, style: Style): string | undefined {
  return sectionsOf(result).every(([, section]) => section.status === "skipped")
    ? style.yellow("Every kind was skipped (see why above): nothing to do on this gateway.")
    : undefined;
}

function planCounts(section: SyncSection): string {
  const s = section.summary;
  const parts = [
    `${s.create} to create`,
    `${s.update} to update`,
    `${s.delete} to delete`,
    `${s.unchanged} unchanged`,
  ];
  if (s.failed > 0) parts.push(`${s.failed} cannot be applied`);
  return parts.join(", ");
}

function resultCounts(section: SyncSection): string {
  const by = (status: SyncItem["status"]) =>
    section.items.filter((item) => item.status === status).length;
  const parts = [
    `${by("applied")} applied`,
    `${by("removed")} removed`,
    `${by("unchanged")} unchanged`,
    `${by("failed")} failed`,
  ];
  const held = by("held");
  if (held > 0) parts.push(`${held} held`);
  return parts.join(", ");
}

function planItem(item: SyncItem, style: Style): string[] {
  const colour = item.error
    ? style.red
    : item.action === "create"
    ? style.green
    : item.action === "delete"
    ? style.red
    : style.yellow;
  const head = `  ${colour(`${MARK[item.action]} ${item.action.padEnd(6)}`)}  ${item.kind} ${
    style.bold(item.name)
  }${item.target ? ` (${item.target})` : ""}`;
  const lines = [head];
  if (item.error) lines.push(`      ${style.red("cannot be applied:")} ${item.error}`);
  for (const change of item.changes ?? []) {
    const before = "before" in change && change.before !== undefined
      ? shortValue(change.before)
      : undefined;
    const after = "after" in change && change.after !== undefined
      ? shortValue(change.after)
      : undefined;
    const value = before !== undefined && after !== undefined
      ? `${before} → ${after}`
      : after !== undefined
      ? after
      : `${before ?? ""} (removed)`;
    lines.push(`      ${change.field}: ${value}`);
  }
  return lines;
}

function renderPlan(result: SyncResult, agentUrl: string, style: Style): string {
  const lines = [`Plan of the agent at ${style.cyan(agentUrl)} (dry run: nothing was changed)`];
  for (const [title, section] of sectionsOf(result)) {
    lines.push("", sectionHead(title, section, planCounts(section), style));
    lines.push(...sectionNotes(section, style));
    for (const item of section.items) {
      if (item.action !== "unchanged" || item.error) lines.push(...planItem(item, style));
    }
  }
  const pending = pendingChanges(result);
  lines.push("");
  if (hasFailures(result)) {
    lines.push(
      style.red("Some items cannot be applied or a section could not be planned; see above."),
    );
  }
  lines.push(
    pending > 0
      ? `${style.yellow(plural(pending, "change"))} pending. Run 'stoactl connect sync' to apply ${
        pending === 1 ? "it" : "them"
      }.`
      : nothingRan(result, style) ??
        style.green("No changes: the gateway matches the Control Plane."),
  );
  return lines.join("\n");
}

function itemStatus(item: SyncItem, style: Style): string {
  switch (item.status) {
    case "applied":
    case "removed":
      return style.green(item.status);
    case "failed":
      return style.red("failed");
    case "held":
      return style.yellow("held");
    default:
      return style.dim(item.status ?? "-");
  }
}

function renderApplied(result: SyncResult, agentUrl: string, style: Style): string {
  const lines = [`Sync by the agent at ${style.cyan(agentUrl)}`];
  for (const [title, section] of sectionsOf(result)) {
    lines.push("", sectionHead(title, section, resultCounts(section), style));
    lines.push(...sectionNotes(section, style));
    const changed = section.items.filter((item) => item.status !== "unchanged");
    if (changed.length > 0) {
      lines.push(renderTable({
        indent: "  ",
        headers: ["STATUS", "ACTION", "KIND", "NAME", "TARGET", "ERROR"],
        rows: changed.map((item) => [
          itemStatus(item, style),
          item.action,
          item.kind,
          item.name,
          item.target ?? "-",
          item.error ?? "",
        ]),
        headerStyle: style.bold,
      }));
    }
  }
  const failed = sectionsOf(result).reduce(
    (n, [, s]) => n + s.items.filter((item) => item.status === "failed").length,
    0,
  );
  lines.push("");
  lines.push(
    hasFailures(result)
      ? style.red(
        failed > 0
          ? `${plural(failed, "item")} failed; the agent retries on its next cycle.`
          : "A section could not run; see its error above.",
      )
      : nothingRan(result, style) ?? style.green("Sync complete."),
  );
  return lines.join("\n");
}

/** Renders a sync (per-item results) or a plan (dry run: the changes, field by field). */
export function renderSync(result: SyncResult, agentUrl: string, style: Style): string {
  return result.dry_run
    ? renderPlan(result, agentUrl, style)
    : renderApplied(result, agentUrl, style);
}
