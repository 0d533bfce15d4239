/**
 * The CP is a Python service, and a few of its outputs are Python renderings rather than JSON
 * conventions: SSE `data:` lines are `json.dumps` with its default separators and ASCII escaping,
 * and datetimes come in three spellings depending on who formats them (contract §1.4, §9).
 *
 * @module
 */

/** Any JSON object, as the CP stores it in JSON columns. */
export type JsonObject = Record<string, unknown>;

/**
 * Serialises `value` exactly like Python's `json.dumps(value)` with default arguments: `", "` and
 * `": "` separators, non-ASCII escaped as lowercase `\uXXXX`, keys in insertion order.
 *
 * JavaScript has one number type, so a float that happens to be integral (`1.0` in Python) prints
 * as `1`; the CP only sends integers in the payloads this double emits.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return pythonNumber(value);
    case "bigint":
      return value.toString();
    case "string":
      return pythonString(value);
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  if (typeof value === "object") {
    const members: string[] = [];
    for (const [key, member] of Object.entries(value)) {
      if (member === undefined) continue;
      members.push(`${pythonString(key)}: ${pythonJsonDumps(member)}`);
    }
    return `{${members.join(", ")}}`;
  }
  throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
}

/**
 * Serialises like `json.dumps(value, sort_keys=True)`, the canonical form the CP hashes to
 * compute `spec_hash` (contract §8.1).
 */
export function pythonJsonDumpsSorted(value: unknown): string {
  return pythonJsonDumps(sortKeysDeep(value));
}

/** `2026-07-31T06:52:18.123000Z`: how pydantic serialises datetimes in response models. */
export function pydanticDatetime(date: Date): string {
  const { seconds, micros } = splitIso(date);
  return `${seconds}.${micros}Z`;
}

/** `2026-07-31T06:52:18.123000+00:00`: Python's `datetime.isoformat()`, used inside `health_details`. */
export function pythonIsoformat(date: Date): string {
  const { seconds, micros } = splitIso(date);
  return `${seconds}.${micros}+00:00`;
}

/** `2026-07-31 06:52:18.123000+00:00`: Python's `str(datetime)`, used in SSE ping comments. */
export function pythonStr(date: Date): string {
  return pythonIsoformat(date).replace("T", " ");
}

function splitIso(date: Date): { seconds: string; micros: string } {
  const iso = date.toISOString();
  // Python always has microseconds; a JS clock only has milliseconds, so the last three digits
  // are zeros. The fraction is always printed because a real CP clock almost never lands on 0 µs.
  return { seconds: iso.slice(0, 19), micros: `${iso.slice(20, 23)}000` };
}

function pythonNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  if (Number.isInteger(value)) return BigInt(value).toString();
  // Python writes at least two exponent digits (1e-07), JavaScript one (1e-7).
  return String(value).replace(/e([+-])(\d)$/, "e$10$2");
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

function pythonString(text: string): string {
  let out = '"';
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    const code = text.charCodeAt(index);
    const short = SHORT_ESCAPES[char];
    if (short !== undefined) out += short;
    // Python escapes everything outside printable ASCII (space to tilde). Working on UTF-16 code
    // units yields surrogate pairs for astral characters, which is what Python prints too.
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += char;
  }
  return `${out}"`;
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === "object") {
    const sorted: JsonObject = {};
    for (const key of Object.keys(value).sort()) {
      sorted[key] = sortKeysDeep((value as JsonObject)[key]);
    }
    return sorted;
  }
  return value;
}
