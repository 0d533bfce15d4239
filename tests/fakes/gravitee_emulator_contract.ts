/**
 * Checks Gravitee traffic against the official specs (`shared/specs/gravitee/`): a fetch wrapper
 * that validates every request a client sends and every answer the emulator gives against the
 * Management API v2 OpenAPI files, and a policy validator built from the policies' schema-form
 * files. Used by the emulator's contract tests and by the adapter tests, so that the adapter and
 * the emulator are both held to the spec, not to each other.
 *
 * The v1 paths (applications) have no static spec (`SOURCE.md`): they are recorded as unchecked
 * so tests can assert that nothing else is.
 *
 * @module
 */

import { loadOpenApi, type OpenApiSpec, type SpecPatch } from "../support/openapi.ts";
import {
  collectFormats,
  createAjv,
  formatAjvErrors,
  type JsonObject,
} from "../support/json_schema.ts";
import { specPath } from "../support/specs.ts";
import type { PolicyValidator } from "./gravitee_emulator.ts";

/** Spec files, below the specs directory. */
export const GRAVITEE_SPECS = {
  apis: "gravitee/management-api-v2/4.12.x/openapi-apis.yaml",
  installation: "gravitee/management-api-v2/4.12.x/openapi-installation.yaml",
  policies: "gravitee/policy-schemas",
} as const;

/** Policy ids with a schema-form file in the specs. */
export const SCHEMA_POLICIES = [
  "api-key",
  "ip-filtering",
  "jwt",
  "oauth2",
  "quota",
  "rate-limit",
  "request-content-limit",
  "spike-arrest",
] as const;

/**
 * Corrections of spec defects, each with its evidence:
 * - `UpdateApiV2` requires `contextPath` and `endpoint`, which it does not define (they are
 *   `CreateApiV2` fields); the server answers 400 for unknown properties, so no valid body could
 *   exist. The requirement is dropped.
 */
export const GRAVITEE_PATCHES: readonly SpecPatch[] = [{
  pointer: "/components/schemas/UpdateApiV2/allOf/1/required",
  value: [],
  reason: "UpdateApiV2 requires contextPath and endpoint, properties it does not define",
}];

/** The two spec files the agent's calls live in. */
export interface GraviteeSpecs {
  /** `openapi-apis.yaml` (APIs, plans, subscriptions, API keys). */
  readonly apis: OpenApiSpec;
  /** `openapi-installation.yaml` (organisation, environment, licence). */
  readonly installation: OpenApiSpec;
}

let loaded: Promise<GraviteeSpecs> | undefined;

/** Loads (once) the specs. */
export function loadGraviteeSpecs(): Promise<GraviteeSpecs> {
  loaded ??= (async () => ({
    apis: await loadOpenApi(specPath(GRAVITEE_SPECS.apis), { patches: GRAVITEE_PATCHES }),
    installation: await loadOpenApi(specPath(GRAVITEE_SPECS.installation)),
  }))();
  return loaded;
}

/** Where a concrete path is documented: the spec and the path relative to its server URL. */
export function documentedAt(
  specs: GraviteeSpecs,
  path: string,
): { spec: OpenApiSpec; path: string } | undefined {
  const v2 = /^\/management\/v2(?:\/organizations\/[^/]+)?(\/.*)?$/.exec(path.replace(/\/+$/, ""));
  if (!v2) return undefined;
  const rest = v2[1] ?? "";
  if (/^\/environments\/[^/]+$/.test(rest) || rest === "/environments") {
    return { spec: specs.installation, path: rest };
  }
  if (rest.startsWith("/environments/")) return { spec: specs.apis, path: rest };
  // The organisation-level operations are documented with the organisation in the path.
  const organization = /^\/management\/v2(\/organizations\/[^/]+(?:\/license)?)$/.exec(path);
  return organization ? { spec: specs.installation, path: organization[1] } : undefined;
}

/** A spec violation seen by {@linkcode checkingFetch}. */
export interface Violation {
  /** `METHOD path`. */
  readonly call: string;
  /** What is wrong. */
  readonly problem: string;
}

/** What {@linkcode checkingFetch} saw. */
export interface SpecLog {
  /** Violations, in order. */
  readonly violations: Violation[];
  /** Calls checked against the spec. */
  readonly checked: string[];
  /** Calls the specs do not cover (the v1 applications API). */
  readonly unchecked: string[];
}

/**
 * Wraps `inner` (the emulator's fetch): each request's method, path and JSON body are checked
 * against the spec, then the answer's status and body. Violations are collected, not thrown, so
 * the client sees the emulator's real answer.
 */
export function checkingFetch(
  inner: typeof fetch,
  specs: GraviteeSpecs,
): { fetch: typeof fetch; log: SpecLog } {
  const log: SpecLog = { violations: [], checked: [], unchecked: [] };
  const wrapped: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const call = `${request.method} ${url.pathname}`;
    const text = request.method === "GET" ? "" : await request.clone().text();
    const where = documentedAt(specs, url.pathname);
    if (!where) {
      if (
        /^\/management\/organizations\/[^/]+\/environments\/[^/]+\/applications/.test(url.pathname)
      ) {
        log.unchecked.push(call);
      } else {
        log.violations.push({ call, problem: "path not documented in any spec file" });
      }
      return inner(request);
    }
    log.checked.push(call);
    if (!where.spec.hasOperation(request.method, where.path)) {
      log.violations.push({ call, problem: "operation not documented" });
      return inner(request);
    }
    if (text !== "") {
      const result = where.spec.validateRequest(request.method, where.path, JSON.parse(text));
      if (!result.valid) {
        log.violations.push({ call, problem: `request body: ${result.errors.join("; ")}` });
      }
    }
    const response = await inner(request);
    const body = await response.clone().text();
    const result = where.spec.validateResponse(
      request.method,
      where.path,
      response.status,
      body === "" ? undefined : JSON.parse(body),
    );
    if (!result.valid) {
      log.violations.push({
        call,
        problem: `${response.status} answer: ${result.errors.join("; ")}`,
      });
    }
    return response;
  };
  return { fetch: wrapped, log };
}

/**
 * A {@linkcode PolicyValidator} backed by the schema-form files of the specs. Defaults of the
 * schema are filled in before validating, as the Management API does when it saves a step (the
 * policies' own test configurations, e.g. `fixtures/policy-configurations/rate-limit-01.json`,
 * omit the required `errorStrategy`, which has a default). The request-content-limit file still
 * uses draft-04's `id` (Ajv wants `$id`): it is renamed.
 */
export async function schemaPolicyValidator(): Promise<PolicyValidator> {
  const validators = new Map<string, (value: unknown) => string[]>();
  for (const policy of SCHEMA_POLICIES) {
    const schema = JSON.parse(
      await Deno.readTextFile(specPath(GRAVITEE_SPECS.policies, `${policy}.schema-form.json`)),
    ) as JsonObject;
    if (typeof schema.id === "string") {
      schema.$id = schema.id;
      delete schema.id;
    }
    const validate = createAjv({ extraFormats: collectFormats(schema) }).compile(schema);
    validators.set(policy, (value) => {
      const filled = withDefaults(schema, structuredClone(value));
      return validate(filled) ? [] : formatAjvErrors(validate.errors);
    });
  }
  return (policy, configuration) => validators.get(policy)?.(configuration);
}

/** `value` with the `default` of every absent property of `schema` filled in, recursively. */
export function withDefaults(schema: unknown, value: unknown): unknown {
  if (schema === null || typeof schema !== "object") return value;
  const node = schema as JsonObject;
  const properties = node.properties as Record<string, JsonObject> | undefined;
  if (!properties || value === null || typeof value !== "object" || Array.isArray(value)) {
    return value;
  }
  const object = value as JsonObject;
  for (const [name, property] of Object.entries(properties)) {
    if (object[name] === undefined && property.default !== undefined) {
      object[name] = structuredClone(property.default);
    }
    if (object[name] !== undefined) object[name] = withDefaults(property, object[name]);
  }
  return object;
}
