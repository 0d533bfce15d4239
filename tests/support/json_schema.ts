/**
 * JSON-Schema validation for contract tests: one Ajv setup shared by the OpenAPI/Swagger helper
 * and by plain schema files (Kong plugin `config` schemas, Gravitee policy schemas).
 *
 * @module
 */

import { Ajv, type ErrorObject } from "ajv";
import addFormatsModule from "ajv-formats";

// ajv-formats ships CommonJS typings whose default export is not seen as callable under Deno.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The outcome of one validation. */
export interface ValidationResult {
  /** True when the value matches the schema (or when there was nothing to check). */
  readonly valid: boolean;
  /** One readable line per problem, e.g. `/data/0/port must be integer`. */
  readonly errors: readonly string[];
  /** False when the spec documents no schema for what was asked, so nothing was checked. */
  readonly checked: boolean;
}

/** A JSON value seen as an object, for walking schemas. */
export type JsonObject = Record<string, unknown>;

// OpenAPI and Swagger formats that JSON Schema does not define; they only document the number or
// string encoding, so they are accepted as-is instead of making Ajv warn or fail at compile time.
const DOCUMENTATION_FORMATS = [
  "int32",
  "int64",
  "float",
  "double",
  "byte",
  "binary",
  "password",
  "decimal",
];

/**
 * Creates an Ajv instance configured for specs written by humans: all errors reported, unknown
 * keywords tolerated (`strict: false`), standard formats checked, documentation-only formats and
 * any `extraFormats` accepted.
 */
export function createAjv(options: { readonly extraFormats?: Iterable<string> } = {}): Ajv {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    validateSchema: false,
    logger: false,
  });
  addFormats(ajv);
  for (const format of [...DOCUMENTATION_FORMATS, ...(options.extraFormats ?? [])]) {
    if (!ajv.formats[format]) ajv.addFormat(format, true);
  }
  return ajv;
}

/** Turns Ajv errors into one readable line each. */
export function formatAjvErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  if (!errors) return [];
  return errors.map((error) => {
    const where = error.instancePath === "" ? "(root)" : error.instancePath;
    let detail = error.message ?? error.keyword;
    if (error.keyword === "additionalProperties") {
      detail += ` '${String(error.params.additionalProperty)}'`;
    } else if (error.keyword === "enum") {
      detail += ` ${JSON.stringify(error.params.allowedValues)}`;
    }
    return `${where} ${detail}`;
  });
}

/** Collects every `format` value used in a document, so unknown ones can be registered. */
export function collectFormats(node: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) collectFormats(item, into);
  } else if (node !== null && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "format" && typeof value === "string") into.add(value);
      else collectFormats(value, into);
    }
  }
  return into;
}

/**
 * Returns a copy of `schema` where every property that is not listed in its object's `required`
 * also accepts `null`, recursively.
 *
 * Kong stores and returns unset `config` fields as JSON `null`, while the docs' JSON Schemas
 * describe only the set values; without this a config read back from Kong never validates.
 */
export function allowNullForOptional(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(allowNullForOptional);
  if (schema === null || typeof schema !== "object") return schema;
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = allowNullForOptional(value);
  const properties = copy.properties;
  if (properties !== null && typeof properties === "object" && !Array.isArray(properties)) {
    const required = new Set(Array.isArray(copy.required) ? copy.required : []);
    for (const [name, property] of Object.entries(properties as JsonObject)) {
      if (!required.has(name)) {
        (properties as JsonObject)[name] = withNull(property);
      }
    }
  }
  return copy;
}

/** A schema that accepts what `schema` accepts, plus `null`. */
export function withNull(schema: unknown): unknown {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return schema;
  const node = { ...(schema as JsonObject) };
  if (typeof node.type === "string") node.type = [node.type, "null"];
  else if (Array.isArray(node.type)) {
    if (!node.type.includes("null")) node.type = [...node.type, "null"];
  } else {
    return { anyOf: [node, { type: "null" }] };
  }
  if (Array.isArray(node.enum) && !node.enum.includes(null)) node.enum = [...node.enum, null];
  return node;
}

/** Options for {@linkcode loadJsonSchema}. */
export interface LoadJsonSchemaOptions {
  /** JSON pointer of the sub-schema to validate against, e.g. `/properties/config`. */
  readonly pointer?: string;
  /** Accept `null` for every optional property (see {@linkcode allowNullForOptional}). */
  readonly unsetAsNull?: boolean;
}

/** A compiled JSON Schema. */
export interface JsonSchemaValidator {
  /** Where the schema was read from. */
  readonly path: string;
  /** The schema validated against (after pointer selection and conversions). */
  readonly schema: JsonObject;
  /** Validates one value. */
  validate(value: unknown): ValidationResult;
}

/** Reads a JSON Schema file and compiles it (or the sub-schema at `pointer`). */
export async function loadJsonSchema(
  path: string,
  options: LoadJsonSchemaOptions = {},
): Promise<JsonSchemaValidator> {
  const document = JSON.parse(await Deno.readTextFile(path)) as unknown;
  let schema = options.pointer ? resolvePointer(document, options.pointer, path) : document;
  if (options.unsetAsNull) schema = allowNullForOptional(schema);
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
    throw new Error(`${path}${options.pointer ?? ""} is not a JSON Schema object`);
  }
  const ajv = createAjv({ extraFormats: collectFormats(schema) });
  const validateFn = ajv.compile(schema as JsonObject);
  return {
    path,
    schema: schema as JsonObject,
    validate(value: unknown): ValidationResult {
      const valid = validateFn(value) as boolean;
      return { valid, errors: formatAjvErrors(validateFn.errors), checked: true };
    },
  };
}

/** Follows a JSON pointer (`/a/b~1c`) inside `document`; throws naming `source` when absent. */
export function resolvePointer(document: unknown, pointer: string, source: string): unknown {
  if (pointer === "" || pointer === "/") return document;
  let node = document;
  for (const raw of pointer.replace(/^\//, "").split("/")) {
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    if (node === null || typeof node !== "object" || !(key in node)) {
      throw new Error(`${source} has nothing at JSON pointer ${pointer}`);
    }
    node = (node as JsonObject)[key];
  }
  return node;
}

/** Throws an error listing every problem when `result` is not valid. */
export function assertValid(result: ValidationResult, context: string): void {
  if (!result.valid) {
    throw new Error(`${context} does not match the schema:\n  ${result.errors.join("\n  ")}`);
  }
}
