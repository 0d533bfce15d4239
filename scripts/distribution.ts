/**
 * Facts about how stoa-connect is distributed, in one place: the release targets, the permissions
 * compiled into each binary, binary and archive names, download URLs and the `SHA256SUMS` format.
 *
 * `scripts/compile.ts`, `scripts/update_formula.ts`, the tests under `tests/distribution/` and (by
 * checking against this module) the release workflow, the Dockerfile and `install.sh` all agree on
 * these values.
 *
 * @module
 */

/** A platform the release builds binaries for (a `deno compile --target` value). */
export type Target =
  | "x86_64-unknown-linux-gnu"
  | "aarch64-unknown-linux-gnu"
  | "x86_64-apple-darwin"
  | "aarch64-apple-darwin"
  | "x86_64-pc-windows-msvc";

/** Every release target, in the order archives are listed. */
export const TARGETS: readonly Target[] = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];

/** One of the two programs shipped in every archive. */
export interface Program {
  /** Binary name without extension (`stoa-connect`, `stoactl`). */
  readonly name: string;
  /** Entry point, relative to the repository root. */
  readonly entry: string;
  /**
   * `deno compile` permission flags. They are baked into the binary: a compiled program has exactly
   * these permissions and no way to prompt for more.
   */
  readonly permissions: readonly string[];
  /** V8 flags compiled in (memory tuning of a long-running process). */
  readonly v8Flags: readonly string[];
}

/**
 * Permissions of the agent. Why each one is unscoped:
 * - net: the Control Plane, gateway admin API, Vault and OTLP hosts are configuration, known only at
 *   run time; the agent also listens on STOA_CONNECT_HOST:STOA_CONNECT_PORT.
 * - env: configuration is environment variables, including `<NAME>_FILE` for every secret and the
 *   standard proxy variables, so the set of names is open-ended.
 * - read: `.env`, `--env-file PATH`, `*_FILE` secret files, CA bundles and the state directory can be
 *   anywhere on the machine.
 * - write: the state directory (STOA_STATE_DIR) is configurable (`/var/lib/stoa-connect` under
 *   systemd and Docker, `.stoa-connect` by default).
 * sys is scoped: the hostname is the default instance name; uptime and memory feed `/metrics`.
 * Not granted: run, ffi, import (nothing is spawned, loaded or fetched as code at run time).
 */
export const AGENT_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-sys=hostname,osUptime,systemMemoryInfo",
];

/**
 * Permissions of `stoactl`: it calls the agent and gateway admin APIs (net), reads its flags'
 * defaults from the environment and files (env, read) and shows the hostname (sys=hostname). It
 * writes nothing.
 */
export const STOACTL_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-sys=hostname",
];

/**
 * V8 flags of the agent. A young generation of 8 MB (semi-space) instead of V8's default keeps
 * short-lived garbage, such as the admin API pages read during discovery, from growing the
 * process: peak memory of a 10,000-service Kong discovery drops from 130–160 MB to 120–135 MB
 * (`deno task bench`) at the same speed.
 */
export const AGENT_V8_FLAGS: readonly string[] = ["--v8-flags=--max-semi-space-size=8"];

/** The two programs shipped together in every archive. */
export const PROGRAMS: readonly Program[] = [
  {
    name: "stoa-connect",
    entry: "src/main.ts",
    permissions: AGENT_PERMISSIONS,
    v8Flags: AGENT_V8_FLAGS,
  },
  { name: "stoactl", entry: "src/stoactl.ts", permissions: STOACTL_PERMISSIONS, v8Flags: [] },
];

/** GitHub repository that publishes releases and the container image. */
export const REPOSITORY = "stoa-platform/stoa-connect";

/** Base URL of release downloads; a release's files live under `<base>/v<version>/`. */
export const DOWNLOAD_BASE_URL = `https://github.com/${REPOSITORY}/releases/download`;

/** Container image published by the release workflow. */
export const IMAGE = `ghcr.io/${REPOSITORY}`;

/** Name of the checksum file published with every release. */
export const CHECKSUMS_FILE = "SHA256SUMS";

/** True for targets whose binaries carry `.exe` and whose archive is a zip. */
export function isWindows(target: Target): boolean {
  return target.includes("windows");
}

/** File name of a program's binary for a target (`stoactl.exe` on Windows). */
export function binaryName(program: string, target: Target): string {
  return isWindows(target) ? `${program}.exe` : program;
}

/** File name of the release archive for a version and target. */
export function archiveName(version: string, target: Target): string {
  return `stoa-connect-${version}-${target}.${isWindows(target) ? "zip" : "tar.gz"}`;
}

/** Download URL of a release file. */
export function releaseFileUrl(
  options: { version: string; file: string; baseUrl?: string },
): string {
  const base = (options.baseUrl ?? DOWNLOAD_BASE_URL).replace(/\/+$/, "");
  return `${base}/v${options.version}/${options.file}`;
}

/** Narrows a string to a {@linkcode Target}, or throws naming the accepted values. */
export function parseTarget(value: string): Target {
  const target = TARGETS.find((t) => t === value);
  if (target === undefined) {
    throw new Error(`unknown target "${value}": use one of ${TARGETS.join(", ")}`);
  }
  return target;
}

/** Lowercase hex SHA-256 of some bytes. */
export async function sha256Hex(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** One line of a `SHA256SUMS` file. */
export interface ChecksumEntry {
  /** Lowercase hex SHA-256. */
  readonly sha256: string;
  /** File name, without directory. */
  readonly file: string;
}

/**
 * Renders entries in `sha256sum` text-mode format (`<hash>  <file>`), sorted by file name so the
 * file is the same whatever order archives were built in; `sha256sum -c` accepts it.
 */
export function formatChecksums(entries: readonly ChecksumEntry[]): string {
  return [...entries]
    .sort((a, b) => a.file < b.file ? -1 : a.file > b.file ? 1 : 0)
    .map((e) => `${e.sha256}  ${e.file}\n`)
    .join("");
}

/**
 * Parses a `SHA256SUMS` file (text `<hash>  <file>` or binary `<hash> *<file>` lines). Throws on a
 * malformed line, naming it, so a truncated or wrong file is never half-used.
 */
export function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === "") continue;
    const match = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line);
    if (match === null) {
      throw new Error(`SHA256SUMS line ${index + 1} is not "<sha256>  <file>": ${line}`);
    }
    sums.set(match[2], match[1].toLowerCase());
  }
  return sums;
}
