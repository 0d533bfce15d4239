/**
 * install.sh against a local HTTP server that serves a fake release: archives made by the release
 * packaging code (scripts/compile.ts) around tiny shell-script "binaries", plus SHA256SUMS. The script
 * runs under `sh` with a PATH holding only the tools it may use, with curl only or wget only.
 */

import assert from "node:assert/strict";
import { createArchive, writeChecksums } from "../../scripts/compile.ts";
import { archiveName, CHECKSUMS_FILE, PROGRAMS, type Target } from "../../scripts/distribution.ts";
import { describe, notice, ROOT, run, type RunResult, which } from "./helpers.ts";

const INSTALL_SH = `${ROOT}/install.sh`;
const UNIX_TARGETS: Target[] = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
];
/** Tools install.sh may call besides the downloader; each test PATH holds exactly these. */
const BASE_TOOLS = [
  "uname",
  "mktemp",
  "mkdir",
  "rm",
  "cp",
  "mv",
  "chmod",
  "awk",
  "sed",
  "tail",
  "tr",
  "cut",
  "sha256sum",
  "tar",
  "gzip",
];

const GOOD = "0.2.0";
const TAMPERED = "0.3.0";
const NO_CHECKSUM_LINE = "0.4.0";
const NO_CHECKSUM_FILE = "0.5.0";
const OLD = "0.1.0";

/** What each fake binary prints for --version: the program, version and target it was packed for. */
function fakeVersion(program: string, version: string, target: string): string {
  return `${program} ${version} (${target})`;
}

function fakeBinary(program: string, version: string, target: string): string {
  return `#!/bin/sh\necho "${fakeVersion(program, version, target)}"\n`;
}

async function writeRelease(
  releases: string,
  version: string,
  alter?: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = `${releases}/v${version}`;
  for (const target of UNIX_TARGETS) {
    await Deno.mkdir(`${dir}/${target}`, { recursive: true });
    for (const program of PROGRAMS) {
      const path = `${dir}/${target}/${program.name}`;
      await Deno.writeTextFile(path, fakeBinary(program.name, version, target));
      await Deno.chmod(path, 0o755);
    }
    await createArchive({ outDir: dir, version, target });
  }
  await writeChecksums({ outDir: dir, version });
  await alter?.(dir);
}

/** A PATH directory with symlinks to the base tools plus `extra`, and optionally a fake uname. */
async function toolDir(
  parent: string,
  name: string,
  options: { extra: string[]; uname?: { s: string; m: string } },
): Promise<string> {
  const dir = `${parent}/${name}`;
  await Deno.mkdir(dir, { recursive: true });
  for (const tool of [...BASE_TOOLS, ...options.extra]) {
    const path = await which(tool);
    assert.ok(path, `${tool} is needed by this test and is not installed`);
    if (tool === "uname" && options.uname) continue;
    await Deno.symlink(path, `${dir}/${tool}`);
  }
  if (options.uname) {
    const { s, m } = options.uname;
    await Deno.writeTextFile(
      `${dir}/uname`,
      `#!/bin/sh\ncase "$1" in -s) echo "${s}" ;; -m) echo "${m}" ;; *) echo "${s}" ;; esac\n`,
    );
    await Deno.chmod(`${dir}/uname`, 0o755);
  }
  return dir;
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}

/** What every run of install.sh shares: scratch space, the fake release server and its request log. */
interface Harness {
  work: string;
  origin: string;
  sh: string;
  requests: string[];
  runs: number;
}

type InstallResult = RunResult & { installDir: string };

/**
 * Runs install.sh with only `path` as PATH and a fresh install dir, TMPDIR and HOME, so each run's
 * leftovers can be checked; fails if it leaves anything in TMPDIR.
 */
async function install(
  h: Harness,
  options: {
    path: string;
    env?: Record<string, string>;
    installDir?: string;
    /** Feed the script on standard input, as `curl … | sh` does, instead of passing its path. */
    piped?: boolean;
  },
): Promise<InstallResult> {
  h.runs++;
  const { work, origin, sh, requests } = h;
  const installDir = options.installDir ?? `${work}/case${h.runs}/bin`;
  const tmpDir = `${work}/case${h.runs}/tmp`;
  const home = `${work}/case${h.runs}/home`;
  await Deno.mkdir(tmpDir, { recursive: true });
  await Deno.mkdir(home, { recursive: true });
  requests.length = 0;
  const result = await run(sh, {
    args: options.piped ? [] : [INSTALL_SH],
    stdin: options.piped ? await Deno.readTextFile(INSTALL_SH) : undefined,
    clearEnv: true,
    env: {
      PATH: options.path,
      HOME: home,
      TMPDIR: tmpDir,
      STOA_INSTALL_DIR: installDir,
      STOA_CONNECT_DOWNLOAD_URL: `${origin}/releases/download`,
      STOA_CONNECT_LATEST_URL: `${origin}/releases/latest`,
      ...options.env,
    },
  });
  assert.deepEqual(
    await listDir(tmpDir),
    [],
    `install.sh left files in TMPDIR\n${describe(result)}`,
  );
  return { ...result, installDir };
}

async function assertInstalled(
  result: InstallResult,
  version: string,
  target: string,
): Promise<void> {
  assert.equal(result.code, 0, describe(result));
  assert.deepEqual(await listDir(result.installDir), ["stoa-connect", "stoactl"]);
  for (const program of PROGRAMS) {
    const path = `${result.installDir}/${program.name}`;
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o755, `${path} is not 0755`);
    const ran = await run(path);
    assert.equal(ran.stdout.trim(), fakeVersion(program.name, version, target));
  }
  assert.match(
    result.stdout,
    new RegExp(`installed stoa-connect ${version.replaceAll(".", "\\.")}`),
  );
}

async function assertNothingInstalled(
  result: InstallResult,
  message: RegExp,
): Promise<void> {
  assert.notEqual(result.code, 0, `install.sh should have failed\n${describe(result)}`);
  assert.match(result.stderr, message, describe(result));
  assert.match(result.stderr, /error: /);
  const created = await Deno.stat(result.installDir).then(() => true, () => false);
  assert.equal(created, false, `a failed install created ${result.installDir}`);
}

Deno.test("install.sh", async (t) => {
  const work = await Deno.makeTempDir({ prefix: "stoa-install-test-" });
  const releases = `${work}/releases`;
  const requests: string[] = [];
  const controller = new AbortController();
  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  try {
    await writeRelease(releases, GOOD);
    await writeRelease(releases, TAMPERED, async (dir) => {
      // Archive swapped after SHA256SUMS was written, as a compromised mirror would serve it.
      for (const target of UNIX_TARGETS) {
        const path = `${dir}/${archiveName(TAMPERED, target)}`;
        const bytes = await Deno.readFile(path);
        bytes[bytes.length - 1] ^= 0xff;
        await Deno.writeFile(path, bytes);
      }
    });
    await writeRelease(releases, NO_CHECKSUM_LINE, async (dir) => {
      const sums = await Deno.readTextFile(`${dir}/${CHECKSUMS_FILE}`);
      const kept = sums.split("\n").filter((l) => !l.includes("x86_64-unknown-linux-gnu"));
      await Deno.writeTextFile(`${dir}/${CHECKSUMS_FILE}`, kept.join("\n"));
    });
    await writeRelease(
      releases,
      NO_CHECKSUM_FILE,
      (dir) => Deno.remove(`${dir}/${CHECKSUMS_FILE}`),
    );

    server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen: () => {} },
      async (request) => {
        const path = new URL(request.url).pathname;
        requests.push(path);
        if (path === "/releases/latest") {
          // GitHub answers with a redirect to the tag page; the installer reads the version from it.
          return new Response(null, {
            status: 302,
            headers: { location: `/releases/tag/v${GOOD}` },
          });
        }
        if (path.startsWith("/releases/tag/")) return new Response("release page");
        const prefix = "/releases/download/";
        if (path.startsWith(prefix) && !path.includes("..")) {
          try {
            return new Response(await Deno.readFile(`${releases}/${path.slice(prefix.length)}`));
          } catch {
            // fall through to 404
          }
        }
        return new Response("Not Found", { status: 404 });
      },
    );
    const origin = `http://127.0.0.1:${server.addr.port}`;

    const hostTarget = Deno.build.target;
    assert.ok(
      UNIX_TARGETS.includes(hostTarget as Target),
      `this test runs install.sh for the host target ${hostTarget}, which is not a release target`,
    );
    // Absolute: the child's PATH holds only the tools under test.
    const shPath = await which("sh");
    assert.ok(shPath, "sh is not on PATH");
    const h: Harness = { work, origin, sh: shPath, requests, runs: 0 };
    const bins = `${work}/bins`;
    const curlOnly = await toolDir(bins, "curl", { extra: ["curl"] });
    const wgetOnly = await toolDir(bins, "wget", { extra: ["wget"] });
    const neither = await toolDir(bins, "neither", { extra: [] });
    const macArm = await toolDir(bins, "mac-arm", {
      extra: ["curl"],
      uname: { s: "Darwin", m: "arm64" },
    });
    const linuxArm = await toolDir(bins, "linux-arm", {
      extra: ["wget"],
      uname: { s: "Linux", m: "aarch64" },
    });
    const riscv = await toolDir(bins, "riscv", {
      extra: ["curl"],
      uname: { s: "Linux", m: "riscv64" },
    });
    const freebsd = await toolDir(bins, "freebsd", {
      extra: ["curl"],
      uname: { s: "FreeBSD", m: "amd64" },
    });

    await t.step("installs a given version with curl, verified against SHA256SUMS", async () => {
      const result = await install(h, { path: curlOnly, env: { STOA_CONNECT_VERSION: GOOD } });
      await assertInstalled(result, GOOD, hostTarget);
      const file = archiveName(GOOD, hostTarget as Target);
      assert.ok(requests.includes(`/releases/download/v${GOOD}/${file}`), requests.join("\n"));
      assert.ok(requests.includes(`/releases/download/v${GOOD}/SHA256SUMS`), requests.join("\n"));
    });

    await t.step("works piped into sh, as curl -sSL … | sh runs it", async () => {
      const result = await install(h, {
        path: curlOnly,
        piped: true,
        env: { STOA_CONNECT_VERSION: GOOD },
      });
      await assertInstalled(result, GOOD, hostTarget);
    });

    await t.step("installs a given version with wget only; a leading v is accepted", async () => {
      const result = await install(h, {
        path: wgetOnly,
        env: { STOA_CONNECT_VERSION: `v${GOOD}` },
      });
      await assertInstalled(result, GOOD, hostTarget);
    });

    await t.step(
      "finds the latest release through its redirect, with curl and with wget",
      async () => {
        for (const path of [curlOnly, wgetOnly]) {
          const result = await install(h, { path });
          await assertInstalled(result, GOOD, hostTarget);
          assert.equal(requests[0], "/releases/latest", requests.join("\n"));
        }
      },
    );

    await t.step("picks the archive of the detected platform", async () => {
      await assertInstalled(
        await install(h, { path: macArm, env: { STOA_CONNECT_VERSION: GOOD } }),
        GOOD,
        "aarch64-apple-darwin",
      );
      await assertInstalled(
        await install(h, { path: linuxArm, env: { STOA_CONNECT_VERSION: GOOD } }),
        GOOD,
        "aarch64-unknown-linux-gnu",
      );
    });

    await t.step("replaces an existing older install and leaves other files alone", async () => {
      const installDir = `${work}/existing/bin`;
      await Deno.mkdir(installDir, { recursive: true });
      for (const program of PROGRAMS) {
        const path = `${installDir}/${program.name}`;
        await Deno.writeTextFile(path, fakeBinary(program.name, OLD, hostTarget));
        await Deno.chmod(path, 0o755);
      }
      await Deno.writeTextFile(`${installDir}/unrelated-tool`, "keep me");
      const result = await install(h, {
        path: curlOnly,
        installDir,
        env: { STOA_CONNECT_VERSION: GOOD },
      });
      assert.equal(result.code, 0, describe(result));
      assert.deepEqual(await listDir(installDir), ["stoa-connect", "stoactl", "unrelated-tool"]);
      for (const program of PROGRAMS) {
        const ran = await run(`${installDir}/${program.name}`);
        assert.equal(ran.stdout.trim(), fakeVersion(program.name, GOOD, hostTarget));
      }
      assert.equal(await Deno.readTextFile(`${installDir}/unrelated-tool`), "keep me");
    });

    await t.step("refuses a tampered archive and keeps the older install", async () => {
      const fresh = await install(h, { path: curlOnly, env: { STOA_CONNECT_VERSION: TAMPERED } });
      await assertNothingInstalled(fresh, /checksum mismatch for stoa-connect-0\.3\.0-/);

      const installDir = `${work}/kept/bin`;
      await Deno.mkdir(installDir, { recursive: true });
      const old = fakeBinary("stoa-connect", OLD, hostTarget);
      await Deno.writeTextFile(`${installDir}/stoa-connect`, old);
      const result = await install(h, {
        path: wgetOnly,
        installDir,
        env: { STOA_CONNECT_VERSION: TAMPERED },
      });
      assert.notEqual(result.code, 0, describe(result));
      assert.match(result.stderr, /checksum mismatch/);
      assert.deepEqual(await listDir(installDir), ["stoa-connect"]);
      assert.equal(await Deno.readTextFile(`${installDir}/stoa-connect`), old);
    });

    await t.step("refuses an archive that SHA256SUMS does not list", async () => {
      const result = await install(h, {
        path: curlOnly,
        env: { STOA_CONNECT_VERSION: NO_CHECKSUM_LINE },
      });
      if (hostTarget === "x86_64-unknown-linux-gnu") {
        await assertNothingInstalled(result, /has no checksum for stoa-connect-0\.4\.0-x86_64/);
      } else {
        // The fixture removed the x86_64 Linux line only; elsewhere the host's line is present.
        assert.equal(result.code, 0, describe(result));
      }
      const onX86 = await toolDir(bins, "linux-x86", {
        extra: ["curl"],
        uname: { s: "Linux", m: "x86_64" },
      });
      await assertNothingInstalled(
        await install(h, { path: onX86, env: { STOA_CONNECT_VERSION: NO_CHECKSUM_LINE } }),
        /has no checksum for stoa-connect-0\.4\.0-x86_64-unknown-linux-gnu\.tar\.gz/,
      );
    });

    await t.step("refuses to install when SHA256SUMS cannot be downloaded", async () => {
      for (const path of [curlOnly, wgetOnly]) {
        await assertNothingInstalled(
          await install(h, { path, env: { STOA_CONNECT_VERSION: NO_CHECKSUM_FILE } }),
          /SHA256SUMS failed, so the archive cannot be verified/,
        );
      }
    });

    await t.step("fails clearly when the version does not exist", async () => {
      for (const path of [curlOnly, wgetOnly]) {
        await assertNothingInstalled(
          await install(h, { path, env: { STOA_CONNECT_VERSION: "9.9.9" } }),
          /download of .*\/v9\.9\.9\/stoa-connect-9\.9\.9-.* failed; check that release v9\.9\.9 exists/,
        );
      }
    });

    await t.step("rejects an unsupported architecture or OS before downloading", async () => {
      await assertNothingInstalled(
        await install(h, { path: riscv, env: { STOA_CONNECT_VERSION: GOOD } }),
        /unsupported architecture: riscv64 on Linux/,
      );
      assert.deepEqual(requests, [], "nothing should be downloaded for an unsupported platform");
      await assertNothingInstalled(
        await install(h, { path: freebsd, env: { STOA_CONNECT_VERSION: GOOD } }),
        /unsupported operating system: FreeBSD/,
      );
      assert.deepEqual(requests, []);
    });

    await t.step("rejects a malformed STOA_CONNECT_VERSION before downloading", async () => {
      for (const bad of ["1.0/../../etc", "latest", "0.2.0 ; rm"]) {
        await assertNothingInstalled(
          await install(h, { path: curlOnly, env: { STOA_CONNECT_VERSION: bad } }),
          /is not a version like 0\.1\.0; set STOA_CONNECT_VERSION/,
        );
        assert.deepEqual(requests, []);
      }
    });

    await t.step("needs curl or wget and says so", async () => {
      await assertNothingInstalled(
        await install(h, { path: neither, env: { STOA_CONNECT_VERSION: GOOD } }),
        /neither curl nor wget is installed/,
      );
    });

    await t.step("prints a PATH hint only when the install dir is not on PATH", async () => {
      const offPath = await install(h, { path: curlOnly, env: { STOA_CONNECT_VERSION: GOOD } });
      assert.equal(offPath.code, 0, describe(offPath));
      assert.match(offPath.stdout, /is not on your PATH/);

      const installDir = `${work}/on-path/bin`;
      const onPath = await install(h, {
        path: `${curlOnly}:${installDir}`,
        installDir,
        env: { STOA_CONNECT_VERSION: GOOD },
      });
      assert.equal(onPath.code, 0, describe(onPath));
      assert.doesNotMatch(onPath.stdout, /not on your PATH/);
    });

    await t.step("is shellcheck-clean as POSIX sh", async () => {
      const shellcheck = await which("shellcheck");
      if (shellcheck === undefined) {
        notice(
          "shellcheck is not installed (apt-get install shellcheck); install.sh was not linted",
        );
        return;
      }
      const result = await run(shellcheck, { args: ["--shell=sh", INSTALL_SH] });
      assert.equal(result.code, 0, describe(result));
    });
  } finally {
    controller.abort();
    await server?.finished;
    await Deno.remove(work, { recursive: true });
  }
});
