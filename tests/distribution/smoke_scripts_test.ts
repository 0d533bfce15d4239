/**
 * The smoke scripts CI runs on real builds (packaging/smoke_test.sh, packaging/smoke_test_image.sh):
 * shellcheck-clean, and smoke_test.sh passes on a stand-in build of this machine's target and fails
 * on a wrong version. Its systemd part needs a running systemd and is skipped with a NOTICE here.
 */

import assert from "node:assert/strict";
import { createArchive, writeChecksums } from "../../scripts/compile.ts";
import { PROGRAMS, type Target, TARGETS } from "../../scripts/distribution.ts";
import { VERSION } from "../../src/version.ts";
import { describe, notice, run, which } from "./helpers.ts";

const SCRIPTS = ["packaging/smoke_test.sh", "packaging/smoke_test_image.sh"];

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** A dist/ as `deno task compile --target <host>` leaves it, with stand-in binaries. */
async function fakeDist(dist: string, printedVersion: string): Promise<void> {
  const target = Deno.build.target as Target;
  assert.ok(TARGETS.includes(target), `${target} is not a release target`);
  await Deno.mkdir(`${dist}/${target}`, { recursive: true });
  for (const program of PROGRAMS) {
    const path = `${dist}/${target}/${program.name}`;
    await Deno.writeTextFile(path, `#!/bin/sh\necho "${program.name} ${printedVersion}"\n`);
    await Deno.chmod(path, 0o755);
  }
  await createArchive({ outDir: dist, version: VERSION, target });
  await writeChecksums({ outDir: dist, version: VERSION });
}

Deno.test("smoke scripts: shellcheck-clean POSIX sh", async () => {
  const shellcheck = await which("shellcheck");
  if (shellcheck === undefined) {
    notice("shellcheck is not installed (apt-get install shellcheck); smoke scripts not linted");
    return;
  }
  const result = await run(shellcheck, { args: ["--shell=sh", ...SCRIPTS] });
  assert.equal(result.code, 0, describe(result));
});

Deno.test("smoke scripts: smoke_test.sh passes on a good build and fails on a wrong version", async () => {
  if ((await which("python3")) === undefined) {
    notice("python3 is not installed: packaging/smoke_test.sh (its local release server) not run");
    return;
  }
  const work = await Deno.makeTempDir({ prefix: "stoa-smoke-" });
  try {
    await fakeDist(`${work}/good`, VERSION);
    const good = await run("sh", {
      args: ["packaging/smoke_test.sh", `${work}/good`],
      env: { SMOKE_PORT: String(freePort()), TMPDIR: work },
    });
    assert.equal(good.code, 0, describe(good));
    assert.match(good.stdout, /: OK$/m);
    assert.match(
      good.stdout,
      new RegExp(`installed stoa-connect ${VERSION.replaceAll(".", "\\.")}`),
    );
    if (good.stdout.includes("NOTICE: systemd is not running here")) {
      notice("systemd is not running here: smoke_test.sh did not start the unit");
    }

    await fakeDist(`${work}/stale`, "0.0.0-stale");
    const stale = await run("sh", {
      args: ["packaging/smoke_test.sh", `${work}/stale`],
      env: { SMOKE_PORT: String(freePort()), TMPDIR: work },
    });
    assert.notEqual(stale.code, 0, describe(stale));
    assert.match(stale.stderr, new RegExp(`stoa-connect --version does not print ${VERSION}`));
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
