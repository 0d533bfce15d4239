/**
 * The official webMethods API Gateway Swagger 2.0 files (10.15 and 11.0) as one contract, for the
 * emulator's and the adapter's tests: is a call documented, and do its request and answer bodies
 * match the documented schemas?
 *
 * The files are read in place from `shared/specs/webmethods/` and corrected for the defects below,
 * each shown by the Postman collections' saved responses or the Swagger's own examples (found while
 * writing these tests):
 * 1. Envelopes: the product wraps answers and bodies (`{"apiResponse": …}` for APIs,
 *    `{"policy": …}`, `{"policyAction": …}`, `{"applications": […]}`) where the Swagger declares the
 *    bare object or array, so a real answer of `GET /policyActions` fails the declared array and a
 *    wrapped answer of `GET /apis/{apiId}` is never checked at all.
 * 2. `Enforcement.order` is declared a string; the product answers `null`.
 * 3. `Application.description` is declared a string; the product answers `null`.
 * 4. `POST /applications/{id}/apis` (and `PUT` in 10.15) declares an array of ids; the product and
 *    the Swagger's own example take `{"apiIDs": [...]}`.
 * 5. `GET /rest/apigateway/health` (no authentication, 200 without data) is documented only in the
 *    product documentation; the Availability file has `/health/{engine,admin,all,...}`, and its
 *    `info.version` still says 10.11.
 *
 * @module
 */

import { assertValid, loadOpenApi, type OpenApiSpec, type SpecPatch } from "../support/openapi.ts";
import { specPath } from "../support/specs.ts";

/** The product lines with Swagger files. */
export const SWAGGER_VERSIONS = ["10.15", "11.0"] as const;

/** The Swagger files the agent's calls belong to. */
export const SWAGGER_FILES = [
  "APIGatewayServiceManagement.json",
  "APIGatewayPolicyManagement.json",
  "APIGatewayApplication.json",
  "APIGatewayAvailability.json",
  "APIGatewayServerInfoSwagger.json",
] as const;

/** Paths below the specs directory every webMethods contract test needs. */
export function swaggerRequirements(): string[] {
  return SWAGGER_VERSIONS.flatMap((version) =>
    SWAGGER_FILES.map((file) => `webmethods/swagger-${version}/${file}`)
  );
}

const ref = (name: string) => ({ $ref: `#/definitions/${name}` });
const envelope = (key: string, schema: unknown) => ({
  type: "object",
  required: [key],
  properties: { [key]: schema },
});
const listOf = (name: string) => ({ type: "array", items: ref(name) });

function envelopePatch(pointer: string, key: string, schema: unknown): SpecPatch {
  return {
    pointer,
    value: envelope(key, schema),
    reason:
      `the product wraps this body in {"${key}": …} (Postman saved responses, Swagger examples)`,
  };
}

/** Pointer of an operation's 200/201 answer schema. */
function answer(path: string, method: string, status = "200"): string {
  return `/paths/${path.replaceAll("/", "~1")}/${method}/responses/${status}/schema`;
}

/** Pointer of an operation's body parameter schema (body parameters come first or second). */
function bodyAt(path: string, method: string, index: number): string {
  return `/paths/${path.replaceAll("/", "~1")}/${method}/parameters/${index}/schema`;
}

function patchesFor(file: string, version: string): SpecPatch[] {
  switch (file) {
    case "APIGatewayServiceManagement.json":
      return [
        envelopePatch(answer("/apis/{apiId}", "get"), "apiResponse", ref("APIResponseGetAPI")),
        envelopePatch(answer("/apis", "post"), "apiResponse", ref("APIResponseCreate")),
        envelopePatch(answer("/apis/{apiId}", "put"), "apiResponse", ref("APIResponseCreate")),
        envelopePatch(answer("/apis/{apiId}/activate", "put"), "apiResponse", ref("APIResponse")),
        envelopePatch(answer("/apis/{apiId}/deactivate", "put"), "apiResponse", ref("APIResponse")),
      ];
    case "APIGatewayPolicyManagement.json":
      return [
        envelopePatch(answer("/policies", "get"), "policy", listOf("Policy")),
        envelopePatch(answer("/policies", "post", "201"), "policy", ref("Policy")),
        envelopePatch(bodyAt("/policies", "post", 0), "policy", ref("Policy")),
        envelopePatch(answer("/policies/{policyId}", "get"), "policy", ref("Policy")),
        envelopePatch(answer("/policies/{policyId}", "put"), "policy", ref("Policy")),
        envelopePatch(bodyAt("/policies/{policyId}", "put", 1), "policy", ref("Policy")),
        envelopePatch(answer("/policies/{policyId}/activate", "put"), "policy", ref("Policy")),
        envelopePatch(answer("/policies/{policyId}/deactivate", "put"), "policy", ref("Policy")),
        envelopePatch(answer("/policyActions", "get"), "policyAction", listOf("PolicyAction")),
        envelopePatch(answer("/policyActions", "post", "201"), "policyAction", ref("PolicyAction")),
        envelopePatch(bodyAt("/policyActions", "post", 0), "policyAction", ref("PolicyAction")),
        {
          pointer: "/definitions/Enforcement/properties/order",
          value: { type: "string", "x-nullable": true, description: "enforcement order" },
          reason: "the product answers order: null (Swagger examples, Postman saved responses)",
        },
      ];
    case "APIGatewayApplication.json": {
      const register = {
        type: "object",
        required: ["apiIDs"],
        properties: { apiIDs: { type: "array", items: { type: "string" } } },
      };
      return [
        envelopePatch(answer("/applications", "get"), "applications", listOf("Application")),
        envelopePatch(
          answer("/applications/{applicationId}", "get"),
          "applications",
          listOf("Application"),
        ),
        {
          pointer: bodyAt("/applications/{applicationId}/apis", "post", 0),
          value: register,
          reason: 'the product and the Swagger example take {"apiIDs": [...]}, not an array',
        },
        ...(version === "10.15"
          ? [{
            pointer: bodyAt("/applications/{applicationId}/apis", "put", 0),
            value: register,
            reason: 'the product and the Swagger example take {"apiIDs": [...]} (11.0 fixed it)',
          }]
          : []),
        {
          pointer: "/definitions/Application/properties/description",
          value: { type: "string", "x-nullable": true, description: "description" },
          reason: "the product answers description: null (Postman saved responses)",
        },
      ];
    }
    default:
      return [];
  }
}

/** The five Swagger files of one product line, as one contract. */
export class WebMethodsContract {
  /** Product line. */
  readonly version: string;
  readonly #specs: readonly OpenApiSpec[];

  /** Use {@linkcode loadContract}. */
  constructor(version: string, specs: readonly OpenApiSpec[]) {
    this.version = version;
    this.#specs = specs;
  }

  /** The file documenting `method` on the concrete `path` (`/rest/apigateway/...`), if any. */
  specFor(method: string, path: string): OpenApiSpec | undefined {
    return this.#specs.find((spec) => spec.hasOperation(method, path));
  }

  /** True when some file documents the call. */
  documents(method: string, path: string): boolean {
    return this.specFor(method, path) !== undefined;
  }

  /** Throws unless the answer matches the documented status and schema. */
  assertResponse(method: string, path: string, status: number, body: unknown): void {
    const spec = this.specFor(method, path);
    if (!spec) throw new Error(`${this.version}: ${method} ${path} is not documented`);
    assertValid(
      spec.validateResponse(method, path, status, body),
      `${this.version} ${method} ${path} → ${status}`,
    );
  }

  /** Throws unless the request body matches the documented body schema. */
  assertRequest(method: string, path: string, body: unknown): void {
    const spec = this.specFor(method, path);
    if (!spec) throw new Error(`${this.version}: ${method} ${path} is not documented`);
    const result = spec.validateRequest(method, path, body);
    assertValid(result, `${this.version} ${method} ${path} request body`);
  }
}

const contracts = new Map<string, Promise<WebMethodsContract>>();

/** The corrected contract of one product line (loaded once per test process). */
export function loadContract(version: string): Promise<WebMethodsContract> {
  let contract = contracts.get(version);
  if (!contract) {
    contract = Promise.all(
      SWAGGER_FILES.map((file) =>
        loadOpenApi(specPath("webmethods", `swagger-${version}`, file), {
          patches: patchesFor(file, version),
        })
      ),
    ).then((specs) => new WebMethodsContract(version, specs));
    contracts.set(version, contract);
  }
  return contract;
}
