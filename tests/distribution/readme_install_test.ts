/**
 * The README's install and run section shows the four ways to install and the three ways to run, with
 * the names, paths, variables and permissions the distribution files really use; its release notes
 * stay true about the formula's checksums.
 */

import assert from "node:assert/strict";
import {
  AGENT_PERMISSIONS,
  archiveName,
  DOWNLOAD_BASE_URL,
  IMAGE,
  STOACTL_PERMISSIONS,
  TARGETS,
} from "../../scripts/distribution.ts";
import { FORMULA_PATH, renderFormula } from "../../scripts/update_formula.ts";
import { ROOT } from "./helpers.ts";

/** Does a Markdown table row start with these cells (padding ignored)? */
function hasRow(text: string, ...cells: string[]): boolean {
  const escaped = cells.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^\\|\\s*${escaped.join("\\s*\\|\\s*")}\\s*\\|`, "m").test(text);
}

async function section(name: string): Promise<string> {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  const match = new RegExp(`<!-- ${name}:start -->([\\s\\S]*?)<!-- ${name}:end -->`).exec(readme);
  assert.ok(match, `README.md has no ${name} markers`);
  return match[1];
}

Deno.test("README: four ways to install", async () => {
  const text = await section("install");
  assert.ok(text.includes("curl -sSL https://get.gostoa.dev/connect | sh"));
  assert.ok(text.includes("wget -qO- https://get.gostoa.dev/connect | sh"));
  assert.ok(text.includes("brew install stoa-platform/tap/stoa-connect"));
  assert.ok(text.includes(`docker pull ${IMAGE}:latest`));
  assert.ok(text.includes("git clone https://github.com/stoa-platform/stoa-connect"));
  assert.ok(text.includes("deno task compile"));
  for (const target of TARGETS) {
    assert.ok(text.includes(archiveName("<version>", target)), `${target} missing from the table`);
  }
});

Deno.test("README: install.sh's variables and defaults", async () => {
  const text = await section("install");
  const script = await Deno.readTextFile(`${ROOT}/install.sh`);
  const documented = [...script.matchAll(/^#\s+(STOA_[A-Z_]+)\s/gm)].map((m) => m[1]);
  assert.deepEqual(documented.sort(), [
    "STOA_CONNECT_DOWNLOAD_URL",
    "STOA_CONNECT_LATEST_URL",
    "STOA_CONNECT_VERSION",
    "STOA_INSTALL_DIR",
  ]);
  for (const name of documented) {
    assert.ok(hasRow(text, `\`${name}\``), `${name} not in README`);
  }
  assert.ok(
    script.includes(`\${STOA_CONNECT_DOWNLOAD_URL:-https://github.com/\${REPO}/releases/download}`),
  );
  assert.ok(hasRow(text, "`STOA_CONNECT_DOWNLOAD_URL`", `\`${DOWNLOAD_BASE_URL}\``));
  assert.ok(text.includes("`/usr/local/bin` when writable, else `~/.local/bin`"));
});

Deno.test("README: three ways to run, matching the image and the unit", async () => {
  const text = await section("install");
  assert.match(text, /docker run -d [^\n]*\\\n\s+--network host --env-file \.env \\\n/);
  assert.ok(text.includes("-v stoa-connect-state:/var/lib/stoa-connect"));
  assert.ok(text.includes(`  ${IMAGE}:latest\n`));
  assert.ok(text.includes("stoa-connect --env-file /etc/stoa-connect/env"));
  assert.ok(text.includes("stoa-connect healthcheck"));
  const unit = await Deno.readTextFile(`${ROOT}/packaging/systemd/stoa-connect.service`);
  assert.ok(unit.includes("EnvironmentFile=/etc/stoa-connect/env"));
  assert.ok(text.includes("sudo install -m 0600 .env.example /etc/stoa-connect/env"));
  assert.ok(text.includes("/etc/systemd/system/stoa-connect.service"));
  assert.ok(text.includes("sudo systemctl enable --now stoa-connect"));
  assert.ok(text.includes("releases/latest/download/stoa-connect.service"));
});

Deno.test("README: the permissions table is the compiled permission set", async () => {
  const text = await section("install");
  assert.ok(hasRow(text, "`stoa-connect`", `\`${AGENT_PERMISSIONS.join(" ")}\``));
  assert.ok(hasRow(text, "`stoactl`", `\`${STOACTL_PERMISSIONS.join(" ")}\``));
});

Deno.test("README: release notes say whether the formula's checksums are the sample's", async () => {
  const notes = await section("release-notes");
  const committed = await Deno.readTextFile(`${ROOT}/${FORMULA_PATH}`);
  const sample = await Deno.readTextFile(`${ROOT}/tests/distribution/fixtures/SHA256SUMS`);
  const fromSample = committed === renderFormula({ version: "0.1.0", checksums: sample });
  assert.equal(
    notes.includes("currently carries the checksums of the sample file"),
    fromSample,
    fromSample
      ? "the formula is rendered from the sample checksums: the release notes must say so"
      : "the formula comes from a real release now: drop the sample-checksum note",
  );
});
