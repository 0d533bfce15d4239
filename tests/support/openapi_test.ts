/**
 * Tests of the spec helpers on small synthetic specs, so each conversion (nullable, cross-file
 * references, discriminators, Swagger 2 bodies, path matching) is pinned down independently of
 * any gateway's spec.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { loadOpenApi } from "./openapi.ts";
import { allowNullForOptional, loadJsonSchema } from "./json_schema.ts";

const ROOT_YAML = `
openapi: 3.0.3
info: { title: Synthetic, version: "1.2" }
servers: [{ url: "http://localhost:8083/management/v2" }]
paths:
  /items:
    get:
      responses:
        "200":
          description: list
          content:
            application/json:
              schema: { $ref: "./other.yaml#/components/schemas/ItemList" }
        default: { $ref: "#/components/responses/Error" }
    post:
      requestBody:
        $ref: "#/components/requestBodies/NewItem"
      responses:
        "201": { description: created, content: { application/json: { schema: { $ref: "#/components/schemas/Item" } } } }
        "204": { description: nothing }
  /items/{id}:
    get:
      responses:
        "200": { description: one, content: { application/json: { schema: { $ref: "#/components/schemas/Item" } } } }
  /items/special:
    get:
      responses:
        "200":
          description: special
          content: { application/json: { schema: { type: object, required: [special], properties: { special: { type: boolean } } } } }
  /{tenant}/items:
    get:
      responses: { "200": { description: tenant } }
  /pets:
    get:
      responses:
        "200": { description: pet, content: { application/json: { schema: { $ref: "#/components/schemas/Pet" } } } }
components:
  requestBodies:
    NewItem:
      content: { application/json: { schema: { $ref: "#/components/schemas/Item" } } }
  responses:
    Error:
      description: error
      content:
        application/json:
          schema: { type: object, required: [message], properties: { message: { type: string } } }
  schemas:
    Item:
      type: object
      additionalProperties: false
      required: [id]
      properties:
        id: { type: string, format: uuid }
        kind: { type: string, enum: [a, b], nullable: true }
        default: { type: integer, format: int64, minimum: 0, exclusiveMinimum: true }
        owner: { $ref: "#/components/schemas/Owner", nullable: true }
    Owner:
      type: object
      required: [name]
      properties: { name: { type: string } }
    Pet:
      oneOf: [{ $ref: "#/components/schemas/Cat" }, { $ref: "#/components/schemas/Dog" }]
      discriminator:
        propertyName: type
        mapping: { kitty: Cat }
    Cat:
      type: object
      required: [type, meows]
      properties: { type: { type: string }, meows: { type: boolean } }
    Dog:
      type: object
      required: [type, barks]
      properties: { type: { type: string }, barks: { type: boolean } }
`;

const OTHER_YAML = `
openapi: 3.0.3
info: { title: Other, version: "1" }
paths: {}
components:
  schemas:
    ItemList:
      type: object
      required: [data]
      properties:
        data: { type: array, items: { $ref: "./root.yaml#/components/schemas/Item" } }
        next: { type: string, nullable: true }
`;

const SWAGGER = {
  swagger: "2.0",
  info: { title: "Gateway", version: "11.0" },
  basePath: "/rest/apigateway",
  paths: {
    "/apis/{apiId}": {
      parameters: [{ in: "path", name: "apiId", required: true, type: "string" }],
      put: {
        parameters: [{ in: "body", name: "body", schema: { $ref: "#/definitions/Api" } }],
        responses: { "200": { description: "ok", schema: { $ref: "#/definitions/Api" } } },
      },
    },
  },
  definitions: {
    Api: {
      type: "object",
      required: ["apiName"],
      properties: {
        apiName: { type: "string" },
        apiVersion: { type: "string", "x-nullable": true },
        file: { type: "file" },
      },
    },
  },
};

const ID = "5f0c3b8e-9a4d-4f7e-8a51-2f5d8a9b7c10";

async function fixtures(): Promise<{ dir: string; root: string; swagger: string }> {
  const dir = await Deno.makeTempDir({ prefix: "openapi_test_" });
  await Deno.writeTextFile(join(dir, "root.yaml"), ROOT_YAML);
  await Deno.writeTextFile(join(dir, "other.yaml"), OTHER_YAML);
  await Deno.writeTextFile(join(dir, "swagger.json"), JSON.stringify(SWAGGER));
  return { dir, root: join(dir, "root.yaml"), swagger: join(dir, "swagger.json") };
}

Deno.test("operation(): literal segments win, base paths and queries are ignored", async () => {
  const { dir, root } = await fixtures();
  try {
    const spec = await loadOpenApi(root);
    assert.equal(spec.dialect, "3");
    assert.equal(spec.title, "Synthetic");
    assert.equal(spec.operation("GET", "/items/special")?.template, "/items/special");
    assert.deepEqual(spec.operation("get", "/items/abc%20d")?.params, { id: "abc d" });
    assert.equal(spec.operation("GET", "/acme/items")?.template, "/{tenant}/items");
    assert.equal(spec.operation("GET", "/management/v2/items/x")?.template, "/items/{id}");
    assert.equal(spec.operation("GET", "/items?size=5")?.template, "/items");
    assert.equal(spec.hasOperation("DELETE", "/items"), false);
    assert.equal(spec.hasOperation("GET", "/items/a/b"), false);
    assert.equal(spec.operations().length, 6);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("validateResponse(): cross-file refs, nullable, enums, exclusive bounds, default", async () => {
  const { dir, root } = await fixtures();
  try {
    const spec = await loadOpenApi(root);
    const item = { id: ID, kind: null, default: 1, owner: null };
    assert.deepEqual(spec.validateResponse("GET", "/items", 200, { data: [item], next: null }), {
      valid: true,
      checked: true,
      errors: [],
    });
    const bad = spec.validateResponse("GET", "/items", 200, {
      data: [{ id: "not-a-uuid", kind: "c", default: 0, owner: { name: 1 }, extra: true }],
    });
    assert.deepEqual(
      [...bad.errors].sort(),
      [
        "/data/0 must NOT have additional properties 'extra'",
        "/data/0/default must be > 0",
        '/data/0/id must match format "uuid"',
        '/data/0/kind must be equal to one of the allowed values ["a","b",null]',
        "/data/0/owner must be null",
        "/data/0/owner must match a schema in anyOf",
        "/data/0/owner/name must be string",
      ].sort(),
    );
    assert.equal(spec.validateResponse("GET", "/items", 500, { message: "boom" }).valid, true);
    assert.equal(spec.validateResponse("GET", "/items", 500, { oops: 1 }).valid, false);
    assert.deepEqual(spec.validateResponse("POST", "/items", 204, undefined), {
      valid: true,
      checked: false,
      errors: [],
    });
    assert.equal(spec.validateResponse("POST", "/items", 204, { unexpected: 1 }).valid, false);
    assert.deepEqual(spec.validateResponse("GET", "/items/x", 418, {}).errors, [
      "status 418 is not documented for GET /items/{id} (documented: 200)",
    ]);
    assert.deepEqual(spec.validateResponse("GET", "/nowhere", 200, {}).errors, [
      "GET /nowhere is not documented in the spec",
    ]);
    assert.equal(spec.validateAgainst("#/components/schemas/Owner", { name: "x" }).valid, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("validateRequest(): request bodies by reference; discriminator with mapping", async () => {
  const { dir, root } = await fixtures();
  try {
    const spec = await loadOpenApi(root);
    assert.equal(spec.validateRequest("POST", "/items", { id: ID }).valid, true);
    assert.deepEqual(spec.validateRequest("POST", "/items", {}).errors, [
      "(root) must have required property 'id'",
    ]);
    assert.equal(spec.validateRequest("GET", "/items", undefined).checked, false);
    const pet = (body: unknown) => spec.validateResponse("GET", "/pets", 200, body).valid;
    assert.equal(pet({ type: "kitty", meows: true }), true, "mapped value");
    assert.equal(pet({ type: "Dog", barks: true }), true, "unmapped branch: its schema name");
    assert.equal(pet({ type: "Dog", meows: true }), false, "the Dog branch requires barks");
    assert.equal(pet({ type: "Cat", meows: true }), false, "Cat is reached through its mapping");
    assert.equal(pet({ type: "fish" }), false);
    assert.equal(pet({ meows: true }), false, "discriminator property is required");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("patches correct a spec before use and fail loudly when they miss", async () => {
  const { dir, root } = await fixtures();
  try {
    const patched = await loadOpenApi(root, {
      patches: [{ pointer: "/components/schemas/Owner/required", value: [], reason: "test" }],
    });
    assert.equal(patched.validateAgainst("#/components/schemas/Owner", {}).valid, true);
    await assert.rejects(
      loadOpenApi(root, {
        patches: [{ pointer: "/components/nothing/here", value: 1, reason: "typo" }],
      }),
      /patch "typo" targets missing \/components\/nothing\/here/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Swagger 2.0: basePath, body parameters, definitions, x-nullable, type file", async () => {
  const { dir, swagger } = await fixtures();
  try {
    const spec = await loadOpenApi(swagger);
    assert.equal(spec.dialect, "2");
    assert.equal(spec.version, "11.0");
    assert.ok(spec.hasOperation("PUT", "/rest/apigateway/apis/123"));
    assert.ok(spec.hasOperation("PUT", "/apis/123"));
    assert.equal(
      spec.validateRequest("PUT", "/apis/1", { apiName: "a", apiVersion: null }).valid,
      true,
    );
    assert.deepEqual(spec.validateRequest("PUT", "/apis/1", { apiVersion: "1" }).errors, [
      "(root) must have required property 'apiName'",
    ]);
    assert.equal(spec.validateResponse("PUT", "/apis/1", 200, { apiName: 1 }).valid, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("JSON Schema files: sub-schema by pointer, unset optional fields as null", async () => {
  const dir = await Deno.makeTempDir({ prefix: "json_schema_test_" });
  try {
    const path = join(dir, "plugin.json");
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        properties: {
          config: {
            type: "object",
            required: ["key"],
            properties: {
              key: { type: "string" },
              limit: { type: "number", enum: [1, 2] },
              redis: { type: "object", properties: { host: { type: "string" } } },
            },
          },
        },
      }),
    );
    const strict = await loadJsonSchema(path, { pointer: "/properties/config" });
    assert.equal(strict.validate({ key: "k", limit: null }).valid, false);
    const lenient = await loadJsonSchema(path, {
      pointer: "/properties/config",
      unsetAsNull: true,
    });
    assert.equal(lenient.validate({ key: "k", limit: null, redis: { host: null } }).valid, true);
    assert.equal(lenient.validate({ key: null }).valid, false, "required fields stay required");
    assert.equal(lenient.validate({ key: "k", limit: 3 }).valid, false);
    await assert.rejects(
      loadJsonSchema(path, { pointer: "/properties/nope" }),
      /nothing at JSON pointer/,
    );
    assert.deepEqual(allowNullForOptional({ type: "object", properties: { a: { $ref: "#/x" } } }), {
      type: "object",
      properties: { a: { anyOf: [{ $ref: "#/x" }, { type: "null" }] } },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
