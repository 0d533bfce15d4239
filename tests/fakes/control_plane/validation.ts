/**
 * A small re-creation of pydantic v2 "lax mode" validation as FastAPI applies it (contract §1.2):
 * same coercions (`"5"` and `5.0` are ints, `5.5` is not), same rejection of explicit `null` for
 * non-nullable fields, unknown keys ignored, and error items shaped like FastAPI's 422 `detail`
 * list (`type`, `loc`, `msg`, `input`, optional `ctx`).
 *
 * A validator returns a result and appends issues; it never throws, so one request collects all
 * of its errors like FastAPI does.
 *
 * @module
 */

/** Where an error sits: `["body", "apis", 0, "name"]`, `["header", "X-Gateway-Key"]`, ... */
export type Loc = readonly (string | number)[];

/** One entry of FastAPI's 422 `detail` list. */
export interface ValidationIssue {
  /** pydantic error type, e.g. `missing`, `int_parsing`, `uuid_parsing`. */
  readonly type: string;
  /** Location of the offending value. */
  readonly loc: (string | number)[];
  /** pydantic's human-readable message. */
  readonly msg: string;
  /** The offending input (`null` for a missing header or body). */
  readonly input: unknown;
  /** Extra context for parameterised messages. */
  readonly ctx?: Record<string, unknown>;
}

/** Outcome of one validator call. */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

/** Validates one value at `loc`, appending problems to `issues`. */
export type Validator<T> = (input: unknown, loc: Loc, issues: ValidationIssue[]) => Checked<T>;

/** A model field: its validator and what happens when the key is absent. */
export interface FieldSpec<T> {
  /** Validator applied when the key is present (even with `null`). */
  readonly validator: Validator<T>;
  /** Produces the value of an absent key; absent when the key is required. */
  readonly fallback?: () => T;
}

/** The value type a field spec produces. */
export type FieldValue<F> = F extends FieldSpec<infer T> ? T : never;

/** The object type a model of these fields produces. */
export type ModelValue<F extends Record<string, FieldSpec<unknown>>> = {
  [K in keyof F]: FieldValue<F[K]>;
};

const FAILED: Checked<never> = { ok: false };

function ok<T>(value: T): Checked<T> {
  return { ok: true, value };
}

/** Appends one issue and returns the failed result, for validators written outside this module. */
export function reject(
  issues: ValidationIssue[],
  issue: { type: string; loc: Loc; msg: string; input: unknown; ctx?: Record<string, unknown> },
): Checked<never> {
  const { ctx, ...rest } = issue;
  issues.push({ ...rest, loc: [...issue.loc], ...(ctx ? { ctx } : {}) });
  return FAILED;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** `str`: strings only; numbers, booleans and null are rejected. */
export function str(input: unknown, loc: Loc, issues: ValidationIssue[]): Checked<string> {
  return typeof input === "string"
    ? ok(input)
    : reject(issues, { type: "string_type", loc, msg: "Input should be a valid string", input });
}

/** `int` in lax mode: integers, integral floats, booleans and integer strings (`"5"`, `"5.0"`). */
export function int(input: unknown, loc: Loc, issues: ValidationIssue[]): Checked<number> {
  if (typeof input === "boolean") return ok(input ? 1 : 0);
  if (typeof input === "number") {
    if (Number.isInteger(input)) return ok(input);
    return reject(issues, {
      type: "int_from_float",
      loc,
      msg: "Input should be a valid integer, got a number with a fractional part",
      input,
    });
  }
  if (typeof input === "string") {
    const match = /^\s*([+-]?\d+)(?:\.0*)?\s*$/.exec(input);
    if (match) return ok(Number(match[1]));
    return reject(issues, {
      type: "int_parsing",
      loc,
      msg: "Input should be a valid integer, unable to parse string as an integer",
      input,
    });
  }
  return reject(issues, { type: "int_type", loc, msg: "Input should be a valid integer", input });
}

/** `float` in lax mode: numbers, booleans and numeric strings. */
export function float(input: unknown, loc: Loc, issues: ValidationIssue[]): Checked<number> {
  if (typeof input === "number") return ok(input);
  if (typeof input === "boolean") return ok(input ? 1 : 0);
  if (typeof input === "string") {
    const trimmed = input.trim();
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return ok(Number(trimmed));
    return reject(issues, {
      type: "float_parsing",
      loc,
      msg: "Input should be a valid number, unable to parse string as a number",
      input,
    });
  }
  return reject(issues, { type: "float_type", loc, msg: "Input should be a valid number", input });
}

const TRUE_WORDS = new Set(["1", "on", "t", "true", "y", "yes"]);
const FALSE_WORDS = new Set(["0", "off", "f", "false", "n", "no"]);

/** `bool` in lax mode: booleans, 0/1 and the usual yes/no words. */
export function bool(input: unknown, loc: Loc, issues: ValidationIssue[]): Checked<boolean> {
  if (typeof input === "boolean") return ok(input);
  if (input === 0 || input === 1) return ok(input === 1);
  if (typeof input === "string") {
    const word = input.toLowerCase();
    if (TRUE_WORDS.has(word)) return ok(true);
    if (FALSE_WORDS.has(word)) return ok(false);
  }
  if (typeof input === "string" || typeof input === "number") {
    return reject(issues, {
      type: "bool_parsing",
      loc,
      msg: "Input should be a valid boolean, unable to interpret input",
      input,
    });
  }
  return reject(issues, { type: "bool_type", loc, msg: "Input should be a valid boolean", input });
}

/** `T | None`: accepts `null`, otherwise defers to `inner` (errors are the inner ones). */
export function nullable<T>(inner: Validator<T>): Validator<T | null> {
  return (input, loc, issues) => (input === null ? ok(null) : inner(input, loc, issues));
}

/** `list[T]`: arrays only; items are validated at `[...loc, index]`. */
export function list<T>(item: Validator<T>): Validator<T[]> {
  return (input, loc, issues) => {
    if (!Array.isArray(input)) {
      return reject(issues, { type: "list_type", loc, msg: "Input should be a valid list", input });
    }
    const values: T[] = [];
    let valid = true;
    input.forEach((element, index) => {
      const checked = item(element, [...loc, index], issues);
      if (checked.ok) values.push(checked.value);
      else valid = false;
    });
    return valid ? ok(values) : FAILED;
  };
}

/** `dict` or `dict[str, T]`: JSON objects only; values are validated when `value` is given. */
export function dict<T = unknown>(value?: Validator<T>): Validator<Record<string, T>> {
  return (input, loc, issues) => {
    if (!isPlainObject(input)) {
      return reject(issues, {
        type: "dict_type",
        loc,
        msg: "Input should be a valid dictionary",
        input,
      });
    }
    if (!value) return ok({ ...input } as Record<string, T>);
    const values: Record<string, T> = {};
    let valid = true;
    for (const [key, member] of Object.entries(input)) {
      const checked = value(member, [...loc, key], issues);
      if (checked.ok) values[key] = checked.value;
      else valid = false;
    }
    return valid ? ok(values) : FAILED;
  };
}

/** A field without default: absence is a `missing` error. */
export function required<T>(validator: Validator<T>): FieldSpec<T> {
  return { validator };
}

/** A field with a default; an explicit `null` is still validated (and rejected unless nullable). */
export function withDefault<T>(validator: Validator<T>, fallback: () => T): FieldSpec<T> {
  return { validator, fallback };
}

/**
 * A field whose absence must stay distinguishable from an explicit value, because the CP treats
 * "key sent" and "key absent" differently (register URL fields, contract §3.1).
 */
export function optional<T>(validator: Validator<T>): FieldSpec<T | undefined> {
  return { validator, fallback: () => undefined };
}

/**
 * A pydantic model as FastAPI validates it (`from_attributes`): a non-object input fails with
 * `model_attributes_type`; missing required keys report the whole object as `input`.
 */
export function model<F extends Record<string, FieldSpec<unknown>>>(
  fields: F,
): Validator<ModelValue<F>> {
  return (input, loc, issues) => {
    if (!isPlainObject(input)) {
      return reject(issues, {
        type: "model_attributes_type",
        loc,
        msg: "Input should be a valid dictionary or object to extract fields from",
        input,
      });
    }
    const values: Record<string, unknown> = {};
    let valid = true;
    for (const [name, spec] of Object.entries(fields)) {
      if (!Object.hasOwn(input, name)) {
        if (spec.fallback) {
          values[name] = spec.fallback();
          continue;
        }
        reject(issues, { type: "missing", loc: [...loc, name], msg: "Field required", input });
        valid = false;
        continue;
      }
      const checked = spec.validator(input[name], [...loc, name], issues);
      if (checked.ok) values[name] = checked.value;
      else valid = false;
    }
    return valid ? ok(values as ModelValue<F>) : FAILED;
  };
}

const UUID_GROUP_LENGTHS = [8, 4, 4, 4, 12];

/**
 * `uuid.UUID` as pydantic parses it from a string: hyphenated, simple (32 hex digits), braced or
 * `urn:uuid:`-prefixed, any case. Produces the canonical lowercase hyphenated form, which is what
 * `str(gateway_id)` echoes back. Error texts follow the Rust `uuid` crate pydantic uses.
 */
export function uuid(input: unknown, loc: Loc, issues: ValidationIssue[]): Checked<string> {
  if (typeof input !== "string") {
    return reject(issues, {
      type: "uuid_type",
      loc,
      msg: "UUID input should be a string, bytes or UUID object",
      input,
    });
  }
  const error = uuidSyntaxError(input);
  if (error === null) return ok(canonicalUuid(input));
  return reject(issues, {
    type: "uuid_parsing",
    loc,
    msg: `Input should be a valid UUID, ${error}`,
    input,
    ctx: { error },
  });
}

function uuidSyntaxError(text: string): string | null {
  let body = text;
  let offset = 0;
  if (body.toLowerCase().startsWith("urn:uuid:")) {
    body = body.slice(9);
    offset = 9;
  } else if (body.length === 38 && body.startsWith("{") && body.endsWith("}")) {
    body = body.slice(1, -1);
    offset = 1;
  }
  for (let index = 0; index < body.length; index++) {
    if (!/[0-9a-fA-F-]/.test(body[index])) {
      return "invalid character: expected an optional prefix of `urn:uuid:` followed by " +
        `[0-9a-fA-F-], found \`${body[index]}\` at ${offset + index + 1}`;
    }
  }
  if (!body.includes("-")) {
    return body.length === 32
      ? null
      : `invalid length: expected length 32 for simple format, found ${body.length}`;
  }
  const groups = body.split("-");
  if (groups.length !== 5) return `invalid group count: expected 5, found ${groups.length}`;
  for (let group = 0; group < 5; group++) {
    if (groups[group].length !== UUID_GROUP_LENGTHS[group]) {
      return `invalid group length in group ${group}: expected ${
        UUID_GROUP_LENGTHS[group]
      }, found ${groups[group].length}`;
    }
  }
  return null;
}

function canonicalUuid(text: string): string {
  const hex = text.toLowerCase().replace(/^urn:uuid:/, "").replace(/[{}-]/g, "");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

/**
 * Python's `uuid.UUID(text)` (not pydantic): strips `urn:`, `uuid:`, braces and every hyphen,
 * then wants 32 hex digits. The CP uses it on `deployment_id` in route-sync-ack, where a bad value
 * is counted as not found instead of failing validation. Returns the canonical form or `null`.
 */
export function parsePythonUuid(text: string): string | null {
  const hex = text.replaceAll("urn:", "").replaceAll("uuid:", "").replace(/^[{}]+|[{}]+$/g, "")
    .replaceAll("-", "");
  return /^[0-9a-fA-F]{32}$/.test(hex) ? canonicalUuid(hex) : null;
}
