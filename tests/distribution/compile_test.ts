/**
 * `deno task compile` (scripts/compile.ts): the commands it runs, the permissions it compiles in, and
 * the archives and SHA256SUMS it writes. Compiling itself needs Deno's download servers, so the
 * commands are checked against `deno compile`'s own argument parser instead, and packaging is checked
 * on stand-in binaries.
 */

import assert from "node:assert/strict";
import {
  archiveCommand,
  checkTag,
  compileArgs,
  compilePlan,
  createArchive,
  shellQuote,
  writeChecksums,
} from "../../scripts/compile.ts";
import {
  AGENT_PERMISSIONS,
  AGENT_V8_FLAGS,
  archiveName,
  binaryName,
  CHECKSUMS_FILE,
  parseChecksums,
  PROGRAMS,
  STOACTL_PERMISSIONS,
  TARGETS,
} from "../../scripts/distribution.ts";
import { VERSION } from "../../src/version.ts";
import { describe, ROOT, run } from "./helpers.ts";

const DENO = Deno.execPath();

interface DenoJson {
  tasks: Record<string, string>;
}

async function denoJson(): Promise<DenoJson> {
  return JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
}

/** The `--allow-*` flags of a task command line. */
function allowFlags(task: string): string[] {
  return task.split(/\s+/).filter((word) => word.startsWith("--allow-") || word === "-A").sort();
}

Deno.test("compile: deno.json's start and stoactl tasks run with the permissions compiled in", async () => {
  const { tasks } = await denoJson();
  assert.match(tasks.start, /\bsrc\/main\.ts\b/);
  assert.deepEqual(allowFlags(tasks.start), [...AGENT_PERMISSIONS].sort());
  assert.match(tasks.stoactl, /\bsrc\/stoactl\.ts\b/);
  assert.deepEqual(allowFlags(tasks.stoactl), [...STOACTL_PERMISSIONS].sort());
  assert.match(tasks.compile, /\bscripts\/compile\.ts\b/);
});

Deno.test("compile: no blanket or unneeded permission is compiled in", () => {
  for (const program of PROGRAMS) {
    for (const flag of program.permissions) {
      assert.doesNotMatch(flag, /^(-A|--allow-all|--allow-run|--allow-ffi|--allow-import)/, flag);
    }
    const sys = program.permissions.filter((f) => f.startsWith("--allow-sys"));
    assert.equal(sys.length, 1, `${program.name}: exactly one --allow-sys`);
    assert.match(sys[0], /^--allow-sys=[a-zA-Z,]+$/, `${program.name}: --allow-sys must be scoped`);
  }
  assert.ok(
    !STOACTL_PERMISSIONS.some((f) => f.startsWith("--allow-write")),
    "stoactl writes nothing",
  );
});

Deno.test("compile: one deno compile per program and target, into dist/<target>/", () => {
  const plan = compilePlan({ targets: TARGETS, outDir: "dist" });
  assert.equal(plan.length, TARGETS.length * PROGRAMS.length);
  for (const target of TARGETS) {
    for (const program of PROGRAMS) {
      const output = `dist/${target}/${binaryName(program.name, target)}`;
      const argv = plan.find((a) => a.includes(output));
      assert.ok(argv, `no compile command writes ${output}`);
      assert.deepEqual(argv, [
        "compile",
        "--no-prompt",
        ...program.permissions,
        ...program.v8Flags,
        "--target",
        target,
        "--output",
        output,
        program.entry,
      ]);
    }
  }
  assert.equal(binaryName("stoactl", "x86_64-pc-windows-msvc"), "stoactl.exe");
});

Deno.test("compile: deno compile accepts every flag and every target", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "stoa-compile-flags-" });
  try {
    for (const program of PROGRAMS) {
      // An invalid --target value makes deno's argument parser stop right there, before any download;
      // reaching it proves every flag before it parsed, and the error lists the valid targets.
      const argv = compileArgs({ program, target: TARGETS[0], outDir: scratch });
      argv[argv.indexOf("--target") + 1] = "not-a-target";
      const result = await run(DENO, { args: argv });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /invalid value 'not-a-target' for '--target'/, describe(result));
      assert.doesNotMatch(result.stderr, /unexpected argument/, describe(result));
      const possible = /possible values: ([^\n]+)/.exec(result.stderr)?.[1].split(/,\s*/) ?? [];
      for (const target of TARGETS) {
        assert.ok(possible.includes(target), `deno compile does not know ${target}: ${possible}`);
      }
    }
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});

Deno.test("compile: --dry-run prints exactly the commands the task runs", async () => {
  const result = await run(DENO, { args: ["task", "--quiet", "compile", "--dry-run"] });
  assert.equal(result.code, 0, describe(result));
  const expected = [
    ...compilePlan({ targets: TARGETS, outDir: "dist" }).map((argv) =>
      shellQuote(["deno", ...argv])
    ),
    ...TARGETS.map((target) =>
      shellQuote(archiveCommand({ outDir: "dist", version: VERSION, target }))
    ),
  ];
  assert.deepEqual(result.stdout.trim().split("\n"), expected);

  const one = await run(DENO, {
    args: ["task", "--quiet", "compile", "--dry-run", "--target", "x86_64-pc-windows-msvc"],
  });
  assert.equal(one.code, 0, describe(one));
  assert.deepEqual(one.stdout.trim().split("\n"), [
    `deno compile --no-prompt ${AGENT_PERMISSIONS.join(" ")} ${AGENT_V8_FLAGS.join(" ")} ` +
    `--target x86_64-pc-windows-msvc --output dist/x86_64-pc-windows-msvc/stoa-connect.exe src/main.ts`,
    `deno compile --no-prompt ${STOACTL_PERMISSIONS.join(" ")} ` +
    `--target x86_64-pc-windows-msvc --output dist/x86_64-pc-windows-msvc/stoactl.exe src/stoactl.ts`,
    `zip -q -j -X dist/stoa-connect-${VERSION}-x86_64-pc-windows-msvc.zip ` +
    `dist/x86_64-pc-windows-msvc/stoa-connect.exe dist/x86_64-pc-windows-msvc/stoactl.exe`,
  ]);

  const bad = await run(DENO, {
    args: ["task", "--quiet", "compile", "--target", "sparc-sun-solaris"],
  });
  assert.equal(bad.code, 1);
  assert.match(
    bad.stderr,
    /unknown target "sparc-sun-solaris": use one of x86_64-unknown-linux-gnu/,
  );
});

Deno.test("compile: --tag must be v<VERSION>", async () => {
  checkTag(`v${VERSION}`);
  assert.throws(() => checkTag("v0.0.0-not-this", "1.2.3"), /does not match src\/version\.ts/);
  assert.throws(() => checkTag("1.2.3", "1.2.3"), /tag the commit as v1\.2\.3/);
  const result = await run(DENO, {
    args: ["task", "--quiet", "compile", "--dry-run", "--tag", "v0.0.0-not-this"],
  });
  assert.equal(result.code, 1, describe(result));
  assert.match(result.stderr, /tag "v0\.0\.0-not-this" does not match src\/version\.ts/);
  assert.equal(result.stdout, "", "nothing may be planned for a wrong tag");
});

Deno.test("compile: archives hold both binaries; SHA256SUMS verifies with sha256sum -c", async () => {
  const dist = await Deno.makeTempDir({ prefix: "stoa-compile-pack-" });
  try {
    const version = "9.8.7";
    for (const target of TARGETS) {
      await Deno.mkdir(`${dist}/${target}`);
      for (const program of PROGRAMS) {
        const path = `${dist}/${target}/${binaryName(program.name, target)}`;
        await Deno.writeTextFile(path, `#!/bin/sh\necho ${program.name} ${target}\n`);
        await Deno.chmod(path, 0o755);
      }
      // Packing twice must give the same two entries (zip would append to an existing archive).
      await createArchive({ outDir: dist, version, target });
      await createArchive({ outDir: dist, version, target });
    }
    // An archive of another version lying in dist/ must not end up in this version's SHA256SUMS.
    await Deno.writeTextFile(`${dist}/${archiveName("0.0.1", TARGETS[0])}`, "stale");
    const entries = await writeChecksums({ outDir: dist, version });
    assert.deepEqual(
      entries.map((e) => e.file).sort(),
      TARGETS.map((t) => archiveName(version, t)).sort(),
    );

    for (const target of TARGETS) {
      const archive = `${dist}/${archiveName(version, target)}`;
      const listing = target.includes("windows")
        ? await run("unzip", { args: ["-Z1", archive] })
        : await run("tar", { args: ["-tzvf", archive] });
      assert.equal(listing.code, 0, describe(listing));
      const names = listing.stdout.trim().split("\n").map((l) => l.split(/\s+/).at(-1)!).sort();
      assert.deepEqual(names, PROGRAMS.map((p) => binaryName(p.name, target)).sort(), archive);
      if (!target.includes("windows")) {
        for (const line of listing.stdout.trim().split("\n")) {
          assert.match(line, /^-rwxr-xr-x /, `binaries must stay executable in ${archive}`);
        }
      }
    }

    const sums = await Deno.readTextFile(`${dist}/${CHECKSUMS_FILE}`);
    assert.match(sums, /^([0-9a-f]{64} {2}stoa-connect-9\.8\.7-[\w-]+\.(tar\.gz|zip)\n){5}$/);
    assert.equal(parseChecksums(sums).size, TARGETS.length);
    const check = await run("sha256sum", { args: ["-c", CHECKSUMS_FILE], cwd: dist });
    assert.equal(check.code, 0, describe(check));
    assert.equal(check.stdout.match(/: OK$/gm)?.length, TARGETS.length);
  } finally {
    await Deno.remove(dist, { recursive: true });
  }
});

Deno.test("compile: packing without compiled binaries fails and says what to do", async () => {
  const dist = await Deno.makeTempDir({ prefix: "stoa-compile-missing-" });
  try {
    await assert.rejects(
      createArchive({ outDir: dist, version: "1.0.0", target: "aarch64-apple-darwin" }),
      /cannot pack aarch64-apple-darwin: .*\/aarch64-apple-darwin\/stoa-connect is missing; compile it first/,
    );
    await assert.rejects(
      writeChecksums({ outDir: dist, version: "1.0.0" }),
      /no archive for version 1\.0\.0/,
    );
  } finally {
    await Deno.remove(dist, { recursive: true });
  }
});

Deno.test("compile: SHA256SUMS parsing rejects malformed lines", () => {
  const good = `${"a".repeat(64)}  x.tar.gz\n${"B".repeat(64)} *y.zip\n`;
  assert.deepEqual([...parseChecksums(good)], [["x.tar.gz", "a".repeat(64)], [
    "y.zip",
    "b".repeat(64),
  ]]);
  assert.throws(() => parseChecksums(`${"a".repeat(63)}  x.tar.gz\n`), /line 1 is not/);
});
