/**
 * Where the official gateway specs live, and tests that need them.
 *
 * The specs are not part of this repository (they are read in place, never copied). They are found
 * through `STOA_SPECS_DIR`, or at `../shared/specs` next to the repository root. When they are
 * absent, spec-based tests are registered as ignored and say so loudly instead of passing silently.
 *
 * @module
 */

import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";

/** The repository root: the nearest directory above this file that contains `deno.json`. */
export const REPO_ROOT: string = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

/** Default location of the specs, relative to the repository root. */
export const DEFAULT_SPECS_DIR = "../shared/specs";

function findRepoRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, "deno.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no deno.json above ${start}`);
    dir = parent;
  }
  return dir;
}

function specsDirSetting(): string | undefined {
  try {
    return Deno.env.get("STOA_SPECS_DIR") || undefined;
  } catch {
    // Without --allow-env the variable cannot be read; the default location still works.
    return undefined;
  }
}

/** Absolute path of the specs directory (`STOA_SPECS_DIR`, else `../shared/specs`). */
export function specsDir(): string {
  const configured = specsDirSetting();
  if (configured) return isAbsolute(configured) ? configured : resolve(REPO_ROOT, configured);
  return resolve(REPO_ROOT, DEFAULT_SPECS_DIR);
}

/** Absolute path of a file below the specs directory, e.g. `specPath("kong", "fixtures")`. */
export function specPath(...segments: string[]): string {
  return join(specsDir(), ...segments);
}

/** True when the specs directory exists (and, when given, every listed file or folder in it). */
export function specsAvailable(...required: string[]): boolean {
  try {
    return existsSync(specsDir()) && required.every((path) => existsSync(specPath(path)));
  } catch {
    return false;
  }
}

/** Reads and parses a JSON file below the specs directory. */
export async function readSpecJson<T = unknown>(...segments: string[]): Promise<T> {
  return JSON.parse(await Deno.readTextFile(specPath(...segments))) as T;
}

/** A test that needs the specs. */
export interface SpecTestDefinition {
  /** Test name. */
  readonly name: string;
  /** Test body. */
  readonly fn: (t: Deno.TestContext) => void | Promise<void>;
  /** Paths below the specs directory the test reads (all must exist for it to run). */
  readonly requires?: readonly string[];
}

/**
 * Registers a test that reads the specs. When they are missing the test is registered as ignored
 * and a `NOTICE:` line names it, so a green run without specs is never mistaken for coverage.
 */
export function specTest(name: string, fn: SpecTestDefinition["fn"]): void;
/** Same, with the spec files the test needs. */
export function specTest(definition: SpecTestDefinition): void;
export function specTest(
  nameOrDefinition: string | SpecTestDefinition,
  fn?: SpecTestDefinition["fn"],
): void {
  const definition: SpecTestDefinition = typeof nameOrDefinition === "string"
    ? { name: nameOrDefinition, fn: fn! }
    : nameOrDefinition;
  const required = definition.requires ?? [];
  const available = specsAvailable(...required);
  if (!available) {
    const missing = specsAvailable()
      ? required.filter((path) => !specsAvailable(path)).join(", ") + " not found in " +
        specsDir()
      : `${specsDirSetting() ?? DEFAULT_SPECS_DIR} not found`;
    console.warn(`NOTICE: skipping "${definition.name}": ${missing} (set STOA_SPECS_DIR)`);
  }
  Deno.test({ name: definition.name, ignore: !available, fn: definition.fn });
}

/** Path of a Kong plugin `config` JSON Schema, e.g. `rate-limiting` → `3.9/RateLimiting.json`. */
export function kongPluginSchemaPath(plugin: string, version = "3.9"): string {
  const file = plugin.split("-").map((part) => part[0].toUpperCase() + part.slice(1)).join("");
  return specPath("kong", "plugin-schemas", version, `${file}.json`);
}
