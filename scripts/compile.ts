/**
 * `deno task compile`: builds `stoa-connect` and `stoactl` for every release target with
 * `deno compile`, packs each target's pair into `dist/stoa-connect-<version>-<target>.tar.gz` (a zip
 * for Windows) and writes `dist/SHA256SUMS`.
 *
 * ```sh
 * deno task compile                                      # every target
 * deno task compile --target x86_64-unknown-linux-gnu    # one target (repeatable)
 * deno task compile --dry-run                            # print the commands, run nothing
 * deno task compile --tag v0.1.0                         # refuse unless the tag matches VERSION
 * ```
 *
 * `deno compile` downloads Deno's runtime for each target from Deno's servers, so this needs a machine
 * that can reach them (the release workflow runs it on CI).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { VERSION } from "../src/version.ts";
import {
  archiveName,
  binaryName,
  type ChecksumEntry,
  CHECKSUMS_FILE,
  formatChecksums,
  isWindows,
  parseTarget,
  type Program,
  PROGRAMS,
  sha256Hex,
  type Target,
  TARGETS,
} from "./distribution.ts";

/** Where a program's binary is written for a target: `<outDir>/<target>/<binary>`. */
export function binaryPath(options: { outDir: string; target: Target; program: string }): string {
  return `${options.outDir}/${options.target}/${binaryName(options.program, options.target)}`;
}

/**
 * The `deno compile` argument vector for one program and target, without the leading `deno`.
 *
 * `--no-prompt` is compiled in so a daemon can never block on a permission prompt; the permissions
 * come from {@linkcode PROGRAMS} and nothing else (no `-A`).
 */
export function compileArgs(
  options: { program: Program; target: Target; outDir: string },
): string[] {
  const { program, target, outDir } = options;
  return [
    "compile",
    "--no-prompt",
    ...program.permissions,
    ...program.v8Flags,
    "--target",
    target,
    "--output",
    binaryPath({ outDir, target, program: program.name }),
    program.entry,
  ];
}

/** Every `deno compile` invocation needed for the given targets, agent first. */
export function compilePlan(options: { targets: readonly Target[]; outDir: string }): string[][] {
  return options.targets.flatMap((target) =>
    PROGRAMS.map((program) => compileArgs({ program, target, outDir: options.outDir }))
  );
}

/** The archiver command (program and arguments) that packs a target's two binaries. */
export function archiveCommand(
  options: { outDir: string; version: string; target: Target },
): string[] {
  const { outDir, version, target } = options;
  const archive = `${outDir}/${archiveName(version, target)}`;
  const binaries = PROGRAMS.map((p) => binaryName(p.name, target));
  if (isWindows(target)) {
    // -j stores bare names (no dist/<target>/ prefix); -X leaves out uid/gid extra fields.
    return ["zip", "-q", "-j", "-X", archive, ...binaries.map((b) => `${outDir}/${target}/${b}`)];
  }
  // Only options that GNU tar and bsdtar (macOS) share, so the task also runs on a Mac.
  return ["tar", "-czf", archive, "-C", `${outDir}/${target}`, ...binaries];
}

/** Renders an argument vector as one shell-pasteable line. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)
    .join(" ");
}

/** Runs a command with inherited output; throws with `what` (and `hint`) when it fails. */
async function run(argv: readonly string[], what: string, hint = ""): Promise<void> {
  let status: Deno.CommandStatus;
  try {
    status = await new Deno.Command(argv[0], { args: argv.slice(1) }).spawn().status;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`${what}: "${argv[0]}" is not installed; install it and run again`);
    }
    throw error;
  }
  if (!status.success) {
    throw new Error(`${what} failed with exit code ${status.code}${hint}\n  ${shellQuote(argv)}`);
  }
}

/**
 * Packs a target's two binaries, already compiled into `<outDir>/<target>/`, into the release
 * archive. An existing archive is replaced (zip would otherwise add to it). Returns the archive path.
 */
export async function createArchive(
  options: { outDir: string; version: string; target: Target },
): Promise<string> {
  const { outDir, target } = options;
  for (const program of PROGRAMS) {
    const path = binaryPath({ outDir, target, program: program.name });
    try {
      await Deno.stat(path);
    } catch {
      throw new Error(`cannot pack ${target}: ${path} is missing; compile it first`);
    }
  }
  const argv = archiveCommand(options);
  const archive = `${outDir}/${archiveName(options.version, target)}`;
  await Deno.remove(archive).catch(() => {});
  await run(argv, `packing ${archiveName(options.version, target)}`);
  return archive;
}

/**
 * Writes `<outDir>/SHA256SUMS` for every archive of `version` present in `outDir`, so building targets
 * one at a time still ends with one complete file. Returns the entries written.
 */
export async function writeChecksums(
  options: { outDir: string; version: string },
): Promise<ChecksumEntry[]> {
  const entries: ChecksumEntry[] = [];
  for (const target of TARGETS) {
    const file = archiveName(options.version, target);
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await Deno.readFile(`${options.outDir}/${file}`);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    entries.push({ sha256: await sha256Hex(bytes), file });
  }
  if (entries.length === 0) {
    throw new Error(`no archive for version ${options.version} in ${options.outDir}/`);
  }
  await Deno.writeTextFile(`${options.outDir}/${CHECKSUMS_FILE}`, formatChecksums(entries));
  return entries;
}

/** Throws unless `tag` is `v<version>`: a release must publish the version the code prints. */
export function checkTag(tag: string, version: string = VERSION): void {
  if (tag !== `v${version}`) {
    throw new Error(
      `tag "${tag}" does not match src/version.ts (VERSION = "${version}"): ` +
        `tag the commit as v${version}, or change VERSION and tag again`,
    );
  }
}

const USAGE =
  `Usage: deno task compile [--target TARGET]... [--out-dir DIR] [--tag vX.Y.Z] [--dry-run]

Builds stoa-connect and stoactl ${VERSION} with deno compile, packs one archive per target and
writes SHA256SUMS.

  --target TARGET  build only this target (repeatable); default: all of
                   ${TARGETS.join("\n                   ")}
  --out-dir DIR    output directory (default: dist)
  --tag TAG        fail unless TAG is v${VERSION} (used by the release workflow)
  --dry-run        print the commands that would run, and run nothing
`;

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      target: { type: "string", multiple: true },
      "out-dir": { type: "string", default: "dist" },
      tag: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.tag !== undefined) checkTag(values.tag);
  const targets = values.target === undefined ? [...TARGETS] : values.target.map(parseTarget);
  const outDir = values["out-dir"].replace(/\/+$/, "");
  const plan = compilePlan({ targets, outDir });

  if (values["dry-run"]) {
    for (const argv of plan) console.log(shellQuote(["deno", ...argv]));
    for (const target of targets) {
      console.log(shellQuote(archiveCommand({ outDir, version: VERSION, target })));
    }
    return 0;
  }

  for (const argv of plan) {
    const output = argv[argv.indexOf("--output") + 1];
    await Deno.mkdir(output.slice(0, output.lastIndexOf("/")), { recursive: true });
    await run(
      [Deno.execPath(), ...argv],
      `deno compile of ${output}`,
      ". deno compile downloads Deno's runtime for each target from Deno's servers: " +
        "if that download failed, run this on a machine that reaches them (CI does)",
    );
  }
  for (const target of targets) {
    console.log(`packed ${await createArchive({ outDir, version: VERSION, target })}`);
  }
  const sums = await writeChecksums({ outDir, version: VERSION });
  console.log(`wrote ${outDir}/${CHECKSUMS_FILE} (${sums.length} archives)`);
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`compile: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
