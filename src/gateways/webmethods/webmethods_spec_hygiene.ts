/**
 * Turning a deployment's OpenAPI document into one webMethods API Gateway imports, and building a
 * definition when a deployment has none.
 *
 * The rules keep what the Go agent learnt against real gateways (reference-agent.md §6.4.6 and the
 * GO-1 audit), decided on the parsed document, never by searching text:
 * 1. OpenAPI 3.1 is down-converted to 3.0.3 (webMethods imports 3.0): the version, and the 3.1-only
 *    constructs that 3.0 cannot read (type arrays, `const`, schema `examples`, numeric exclusive
 *    bounds, `webhooks`, `jsonSchemaDialect`, `info.summary`, `license.identifier`). Swagger 2.0 and
 *    OpenAPI 3.0 keep their version.
 * 2. `externalDocs`: the root object becomes a one-element array, a nested one-element array becomes
 *    its object (webMethods' own API model has them that way round).
 * 3. Security schemes: `type`, `in` and `scheme` upper-cased (`http`/`bearer` → `HTTP`/`BEARER`).
 * 4. Response schemas are removed (`schema` in Swagger 2, `content.*.schema` in OpenAPI 3): the
 *    gateway rejects some of them (`RefProperty` errors) and never validates responses.
 * 5. The backend: webMethods takes the native endpoint from the document (`servers`, or `schemes` +
 *    `host` + `basePath`), so the deployment's backend URL is written there.
 * The input is never modified; a document that is not OpenAPI 3.x or Swagger 2.0 is refused with a
 * reason. `null` means "no spec" (P-28): the caller builds a definition instead.
 *
 * @module
 */

/** The `type` webMethods expects with an imported definition. */
export type DefinitionType = "openapi" | "swagger";

/** A rule of the module documentation that changed the document. */
export type HygieneStep =
  | "downgrade-3.1"
  | "external-docs"
  | "security-schemes"
  | "response-schemas"
  | "backend";

/** A definition ready to send. */
export interface PreparedDefinition {
  /** `openapi` (3.x) or `swagger` (2.0), decided on the parsed document. */
  readonly type: DefinitionType;
  /** The document to send as `apiDefinition`. */
  readonly definition: Record<string, unknown>;
  /** The rules that changed something, in order. */
  readonly steps: readonly HygieneStep[];
}

/** Why a definition cannot be made. */
export interface DefinitionError {
  /** A reason a person understands. */
  readonly error: string;
}

type Json = Record<string, unknown>;

const OPERATION_KEYS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
// Values that are data, not document structure: never rewritten.
const DATA_KEYS = new Set(["example", "examples", "default", "enum", "const"]);
// Objects whose keys are names chosen by the author, not keywords.
const NAME_MAP_KEYS = new Set([
  "properties",
  "patternProperties",
  "definitions",
  "schemas",
  "responses",
  "parameters",
  "requestBodies",
  "headers",
  "content",
  "paths",
  "securitySchemes",
  "securityDefinitions",
  "callbacks",
  "links",
  "variables",
]);
const REST_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"];

/** Applies the rules of the module documentation to a copy of `spec`. */
export function prepareSpec(
  spec: Readonly<Record<string, unknown>>,
  options: { readonly backendUrl?: string } = {},
): PreparedDefinition | DefinitionError {
  const type = definitionType(spec);
  if (type === undefined) {
    const found = "openapi" in spec
      ? `openapi: ${JSON.stringify(spec.openapi)}`
      : "swagger" in spec
      ? `swagger: ${JSON.stringify(spec.swagger)}`
      : "no openapi or swagger field";
    return {
      error:
        `the deployment's spec is neither OpenAPI 3.x nor Swagger 2.0 (${found}); webMethods imports only these`,
    };
  }
  if (!isObject(spec.info)) {
    return { error: "the deployment's spec has no info object; webMethods needs its title" };
  }
  const definition = structuredClone(spec) as Json;
  const steps: HygieneStep[] = [];
  if (downgradeOpenApi31(definition)) steps.push("downgrade-3.1");
  if (normaliseExternalDocs(definition)) steps.push("external-docs");
  if (upperCaseSecuritySchemes(definition)) steps.push("security-schemes");
  if (stripResponseSchemas(definition)) steps.push("response-schemas");
  if (options.backendUrl && pointToBackend(definition, type, options.backendUrl)) {
    steps.push("backend");
  }
  return { type, definition, steps };
}

/** `openapi` for an OpenAPI 3.x document, `swagger` for Swagger 2.0, else `undefined`. */
export function definitionType(
  spec: Readonly<Record<string, unknown>>,
): DefinitionType | undefined {
  if (typeof spec.openapi === "string" && /^3\.\d+(\.\d+)?$/.test(spec.openapi)) return "openapi";
  if (spec.swagger === "2.0") return "swagger";
  return undefined;
}

/** What a deployment without a spec is made of. */
export interface RestRoute {
  /** API name, used as the definition's title. */
  readonly name: string;
  /** The path the API serves, e.g. `/apis/orders`. */
  readonly pathPrefix: string;
  /** Upstream URL. */
  readonly backendUrl: string;
  /** Upper-case methods; empty means the usual five. */
  readonly methods: readonly string[];
}

/**
 * An OpenAPI 3.0.3 definition for a deployment without a spec: one resource at the path prefix
 * with the route's methods, served by the backend URL.
 */
export function restDefinition(route: RestRoute): PreparedDefinition | DefinitionError {
  if (route.backendUrl === "" || !URL.canParse(route.backendUrl)) {
    return {
      error: `the deployment has no spec and no usable backend URL ('${route.backendUrl}')`,
    };
  }
  const methods = route.methods.length === 0 ? REST_METHODS : route.methods;
  const unknown = methods.filter((method) => !OPERATION_KEYS.includes(method.toLowerCase()));
  if (unknown.length > 0) {
    return {
      error: `method ${
        unknown.join(", ")
      } cannot be declared on a webMethods REST resource (known: ${
        OPERATION_KEYS.map((key) => key.toUpperCase()).join(", ")
      })`,
    };
  }
  const path = route.pathPrefix.startsWith("/") ? route.pathPrefix : `/${route.pathPrefix}`;
  const operations: Json = {};
  for (const method of methods) {
    operations[method.toLowerCase()] = {
      operationId: `${method.toLowerCase()}${
        path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c?: string) => c?.toUpperCase() ?? "")
      }`,
      responses: { default: { description: "Answer of the backend" } },
    };
  }
  return {
    type: "openapi",
    definition: {
      openapi: "3.0.3",
      info: { title: route.name, version: "1.0" },
      servers: [{ url: route.backendUrl }],
      paths: { [path]: operations },
    },
    steps: [],
  };
}

/** Rule 1. Returns true when the document was OpenAPI 3.1 and was converted. */
export function downgradeOpenApi31(document: Json): boolean {
  if (typeof document.openapi !== "string" || !/^3\.1(\.|$)/.test(document.openapi)) return false;
  document.openapi = "3.0.3";
  delete document.webhooks;
  delete document.jsonSchemaDialect;
  if (isObject(document.info)) {
    delete document.info.summary;
    if (isObject(document.info.license)) delete document.info.license.identifier;
  }
  if (!isObject(document.paths)) document.paths = {};
  walk(document, (node) => {
    convertTypeArray(node);
    if ("const" in node && !("enum" in node)) {
      node.enum = [node.const];
      delete node.const;
    }
    if (Array.isArray(node.examples)) {
      if (!("example" in node) && node.examples.length > 0) node.example = node.examples[0];
      delete node.examples;
    }
    for (
      const [exclusive, bound] of [["exclusiveMinimum", "minimum"], ["exclusiveMaximum", "maximum"]]
    ) {
      if (typeof node[exclusive] === "number") {
        node[bound] = node[exclusive];
        node[exclusive] = true;
      }
    }
  });
  return true;
}

/** `type: ["string", "null"]` → `type: string, nullable: true`; several types → `anyOf`. */
function convertTypeArray(node: Json): void {
  if (!Array.isArray(node.type)) return;
  const types = node.type.filter((type): type is string => typeof type === "string");
  const nullable = types.includes("null");
  const others = types.filter((type) => type !== "null");
  delete node.type;
  if (others.length === 1) node.type = others[0];
  else if (others.length > 1) node.anyOf = others.map((type) => ({ type }));
  if (nullable) node.nullable = true;
}

/** Rule 2. Returns true when something changed. */
export function normaliseExternalDocs(document: Json): boolean {
  let changed = false;
  if (isObject(document.externalDocs)) {
    document.externalDocs = [document.externalDocs];
    changed = true;
  }
  walk(document, (node, isRoot) => {
    if (isRoot) return;
    const docs = node.externalDocs;
    if (Array.isArray(docs) && docs.length === 1 && isObject(docs[0])) {
      node.externalDocs = docs[0];
      changed = true;
    }
  });
  return changed;
}

/** Rule 3. Returns true when something changed. */
export function upperCaseSecuritySchemes(document: Json): boolean {
  const schemes = isObject(document.components) ? document.components.securitySchemes : undefined;
  if (!isObject(schemes)) return false;
  let changed = false;
  for (const scheme of Object.values(schemes)) {
    if (!isObject(scheme)) continue;
    for (const key of ["type", "in", "scheme"]) {
      const value = scheme[key];
      if (typeof value === "string" && value !== value.toUpperCase()) {
        scheme[key] = value.toUpperCase();
        changed = true;
      }
    }
  }
  return changed;
}

/** Rule 4. Returns true when something changed. */
export function stripResponseSchemas(document: Json): boolean {
  if (!isObject(document.paths)) return false;
  let changed = false;
  for (const item of Object.values(document.paths)) {
    if (!isObject(item)) continue;
    for (const key of OPERATION_KEYS) {
      const operation = item[key];
      if (!isObject(operation) || !isObject(operation.responses)) continue;
      for (const response of Object.values(operation.responses)) {
        if (!isObject(response)) continue;
        if ("schema" in response) {
          delete response.schema;
          changed = true;
        }
        if (!isObject(response.content)) continue;
        for (const media of Object.values(response.content)) {
          if (isObject(media) && "schema" in media) {
            delete media.schema;
            changed = true;
          }
        }
      }
    }
  }
  return changed;
}

/** Rule 5. Returns true when the document did not already point at `backendUrl`. */
export function pointToBackend(document: Json, type: DefinitionType, backendUrl: string): boolean {
  if (!URL.canParse(backendUrl)) return false;
  if (type === "openapi") {
    const servers = document.servers;
    if (
      Array.isArray(servers) && servers.length === 1 && isObject(servers[0]) &&
      servers[0].url === backendUrl
    ) return false;
    document.servers = [{ url: backendUrl }];
    return true;
  }
  const url = new URL(backendUrl);
  const wanted = {
    schemes: [url.protocol.replace(/:$/, "")],
    host: url.host,
    basePath: url.pathname === "" ? "/" : url.pathname,
  };
  const same = JSON.stringify(document.schemes) === JSON.stringify(wanted.schemes) &&
    document.host === wanted.host && document.basePath === wanted.basePath;
  if (same) return false;
  Object.assign(document, wanted);
  return true;
}

/**
 * Calls `visit` on every object of the document that is structure: not data values (examples,
 * defaults, enums, extensions) and not the maps whose keys are names (properties, schemas, paths…),
 * so that a property called `const` or `type` is never mistaken for a keyword.
 */
function walk(
  node: unknown,
  visit: (node: Json, isRoot: boolean) => void,
  isRoot = true,
  isNameMap = false,
): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit, false);
    return;
  }
  if (!isObject(node)) return;
  if (!isNameMap) visit(node, isRoot);
  for (const [key, value] of Object.entries(node)) {
    if (!isNameMap && (DATA_KEYS.has(key) || key.startsWith("x-"))) continue;
    walk(value, visit, false, !isNameMap && NAME_MAP_KEYS.has(key));
  }
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
