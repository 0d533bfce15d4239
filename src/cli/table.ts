/**
 * Plain-text tables: left-aligned columns separated by two spaces, a header row, no borders, no
 * trailing spaces. Cell text may carry colour; widths ignore it.
 *
 * @module
 */

import { visibleWidth } from "./style.ts";

/** Options for {@linkcode renderTable}. */
export interface TableOptions {
  /** Column headings, printed as given (upper case by convention). */
  readonly headers: readonly string[];
  /** One array of cells per row, in header order; missing cells are empty. */
  readonly rows: readonly (readonly string[])[];
  /** Text put before every line (default none). */
  readonly indent?: string;
  /** Style for the header row (e.g. bold), applied after padding. */
  readonly headerStyle?: (text: string) => string;
}

const GAP = "  ";

function oneLine(cell: string): string {
  return cell.replace(/\s*\n\s*/g, " ");
}

function pad(cell: string, width: number): string {
  return cell + " ".repeat(Math.max(0, width - visibleWidth(cell)));
}

/** Renders a table; returns its lines joined with `\n`. */
export function renderTable(options: TableOptions): string {
  const indent = options.indent ?? "";
  const rows = options.rows.map((row) => options.headers.map((_, i) => oneLine(row[i] ?? "")));
  const widths = options.headers.map((header, i) =>
    Math.max(visibleWidth(header), ...rows.map((row) => visibleWidth(row[i])))
  );
  const line = (cells: readonly string[]) =>
    (indent +
      cells.map((cell, i) => i === cells.length - 1 ? cell : pad(cell, widths[i])).join(GAP))
      .trimEnd();
  const style = options.headerStyle ?? ((text: string) => text);
  return [style(line(options.headers)), ...rows.map(line)].join("\n");
}

/** Renders `label  value` lines with the labels padded to one width, for key-value summaries. */
export function renderFields(
  fields: readonly (readonly [string, string])[],
  options: { readonly indent?: string; readonly labelStyle?: (text: string) => string } = {},
): string {
  const width = Math.max(0, ...fields.map(([label]) => visibleWidth(label)));
  const style = options.labelStyle ?? ((text: string) => text);
  return fields
    .map(([label, value]) =>
      `${options.indent ?? ""}${style(pad(label, width))}${GAP}${value}`.trimEnd()
    )
    .join("\n");
}
