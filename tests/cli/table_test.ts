/**
 * Plain-text tables: aligned columns whatever the colour, no trailing spaces, one line per row.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createStyle, stripAnsi } from "../../src/cli/style.ts";
import { renderFields, renderTable } from "../../src/cli/table.ts";

Deno.test("columns are aligned on the widest cell, the last column is not padded", () => {
  const text = renderTable({
    headers: ["NAME", "PATHS", "ACTIVE"],
    rows: [["orders-api", "/orders", "yes"], ["a", "/a, /b, /c", ""]],
  });
  assert.equal(
    text,
    [
      "NAME        PATHS       ACTIVE",
      "orders-api  /orders     yes",
      "a           /a, /b, /c",
    ].join("\n"),
  );
});

Deno.test("colour does not count in widths; headers can be styled", () => {
  const style = createStyle(true);
  const text = renderTable({
    headers: ["STATUS", "NAME"],
    rows: [[style.green("applied"), "x"], ["failed", "y"]],
    headerStyle: style.bold,
    indent: "  ",
  });
  const plain = stripAnsi(text);
  assert.equal(plain, ["  STATUS   NAME", "  applied  x", "  failed   y"].join("\n"));
  assert.ok(text.startsWith("\x1b[1m  STATUS"));
});

Deno.test("line breaks inside a cell never break the table", () => {
  assert.equal(
    renderTable({ headers: ["A", "B"], rows: [["one\n  two", "3"]] }),
    "A        B\none two  3",
  );
});

Deno.test("fields are label-aligned", () => {
  assert.equal(
    renderFields([["Gateway", "kong"], ["Control Plane", "ok"], ["Empty", ""]]),
    ["Gateway        kong", "Control Plane  ok", "Empty"].join("\n"),
  );
});
