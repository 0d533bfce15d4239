/**
 * Reads OpenAPI 3.0 (YAML or JSON) and Swagger 2.0 specs so that contract tests can ask: does this
 * operation exist, and does this body match what the spec documents?
 *
 * Loading resolves `$ref`s across files (every referenced file is read and each reference is made
 * absolute), converts the OpenAPI dialect to plain JSON Schema for Ajv (`nullable`/`x-nullable`
 * become type unions, boolean `exclusiveMinimum`, `discriminator` + `oneOf` become `if`/`then`
 * chains) and lets tests apply named corrections for known spec defects.
 *
 * @example
 * ```ts
 * const spec = await loadOpenApi(specPath("kong/admin-api/admin-ee-3.10.openapi.yaml"));
 * spec.hasOperation("GET", "/services/abc/routes"); // true
 * assertValid(spec.validateResponse("GET", "/services", 200, body), "GET /services");
 * ```
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import type { Ajv, ValidateFunction } from "ajv";
import {
  collectFormats,
  createAjv,
  formatAjvErrors,
  type JsonObject,
  resolvePointer,
  type ValidationResult,
  withNull,
} from "./json_schema.ts";

export type { ValidationResult } from "./json_schema.ts";
export { assertValid } from "./json_schema.ts";

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
// Values that are data, not schema: never rewritten or converted.
const DATA_KEYS = new Set(["example", "examples", "x-examples", "default", "enum", "const"]);
// Objects whose keys are names (of properties, statuses, media types…), not keywords: a property
// called "default" or a `default` response must still be converted.
const MAP_KEYS = new Set([
  "properties",
  "patternProperties",
  "definitions",
  "schemas",
  "responses",
  "parameters",
  "requestBodies",
  "content",
  "headers",
  "paths",
  "securitySchemes",
  "securityDefinitions",
  "mapping",
]);

/** A correction applied to a spec before use, for a documented defect. */
export interface SpecPatch {
  /** JSON pointer inside the root document, e.g. `/components/schemas/PaginationNextResponse`. */
  readonly pointer: string;
  /** The value to put at `pointer` (replaces what is there). */
  readonly value: unknown;
  /** Why the spec is wrong, with evidence; kept so failures can say which patch was involved. */
  readonly reason: string;
}

/** Options for {@linkcode loadOpenApi}. */
export interface LoadOpenApiOptions {
  /** Corrections for known spec defects, applied to the root document before conversion. */
  readonly patches?: readonly SpecPatch[];
}

/** An operation found for a concrete method and path. */
export interface OperationMatch {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The templated path as written in the spec, e.g. `/services/{service_id_or_name}`. */
  readonly template: string;
  /** Values of the path parameters, decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** `operationId` when the spec has one. */
  readonly operationId?: string;
  /** The operation object (references inside are absolute). */
  readonly operation: JsonObject;
}

/** One method + templated path the spec documents. */
export interface OperationRef {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Templated path. */
  readonly template: string;
}

interface CompiledTemplate {
  readonly template: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  /** Per segment: 2 literal, 1 mixed, 0 parameter; literal segments win, left to right. */
  readonly rank: readonly number[];
  readonly item: JsonObject;
}

/** A loaded OpenAPI 3.0 or Swagger 2.0 spec. */
export class OpenApiSpec {
  /** Absolute path of the root file. */
  readonly path: string;
  /** `"3"` for OpenAPI 3.x, `"2"` for Swagger 2.0. */
  readonly dialect: "2" | "3";
  /** `info.title`. */
  readonly title: string;
  /** `info.version`. */
  readonly version: string;

  readonly #root: JsonObject;
  readonly #documents: ReadonlyMap<string, JsonObject>;
  readonly #ajv: Ajv;
  readonly #templates: readonly CompiledTemplate[];
  readonly #basePaths: readonly string[];
  readonly #compiled = new WeakMap<object, ValidateFunction>();
  readonly #refNodes = new Map<string, JsonObject>();

  /** Use {@linkcode loadOpenApi}. */
  constructor(options: {
    path: string;
    root: JsonObject;
    documents: ReadonlyMap<string, JsonObject>;
    ajv: Ajv;
  }) {
    this.path = options.path;
    this.#root = options.root;
    this.#documents = options.documents;
    this.#ajv = options.ajv;
    this.dialect = typeof options.root.swagger === "string" ? "2" : "3";
    const info = (options.root.info ?? {}) as JsonObject;
    this.title = String(info.title ?? "");
    this.version = String(info.version ?? "");
    this.#templates = compileTemplates((options.root.paths ?? {}) as JsonObject);
    this.#basePaths = basePathsOf(options.root);
  }

  /** Every documented method + templated path. */
  operations(): OperationRef[] {
    const out: OperationRef[] = [];
    for (const template of this.#templates) {
      for (const method of HTTP_METHODS) {
        if (template.item[method]) {
          out.push({ method: method.toUpperCase(), template: template.template });
        }
      }
    }
    return out;
  }

  /**
   * Finds the operation serving `method` on a concrete `path` (query string ignored). Among the
   * templates that match and document the method, literal segments win over parameters, left to
   * right, so `/services/{id}` beats `/{workspace}/services` for `/services/abc`. A base path
   * (Swagger `basePath`, OpenAPI server URL path) may be present or absent in `path`.
   */
  operation(method: string, path: string): OperationMatch | undefined {
    const lower = method.toLowerCase();
    const concrete = normalisePath(path);
    const candidates = [concrete];
    for (const base of this.#basePaths) {
      if (concrete === base) candidates.push("/");
      else if (concrete.startsWith(`${base}/`)) candidates.push(concrete.slice(base.length));
    }
    for (const candidate of candidates) {
      let best: { template: CompiledTemplate; match: RegExpExecArray } | undefined;
      for (const template of this.#templates) {
        if (!template.item[lower]) continue;
        const match = template.pattern.exec(candidate);
        if (!match) continue;
        if (!best || compareRank(template.rank, best.template.rank) > 0) best = { template, match };
      }
      if (best) {
        const params: Record<string, string> = {};
        best.template.names.forEach((name, index) => {
          params[name] = safeDecode(best.match[index + 1]);
        });
        const operation = this.#deref(best.template.item[lower]) as JsonObject;
        return {
          method: method.toUpperCase(),
          template: best.template.template,
          params,
          operationId: typeof operation.operationId === "string"
            ? operation.operationId
            : undefined,
          operation,
        };
      }
    }
    return undefined;
  }

  /** True when the spec documents `method` on the concrete `path`. */
  hasOperation(method: string, path: string): boolean {
    return this.operation(method, path) !== undefined;
  }

  /** The response statuses documented for the operation (e.g. `["200", "401"]`), or `[]`. */
  documentedStatuses(method: string, path: string): string[] {
    const found = this.operation(method, path);
    return found ? Object.keys((found.operation.responses ?? {}) as JsonObject) : [];
  }

  /**
   * Validates a response body. Fails when the operation or the status is not documented; passes
   * with `checked: false` when the status is documented without a schema (then the body must be
   * empty for 204).
   */
  validateResponse(method: string, path: string, status: number, body: unknown): ValidationResult {
    const found = this.operation(method, path);
    if (!found) return notDocumented(`${method.toUpperCase()} ${path}`);
    const responses = (found.operation.responses ?? {}) as JsonObject;
    const key = [String(status), `${String(status)[0]}XX`, `${String(status)[0]}xx`, "default"]
      .find((candidate) => candidate in responses);
    if (!key) {
      return {
        valid: false,
        checked: true,
        errors: [
          `status ${status} is not documented for ${found.method} ${found.template} (documented: ${
            Object.keys(responses).join(", ")
          })`,
        ],
      };
    }
    const response = this.#deref(responses[key]) as JsonObject;
    const schema = this.dialect === "2" ? response.schema : jsonSchemaOf(response.content);
    if (schema === undefined) {
      if (status === 204 && body !== undefined && body !== "") {
        return { valid: false, checked: true, errors: ["204 response must have no body"] };
      }
      return { valid: true, checked: false, errors: [] };
    }
    return this.validateAgainst(schema, body);
  }

  /** Validates a JSON request body against the operation's documented body schema. */
  validateRequest(method: string, path: string, body: unknown): ValidationResult {
    const found = this.operation(method, path);
    if (!found) return notDocumented(`${method.toUpperCase()} ${path}`);
    let schema: unknown;
    if (this.dialect === "2") {
      const pathItem = this.#templates.find((t) => t.template === found.template)?.item ?? {};
      const parameters = [
        ...((pathItem.parameters ?? []) as unknown[]),
        ...((found.operation.parameters ?? []) as unknown[]),
      ].map((parameter) => this.#deref(parameter) as JsonObject);
      schema = parameters.find((parameter) => parameter.in === "body")?.schema;
    } else if (found.operation.requestBody) {
      const requestBody = this.#deref(found.operation.requestBody) as JsonObject;
      schema = jsonSchemaOf(requestBody.content);
    }
    if (schema === undefined) return { valid: true, checked: false, errors: [] };
    return this.validateAgainst(schema, body);
  }

  /**
   * Validates `value` against a schema given as an object taken from this spec, or as a
   * reference into the root document such as `#/components/schemas/Service`.
   */
  validateAgainst(schema: unknown, value: unknown): ValidationResult {
    let node = schema;
    if (typeof schema === "string") {
      // One wrapper object per reference, so Ajv compiles each reference once.
      node = this.#refNodes.get(schema);
      if (!node) this.#refNodes.set(schema, node = { $ref: this.#absoluteRef(schema) });
    }
    if (node === null || typeof node !== "object") {
      return { valid: false, checked: false, errors: [`not a schema: ${JSON.stringify(schema)}`] };
    }
    let validateFn = this.#compiled.get(node);
    if (!validateFn) {
      validateFn = this.#ajv.compile(node as JsonObject);
      this.#compiled.set(node, validateFn);
    }
    const valid = validateFn(value) as boolean;
    return { valid, checked: true, errors: formatAjvErrors(validateFn.errors) };
  }

  /** The value at a JSON pointer of the root document (after conversion), for inspection. */
  at(pointer: string): unknown {
    return resolvePointer(this.#root, pointer, this.path);
  }

  #absoluteRef(ref: string): string {
    return ref.startsWith("#") ? `${pathToFileURL(this.path).href}${ref}` : ref;
  }

  /** Follows `$ref` chains of non-schema objects (responses, parameters, request bodies). */
  #deref(node: unknown): unknown {
    let current = node;
    for (let hops = 0; hops < 32; hops++) {
      if (current === null || typeof current !== "object" || !("$ref" in current)) return current;
      const ref = String((current as JsonObject).$ref);
      const [file, fragment = ""] = ref.split("#", 2);
      const document = this.#documents.get(file);
      if (!document) throw new Error(`${this.path}: unresolved reference ${ref}`);
      current = resolvePointer(document, fragment, file);
    }
    throw new Error(`${this.path}: reference cycle while resolving ${JSON.stringify(node)}`);
  }
}

/**
 * Loads an OpenAPI 3 or Swagger 2 spec from a `.yaml`, `.yml` or `.json` file, with every file it
 * references.
 */
export async function loadOpenApi(
  path: string,
  options: LoadOpenApiOptions = {},
): Promise<OpenApiSpec> {
  const rootPath = resolve(path);
  const documents = new Map<string, JsonObject>();
  const pending = [rootPath];
  while (pending.length > 0) {
    const file = pending.pop()!;
    const uri = pathToFileURL(file).href;
    if (documents.has(uri)) continue;
    const text = await Deno.readTextFile(file);
    const parsed = (file.endsWith(".json") ? JSON.parse(text) : parseYaml(text)) as unknown;
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new Error(`${file} is not an OpenAPI/Swagger document`);
    }
    const document = parsed as JsonObject;
    if (file === rootPath) {
      for (const patch of options.patches ?? []) applyPatch(document, patch, file);
    }
    const referenced = new Set<string>();
    const converted = convertNode(document, { file, uri, referenced }) as JsonObject;
    documents.set(uri, converted);
    for (const other of referenced) pending.push(other);
  }
  const formats = new Set<string>();
  for (const document of documents.values()) collectFormats(document, formats);
  const ajv = createAjv({ extraFormats: formats });
  for (const [uri, document] of documents) ajv.addSchema(document, uri);
  const root = documents.get(pathToFileURL(rootPath).href)!;
  return new OpenApiSpec({ path: rootPath, root, documents, ajv });
}

function applyPatch(document: JsonObject, patch: SpecPatch, file: string): void {
  const keys = patch.pointer.replace(/^\//, "").split("/").map((key) =>
    key.replaceAll("~1", "/").replaceAll("~0", "~")
  );
  const last = keys.pop();
  if (last === undefined || last === "") throw new Error(`bad patch pointer ${patch.pointer}`);
  let node: unknown = document;
  for (const key of keys) {
    if (node === null || typeof node !== "object" || !(key in node)) {
      throw new Error(`${file}: patch "${patch.reason}" targets missing ${patch.pointer}`);
    }
    node = (node as JsonObject)[key];
  }
  (node as JsonObject)[last] = structuredClone(patch.value);
}

interface ConvertContext {
  readonly file: string;
  readonly uri: string;
  readonly referenced: Set<string>;
}

/** Makes references absolute and turns OpenAPI schema dialect into JSON Schema, recursively. */
function convertNode(node: unknown, context: ConvertContext, isMap = false): unknown {
  if (Array.isArray(node)) return node.map((item) => convertNode(item, context));
  if (node === null || typeof node !== "object") return node;
  if (isMap) {
    const entries: JsonObject = {};
    for (const [key, value] of Object.entries(node)) entries[key] = convertNode(value, context);
    return entries;
  }
  let out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$ref" && typeof value === "string") out[key] = absoluteRef(value, context);
    else if (DATA_KEYS.has(key)) out[key] = value;
    else out[key] = convertNode(value, context, MAP_KEYS.has(key));
  }
  if (out.type === "file") delete out.type;
  for (
    const [exclusive, bound] of [["exclusiveMinimum", "minimum"], ["exclusiveMaximum", "maximum"]]
  ) {
    if (out[exclusive] === true && typeof out[bound] === "number") {
      out[exclusive] = out[bound];
      delete out[bound];
    } else if (typeof out[exclusive] === "boolean") {
      delete out[exclusive];
    }
  }
  if (out.discriminator !== undefined && typeof out.discriminator === "object") {
    out = convertDiscriminator(out, context);
  }
  if (out.nullable === true || out["x-nullable"] === true) {
    delete out.nullable;
    delete out["x-nullable"];
    out = withNull(out) as JsonObject;
  } else if (typeof out.nullable === "boolean" || typeof out["x-nullable"] === "boolean") {
    delete out.nullable;
    delete out["x-nullable"];
  }
  return out;
}

function absoluteRef(ref: string, context: ConvertContext): string {
  const hash = ref.indexOf("#");
  const filePart = hash === -1 ? ref : ref.slice(0, hash);
  const fragment = hash === -1 ? "" : ref.slice(hash);
  if (filePart === "") return `${context.uri}${fragment}`;
  if (/^[a-z][a-z0-9+.-]*:/i.test(filePart)) return ref;
  const target = resolve(dirname(context.file), decodeURIComponent(filePart));
  context.referenced.add(target);
  return `${pathToFileURL(target).href}${fragment}`;
}

/**
 * OpenAPI `discriminator` (with or without `mapping`) over a `oneOf`/`anyOf` of references
 * becomes: the property is required and one of the known values, and each value selects its
 * branch through `if`/`then`. Ajv's own `discriminator` support rejects `mapping`.
 */
function convertDiscriminator(node: JsonObject, context: ConvertContext): JsonObject {
  const discriminator = node.discriminator as JsonObject;
  const { discriminator: _ignored, ...rest } = node;
  const property = discriminator.propertyName;
  const branchesKey = Array.isArray(rest.oneOf)
    ? "oneOf"
    : Array.isArray(rest.anyOf)
    ? "anyOf"
    : undefined;
  if (typeof property !== "string" || !branchesKey) return rest;
  const branches = rest[branchesKey] as unknown[];
  const refs = branches.map((branch) =>
    branch !== null && typeof branch === "object" && typeof (branch as JsonObject).$ref === "string"
      ? String((branch as JsonObject).$ref)
      : undefined
  );
  if (refs.some((ref) => ref === undefined)) return rest;
  const mapping = (discriminator.mapping ?? {}) as Record<string, string>;
  const valuesByRef = new Map<string, string[]>();
  for (const [value, target] of Object.entries(mapping)) {
    const ref = target.includes("#") || target.includes("/")
      ? absoluteRef(target, context)
      : absoluteRef(`#/components/schemas/${target}`, context);
    valuesByRef.set(ref, [...(valuesByRef.get(ref) ?? []), value]);
  }
  const allValues: string[] = [];
  const chains = refs.map((ref) => {
    const values = valuesByRef.get(ref!) ?? [ref!.slice(ref!.lastIndexOf("/") + 1)];
    allValues.push(...values);
    return {
      if: { properties: { [property]: { enum: values } }, required: [property] },
      then: { $ref: ref },
    };
  });
  const { [branchesKey]: _branches, ...withoutBranches } = rest;
  const allOf = Array.isArray(withoutBranches.allOf) ? withoutBranches.allOf : [];
  return {
    ...withoutBranches,
    allOf: [
      ...allOf,
      { properties: { [property]: { enum: allValues } }, required: [property] },
      ...chains,
    ],
  };
}

function compileTemplates(paths: JsonObject): CompiledTemplate[] {
  return Object.entries(paths).map(([template, item]) => {
    const names: string[] = [];
    const rank: number[] = [];
    const segments = normalisePath(template).split("/").slice(1).map((segment) => {
      const parts = segment.split(/(\{[^}]+\})/).filter((part) => part !== "");
      const params = parts.filter((part) => /^\{[^}]+\}$/.test(part));
      rank.push(params.length === 0 ? 2 : params.length === parts.length ? 0 : 1);
      return parts.map((part) => {
        if (/^\{[^}]+\}$/.test(part)) {
          names.push(part.slice(1, -1));
          return "([^/]+)";
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      }).join("");
    });
    const pattern = new RegExp(`^/${segments.join("/")}$`);
    return { template, pattern, names, rank, item: item as JsonObject };
  });
}

function compareRank(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return 0;
}

function basePathsOf(root: JsonObject): string[] {
  const bases: string[] = [];
  if (typeof root.basePath === "string") bases.push(normalisePath(root.basePath));
  for (const server of (Array.isArray(root.servers) ? root.servers : []) as JsonObject[]) {
    if (typeof server?.url !== "string") continue;
    try {
      bases.push(normalisePath(new URL(server.url, "http://placeholder").pathname));
    } catch {
      // Templated server URLs ("{scheme}://…") carry no usable base path.
    }
  }
  return bases.filter((base) => base !== "/");
}

function normalisePath(path: string): string {
  const withoutQuery = path.split("?")[0].split("#")[0];
  const withSlash = withoutQuery.startsWith("/") ? withoutQuery : `/${withoutQuery}`;
  return withSlash.length > 1 ? withSlash.replace(/\/+$/, "") : withSlash;
}

function jsonSchemaOf(content: unknown): unknown {
  if (content === null || typeof content !== "object") return undefined;
  const media = content as JsonObject;
  const key = "application/json" in media
    ? "application/json"
    : Object.keys(media).find((type) => /json/i.test(type)) ?? ("*/*" in media ? "*/*" : undefined);
  return key ? (media[key] as JsonObject | undefined)?.schema : undefined;
}

function notDocumented(what: string): ValidationResult {
  return { valid: false, checked: true, errors: [`${what} is not documented in the spec`] };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
