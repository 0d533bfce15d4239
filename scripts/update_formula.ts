/**
 * Regenerates the Homebrew formula `Formula/stoa-connect.rb` (tap `stoa-platform/tap`, i.e. the
 * repository `stoa-platform/homebrew-tap`) from a release's `SHA256SUMS`.
 *
 * ```sh
 * deno run --allow-read --allow-write scripts/update_formula.ts --checksums dist/SHA256SUMS
 * deno run --allow-net --allow-read --allow-write scripts/update_formula.ts \
 *   --checksums https://github.com/stoa-platform/stoa-connect/releases/download/v0.1.0/SHA256SUMS
 * ```
 *
 * The version defaults to `VERSION` from `src/version.ts`; the release workflow has already checked
 * that the tag matches it.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { VERSION } from "../src/version.ts";
import {
  archiveName,
  DOWNLOAD_BASE_URL,
  parseChecksums,
  releaseFileUrl,
  REPOSITORY,
  type Target,
} from "./distribution.ts";

/** The Homebrew platforms the formula serves, each with the release target it installs. */
export const FORMULA_PLATFORMS: readonly {
  os: "macos" | "linux";
  cpu: "arm" | "intel";
  target: Target;
}[] = [
  { os: "macos", cpu: "arm", target: "aarch64-apple-darwin" },
  { os: "macos", cpu: "intel", target: "x86_64-apple-darwin" },
  { os: "linux", cpu: "arm", target: "aarch64-unknown-linux-gnu" },
  { os: "linux", cpu: "intel", target: "x86_64-unknown-linux-gnu" },
];

/** Default path of the formula in this repository. */
export const FORMULA_PATH = "Formula/stoa-connect.rb";

/** Inputs of {@linkcode renderFormula}. */
export interface FormulaOptions {
  /** Release version without the leading `v`. */
  version: string;
  /** Contents of the release's `SHA256SUMS`. */
  checksums: string;
  /** Base of download URLs (default: GitHub releases of stoa-platform/stoa-connect). */
  baseUrl?: string;
}

/**
 * Renders the formula. Throws, naming the archive, when `SHA256SUMS` lacks one of the four archives
 * Homebrew needs: a formula with a missing checksum must never be published.
 */
export function renderFormula(options: FormulaOptions): string {
  const { version } = options;
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
    throw new Error(`version "${version}" is not a semantic version like 1.2.3`);
  }
  const sums = parseChecksums(options.checksums);
  const asset = (target: Target): { url: string; sha256: string } => {
    const file = archiveName(version, target);
    const sha256 = sums.get(file);
    if (sha256 === undefined) {
      throw new Error(`SHA256SUMS has no line for ${file}; is it the SHA256SUMS of v${version}?`);
    }
    return { url: releaseFileUrl({ version, file, baseUrl: options.baseUrl }), sha256 };
  };
  const block = (os: "macos" | "linux"): string =>
    FORMULA_PLATFORMS.filter((p) => p.os === os).map((p) => {
      const { url, sha256 } = asset(p.target);
      return [
        `    on_${p.cpu} do`,
        `      url "${url}"`,
        `      sha256 "${sha256}"`,
        `    end`,
      ].join("\n");
    }).join("\n\n");

  return `# typed: false
# frozen_string_literal: true

# Generated from a release's SHA256SUMS by scripts/update_formula.ts (${REPOSITORY});
# the release workflow regenerates it for every version. Do not edit by hand.
class StoaConnect < Formula
  desc "Connects Kong, Gravitee or webMethods gateways to the STOA Control Plane"
  homepage "https://github.com/${REPOSITORY}"
  version "${version}"

  on_macos do
${block("macos")}
  end

  on_linux do
${block("linux")}
  end

  def install
    bin.install "stoa-connect", "stoactl"
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/stoa-connect --version")
    assert_match version.to_s, shell_output("#{bin}/stoactl --version")
  end
end
`;
}

/**
 * Reads back what a rendered formula was made from: its version and a `SHA256SUMS` equivalent of its
 * URLs and checksums. `renderFormula(readFormula(text))` returns `text` for any generated formula,
 * which is how tests tell a generated formula from a hand-edited one.
 */
export function readFormula(text: string): FormulaOptions {
  const version = /^\s*version "([^"]+)"$/m.exec(text)?.[1];
  if (version === undefined) throw new Error("formula has no version line");
  const lines: string[] = [];
  let baseUrl: string | undefined;
  for (const m of text.matchAll(/url "([^"]+)"\n\s*sha256 "([0-9a-f]{64})"/g)) {
    const url = m[1];
    const cut = url.lastIndexOf(`/v${version}/`);
    if (cut < 0) throw new Error(`formula URL ${url} is not under /v${version}/`);
    baseUrl = url.slice(0, cut);
    lines.push(`${m[2]}  ${url.slice(url.lastIndexOf("/") + 1)}\n`);
  }
  return { version, checksums: lines.join(""), baseUrl };
}

const USAGE = `Usage: update_formula.ts --checksums PATH_OR_URL [--version X.Y.Z] [--output FILE]

Writes the Homebrew formula for stoa-connect from a release's SHA256SUMS.

  --checksums  SHA256SUMS of the release (a file, or an https URL: needs --allow-net)
  --version    release version (default: ${VERSION}, from src/version.ts)
  --base-url   base of download URLs (default: ${DOWNLOAD_BASE_URL})
  --output     where to write the formula (default: ${FORMULA_PATH}; - for stdout)
`;

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      checksums: { type: "string" },
      version: { type: "string", default: VERSION },
      "base-url": { type: "string" },
      output: { type: "string", default: FORMULA_PATH },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.checksums === undefined) {
    console.error(`update_formula: --checksums is required\n\n${USAGE}`);
    return 2;
  }
  let checksums: string;
  if (/^https?:\/\//.test(values.checksums)) {
    const response = await fetch(values.checksums);
    if (!response.ok) {
      throw new Error(
        `GET ${values.checksums} answered ${response.status}; is the release published?`,
      );
    }
    checksums = await response.text();
  } else {
    checksums = await Deno.readTextFile(values.checksums);
  }
  const formula = renderFormula({
    version: values.version.replace(/^v/, ""),
    checksums,
    baseUrl: values["base-url"],
  });
  if (values.output === "-") {
    await Deno.stdout.write(new TextEncoder().encode(formula));
  } else {
    await Deno.writeTextFile(values.output, formula);
    console.error(`wrote ${values.output} for stoa-connect ${values.version}`);
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`update_formula: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
