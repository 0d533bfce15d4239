/**
 * Reading a STOA policy `config`. The Control Plane never validates it and several spellings of
 * the same setting exist (contract §7.3: `maxRequests` or `max_requests`, `origins` or
 * `allowedOrigins`…), so every setting is read under all its names, two names given different
 * values is an error, and a key nobody reads is an error too: a setting silently ignored would
 * be a policy half-applied.
 *
 * @module
 */

/** The outcome of reading one value: the value, or why it is unusable. */
export type Parsed<T> = { readonly value: T } | { readonly problem: string };

/** Turns a raw config value into a typed one. */
export type Parser<T> = (value: unknown) => Parsed<T>;

/** Reads one policy's config, collecting every problem instead of stopping at the first. */
export class PolicyConfigReader {
  readonly #config: Readonly<Record<string, unknown>>;
  readonly #prefix: string;
  readonly #read = new Set<string>();
  readonly #problems: string[] = [];
  readonly #sections: PolicyConfigReader[] = [];

  /** Wraps the config of a policy (or, with `prefix`, one of its sections such as `add.`). */
  constructor(config: Readonly<Record<string, unknown>>, prefix = "") {
    this.#config = config;
    this.#prefix = prefix;
  }

  /**
   * The value of the setting known under `names` (first name = the one shown in messages), or
   * `undefined` when none is given (`null` counts as not given). Two names with different values
   * and values the parser refuses are recorded as problems.
   */
  read<T>(names: readonly string[], parse: Parser<T>): T | undefined {
    const given = names.filter((name) => {
      this.#read.add(name);
      return this.#config[name] !== undefined && this.#config[name] !== null;
    });
    if (given.length === 0) return undefined;
    const [first, ...others] = given;
    const clash = others.find((name) => !sameJson(this.#config[name], this.#config[first]));
    if (clash !== undefined) {
      this.#problems.push(
        `${this.#prefix}${first} and ${this.#prefix}${clash} both set the same thing with different values (${
          JSON.stringify(this.#config[first])
        } and ${JSON.stringify(this.#config[clash])}); keep one`,
      );
      return undefined;
    }
    const parsed = parse(this.#config[first]);
    if ("problem" in parsed) {
      this.#problems.push(`${this.#prefix}${first} ${parsed.problem}`);
      return undefined;
    }
    return parsed.value;
  }

  /**
   * A reader for the object given under `names` (e.g. `request`, then `add`), or `undefined` when
   * none is given. Its problems are reported with the section's path in front.
   */
  section(names: readonly string[]): PolicyConfigReader | undefined {
    const value = this.read(
      names,
      (raw) =>
        raw !== null && typeof raw === "object" && !Array.isArray(raw)
          ? { value: raw as Record<string, unknown> }
          : { problem: `must be an object, got ${JSON.stringify(raw)}` },
    );
    if (value === undefined) return undefined;
    const name = names.find((candidate) => this.#config[candidate] !== undefined) ?? names[0];
    const child = new PolicyConfigReader(value, `${this.#prefix}${name}.`);
    this.#sections.push(child);
    return child;
  }

  /** Records a problem found while combining settings. */
  problem(text: string): void {
    this.#problems.push(text);
  }

  /**
   * Every problem, including one line for the keys no setting reads (naming what is accepted).
   * Empty when the config is usable.
   */
  problems(): string[] {
    const problems = [
      ...this.#problems,
      ...this.#sections.flatMap((section) => section.problems()),
    ];
    const unknown = Object.keys(this.#config).filter((key) => !this.#read.has(key));
    if (unknown.length === 0) return problems;
    return [
      ...problems,
      `unknown ${unknown.length === 1 ? "key" : "keys"} ${
        unknown.map((key) => `'${this.#prefix}${key}'`).join(", ")
      } (accepted${this.#prefix ? ` in ${this.#prefix.slice(0, -1)}` : ""}: ${
        [...this.#read].join(", ")
      })`,
    ];
  }
}

/** A whole number of at least `min`. */
export function integerAtLeast(min: number): Parser<number> {
  return (value) =>
    typeof value === "number" && Number.isInteger(value) && value >= min
      ? { value }
      : { problem: `must be a whole number of at least ${min}, got ${JSON.stringify(value)}` };
}

/** `true` or `false`. */
export function booleanValue(value: unknown): Parsed<boolean> {
  return typeof value === "boolean"
    ? { value }
    : { problem: `must be true or false, got ${JSON.stringify(value)}` };
}

/** A non-empty string. */
export function nonEmptyString(value: unknown): Parsed<string> {
  return typeof value === "string" && value.trim() !== ""
    ? { value: value.trim() }
    : { problem: `must be a non-empty string, got ${JSON.stringify(value)}` };
}

/**
 * A list of non-empty strings, duplicates removed (first kept). A single string is a list of
 * one; a comma-separated string is split, because forms often store lists that way.
 */
export function stringList(value: unknown): Parsed<string[]> {
  const items = typeof value === "string" ? value.split(",") : value;
  if (!Array.isArray(items) || items.some((item) => typeof item !== "string")) {
    return { problem: `must be a list of strings, got ${JSON.stringify(value)}` };
  }
  const trimmed = (items as string[]).map((item) => item.trim()).filter((item) => item !== "");
  return { value: [...new Set(trimmed)] };
}

/** One of the given strings, compared without case; answers the canonical spelling. */
export function oneOf<T extends string>(allowed: readonly T[]): Parser<T> {
  return (value) => {
    const found = typeof value === "string"
      ? allowed.find((candidate) => candidate.toLowerCase() === value.trim().toLowerCase())
      : undefined;
    return found !== undefined
      ? { value: found }
      : { problem: `must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}` };
  };
}

/** A list whose items are each one of `allowed` (case-insensitive), canonical spelling. */
export function listOf<T extends string>(allowed: readonly T[]): Parser<T[]> {
  const item = oneOf(allowed);
  return (value) => {
    const list = stringList(value);
    if ("problem" in list) return list;
    const out: T[] = [];
    for (const entry of list.value) {
      const parsed = item(entry);
      if ("problem" in parsed) {
        return { problem: `has ${JSON.stringify(entry)}: ${parsed.problem}` };
      }
      if (!out.includes(parsed.value)) out.push(parsed.value);
    }
    return { value: out };
  };
}

/** An absolute `http://` or `https://` URL. */
export function httpUrl(value: unknown): Parsed<string> {
  if (typeof value === "string") {
    try {
      const url = new URL(value);
      if (url.protocol === "http:" || url.protocol === "https:") return { value };
    } catch {
      // Falls through to the problem below.
    }
  }
  return { problem: `must be an http:// or https:// URL, got ${JSON.stringify(value)}` };
}

/** Structural equality of JSON values (key order ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
      a.every((item, index) => sameJson(item, b[index]));
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length &&
    keysA.every((key) =>
      Object.hasOwn(b, key) &&
      sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])
    );
}

/** A list of whole numbers between `min` and `max`, duplicates removed. */
export function integerList(min: number, max: number): Parser<number[]> {
  return (value) => {
    const items = Array.isArray(value) ? value : [value];
    const bad = items.find((item) =>
      typeof item !== "number" || !Number.isInteger(item) || item < min || item > max
    );
    if (bad !== undefined || items.length === 0) {
      return {
        problem: `must be a list of whole numbers from ${min} to ${max}, got ${
          JSON.stringify(value)
        }`,
      };
    }
    return { value: [...new Set(items as number[])] };
  };
}
