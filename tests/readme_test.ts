import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { VARIABLES } from "../src/config/variables.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const readme = Deno.readTextFileSync(`${ROOT}README.md`);

function section(name: string): string {
  const start = readme.indexOf(`<!-- ${name}:start -->`);
  const end = readme.indexOf(`<!-- ${name}:end -->`);
  assert.ok(start >= 0 && end > start, `README has the ${name} markers`);
  return readme.slice(start, end);
}

Deno.test("the README's variable table lists exactly the catalogue, with its defaults", () => {
  const rows = section("variables").split("\n").filter((line) => line.startsWith("| `"));
  const documented = rows.map((row) => {
    const cells = row.split("|").map((cell) => cell.trim());
    return { name: cells[1].replaceAll("`", ""), default: cells[2] };
  });
  assert.deepEqual(documented.map((d) => d.name), VARIABLES.map((v) => v.name));
  for (const variable of VARIABLES) {
    const row = documented.find((d) => d.name === variable.name)!;
    if (variable.required) assert.equal(row.default, "**required**", variable.name);
    else if (variable.default && variable.name !== "STOA_INSTANCE_NAME") {
      assert.equal(row.default, `\`${variable.default}\``, variable.name);
    }
  }
});

Deno.test(".env.example has one line for every variable and nothing else", () => {
  const example = Deno.readTextFileSync(`${ROOT}.env.example`);
  const names = [...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
  assert.deepEqual(names, VARIABLES.map((v) => v.name));
});

Deno.test("the README gives a newcomer the demo and test commands and how to get Deno", () => {
  assert.match(readme, /deno task demo/);
  assert.match(readme, /deno task test/);
  assert.match(readme, /npm install -g deno/);
});
