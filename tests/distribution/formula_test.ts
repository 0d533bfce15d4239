/**
 * The Homebrew formula: scripts/update_formula.ts renders it from a release's SHA256SUMS (here a sample
 * checksum file), and Formula/stoa-connect.rb is exactly such a rendering. Where Ruby is installed,
 * the formula is also loaded with a stand-in for Homebrew's DSL on each platform and its `test do`
 * block is run against stand-in binaries.
 */

import assert from "node:assert/strict";
import {
  archiveName,
  DOWNLOAD_BASE_URL,
  parseChecksums,
  type Target,
} from "../../scripts/distribution.ts";
import {
  FORMULA_PATH,
  FORMULA_PLATFORMS,
  readFormula,
  renderFormula,
} from "../../scripts/update_formula.ts";
import { VERSION } from "../../src/version.ts";
import { describe, notice, ROOT, run, which } from "./helpers.ts";

const SAMPLE = `${ROOT}/tests/distribution/fixtures/SHA256SUMS`;
const HARNESS = `${ROOT}/tests/distribution/fixtures/formula_harness.rb`;
const SAMPLE_VERSION = "0.1.0";

/** The release target Homebrew must install on a platform, derived independently of the script. */
function expectedTarget(os: "macos" | "linux", cpu: "arm" | "intel"): Target {
  return `${cpu === "arm" ? "aarch64" : "x86_64"}-${
    os === "macos" ? "apple-darwin" : "unknown-linux-gnu"
  }` as Target;
}

interface Evaluated {
  version: string;
  url: string;
  sha256: string;
  desc: string;
  installed: string[];
  test: string;
}

async function evaluate(
  ruby: string,
  options: { formula: string; os: string; cpu: string; binDir: string },
): Promise<Evaluated> {
  const result = await run(ruby, {
    args: [HARNESS, options.formula, options.os, options.cpu, options.binDir],
  });
  assert.equal(result.code, 0, describe(result));
  return JSON.parse(result.stdout);
}

async function fakeBinaries(dir: string, version: string): Promise<void> {
  for (const name of ["stoa-connect", "stoactl"]) {
    await Deno.writeTextFile(`${dir}/${name}`, `#!/bin/sh\necho "${name} ${version}"\n`);
    await Deno.chmod(`${dir}/${name}`, 0o755);
  }
}

Deno.test("formula: one url and sha256 per Homebrew platform, from SHA256SUMS", async () => {
  const checksums = await Deno.readTextFile(SAMPLE);
  const sums = parseChecksums(checksums);
  const formula = renderFormula({ version: SAMPLE_VERSION, checksums });

  assert.match(formula, /^class StoaConnect < Formula$/m);
  assert.match(formula, new RegExp(`^  version "${SAMPLE_VERSION}"$`, "m"));
  assert.match(formula, /^ {4}bin\.install "stoa-connect", "stoactl"$/m);
  assert.match(formula, /shell_output\("#\{bin\}\/stoa-connect --version"\)/);
  assert.match(formula, /shell_output\("#\{bin\}\/stoactl --version"\)/);
  for (const os of ["macos", "linux"] as const) {
    const block = new RegExp(`^  on_${os} do\\n([\\s\\S]*?)^  end$`, "m").exec(formula)?.[1];
    assert.ok(block, `no on_${os} block`);
    for (const platform of FORMULA_PLATFORMS.filter((p) => p.os === os)) {
      const file = archiveName(SAMPLE_VERSION, expectedTarget(os, platform.cpu));
      const cpuBlock = new RegExp(`on_${platform.cpu} do\\n([\\s\\S]*?)end`).exec(block)?.[1];
      assert.ok(cpuBlock, `no on_${platform.cpu} block in on_${os}`);
      assert.match(cpuBlock, new RegExp(`url "${DOWNLOAD_BASE_URL}/v${SAMPLE_VERSION}/${file}"`));
      assert.match(cpuBlock, new RegExp(`sha256 "${sums.get(file)}"`));
    }
  }
  assert.doesNotMatch(formula, /windows/, "Homebrew has no Windows platform");
});

Deno.test("formula: refuses incomplete checksums and malformed versions", async () => {
  const checksums = await Deno.readTextFile(SAMPLE);
  const withoutIntelMac = checksums.split("\n").filter((l) => !l.includes("x86_64-apple-darwin"))
    .join("\n");
  assert.throws(
    () => renderFormula({ version: SAMPLE_VERSION, checksums: withoutIntelMac }),
    /SHA256SUMS has no line for stoa-connect-0\.1\.0-x86_64-apple-darwin\.tar\.gz/,
  );
  assert.throws(
    () => renderFormula({ version: "0.2.0", checksums }),
    /no line for stoa-connect-0\.2\.0-.*; is it the SHA256SUMS of v0\.2\.0\?/,
  );
  assert.throws(() => renderFormula({ version: "latest", checksums }), /not a semantic version/);
  assert.throws(
    () => renderFormula({ version: SAMPLE_VERSION, checksums: "not a checksum line\n" }),
    /SHA256SUMS line 1/,
  );
});

Deno.test("formula: Formula/stoa-connect.rb is an unedited rendering of a SHA256SUMS", async () => {
  const committed = await Deno.readTextFile(`${ROOT}/${FORMULA_PATH}`);
  const inputs = readFormula(committed);
  assert.equal(parseChecksums(inputs.checksums).size, FORMULA_PLATFORMS.length);
  assert.equal(inputs.baseUrl, DOWNLOAD_BASE_URL);
  assert.equal(
    renderFormula(inputs),
    committed,
    "Formula/stoa-connect.rb differs from what scripts/update_formula.ts renders: regenerate it " +
      "(deno run --allow-read --allow-write scripts/update_formula.ts --checksums <SHA256SUMS>)",
  );
});

Deno.test("formula: the script writes the formula for VERSION from a checksum file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stoa-formula-" });
  try {
    // The sample lists archives of 0.1.0; a SHA256SUMS of the current VERSION is derived from it.
    const sums = (await Deno.readTextFile(SAMPLE)).replaceAll(
      `-${SAMPLE_VERSION}-`,
      `-${VERSION}-`,
    );
    await Deno.writeTextFile(`${dir}/SHA256SUMS`, sums);
    const script = `${ROOT}/scripts/update_formula.ts`;
    const result = await run(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        script,
        "--checksums",
        `${dir}/SHA256SUMS`,
        "--output",
        `${dir}/stoa-connect.rb`,
      ],
    });
    assert.equal(result.code, 0, describe(result));
    assert.equal(
      await Deno.readTextFile(`${dir}/stoa-connect.rb`),
      renderFormula({ version: VERSION, checksums: sums }),
    );

    const stdout = await run(Deno.execPath(), {
      args: ["run", "--allow-read", script, "--checksums", `${dir}/SHA256SUMS`, "--output", "-"],
    });
    assert.equal(stdout.code, 0, describe(stdout));
    assert.equal(stdout.stdout, renderFormula({ version: VERSION, checksums: sums }));

    const missing = await run(Deno.execPath(), { args: ["run", "--allow-read", script] });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--checksums is required/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("formula: Ruby loads it per platform; install and test do work", async () => {
  const ruby = await which("ruby");
  if (ruby === undefined) {
    notice("ruby is not installed (apt-get install ruby): the formula was not loaded as Ruby");
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "stoa-formula-ruby-" });
  try {
    const formula = `${dir}/stoa-connect.rb`;
    const checksums = await Deno.readTextFile(SAMPLE);
    await Deno.writeTextFile(formula, renderFormula({ version: SAMPLE_VERSION, checksums }));
    const syntax = await run(ruby, { args: ["-c", formula] });
    assert.equal(syntax.code, 0, describe(syntax));

    const good = `${dir}/good`;
    const stale = `${dir}/stale`;
    await Deno.mkdir(good);
    await Deno.mkdir(stale);
    await fakeBinaries(good, SAMPLE_VERSION);
    await fakeBinaries(stale, "0.0.9");
    const sums = parseChecksums(checksums);
    assert.deepEqual(
      FORMULA_PLATFORMS.map((p) => `${p.os}/${p.cpu}`).sort(),
      ["linux/arm", "linux/intel", "macos/arm", "macos/intel"],
    );
    for (const platform of FORMULA_PLATFORMS) {
      const file = archiveName(SAMPLE_VERSION, expectedTarget(platform.os, platform.cpu));
      const got = await evaluate(ruby, { formula, ...platform, binDir: good });
      assert.deepEqual(got, {
        version: SAMPLE_VERSION,
        url: `${DOWNLOAD_BASE_URL}/v${SAMPLE_VERSION}/${file}`,
        sha256: sums.get(file),
        desc: got.desc,
        installed: ["stoa-connect", "stoactl"],
        test: "passed",
      });
      assert.ok(
        got.desc.length > 0 && got.desc.length <= 80,
        "Homebrew wants a desc of 80 chars at most",
      );
      // The test block must catch a binary of another version.
      const wrong = await evaluate(ruby, { formula, ...platform, binDir: stale });
      assert.match(wrong.test, /^failed: expected "stoa-connect 0\.0\.9\\n" to contain "0\.1\.0"/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
