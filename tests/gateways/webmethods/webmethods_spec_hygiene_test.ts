/**
 * Spec hygiene before upload: the Go agent's rules (reference-agent.md §6.4.6 and the §9.4
 * catalogue), decided on the parsed document, and the definition made for routes without a spec.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  definitionType,
  downgradeOpenApi31,
  normaliseExternalDocs,
  type PreparedDefinition,
  prepareSpec,
  restDefinition,
} from "../../../src/gateways/webmethods/webmethods_spec_hygiene.ts";

type Json = Record<string, unknown>;

function prepared(spec: Json, backendUrl?: string): PreparedDefinition {
  const result = prepareSpec(spec, { backendUrl });
  if ("error" in result) throw new Error(result.error);
  return result;
}

const info = { title: "Pets", version: "1.0" };

Deno.test("OpenAPI 3.1.x becomes 3.0.3; 3.0.x and Swagger 2.0 keep their version", () => {
  for (const version of ["3.1.0", "3.1.1"]) {
    const result = prepared({ openapi: version, info, paths: {} });
    assert.equal(result.definition.openapi, "3.0.3");
    assert.deepEqual(result.steps, ["downgrade-3.1"]);
    assert.equal(result.type, "openapi");
  }
  const v302 = prepared({ openapi: "3.0.2", info, paths: {} });
  assert.equal(v302.definition.openapi, "3.0.2");
  assert.deepEqual(v302.steps, []);
  const swagger = prepared({ swagger: "2.0", info, paths: {} });
  assert.equal(swagger.definition.swagger, "2.0");
  assert.equal(swagger.type, "swagger");
  assert.deepEqual(swagger.steps, []);
});

Deno.test("the version is read from the openapi field, never from text elsewhere", () => {
  const spec = {
    openapi: "3.0.1",
    info: { ...info, description: 'Migrated from "openapi": "3.1.0" and "swagger": "2.0"' },
    paths: {},
  };
  const result = prepared(spec);
  assert.equal(result.definition.openapi, "3.0.1");
  assert.equal(
    result.type,
    "openapi",
    'a quoted "swagger" in a description does not make it Swagger',
  );
  assert.equal(definitionType({ openapi: "4.0.0" }), undefined);
});

Deno.test("3.1-only constructs are converted to their 3.0 spelling", () => {
  const document: Json = {
    openapi: "3.1.0",
    info: { ...info, summary: "short", license: { name: "MIT", identifier: "MIT" } },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    webhooks: { ping: {} },
    components: {
      schemas: {
        Pet: {
          type: "object",
          properties: {
            name: { type: ["string", "null"] },
            age: { type: "integer", exclusiveMinimum: 0 },
            kind: { const: "pet" },
            tags: { type: "array", examples: [["a"]] },
            id: { type: ["string", "integer"] },
            const: { type: "string" },
          },
        },
      },
    },
  };
  assert.equal(downgradeOpenApi31(document), true);
  assert.equal("paths" in document, true, "3.0 requires paths");
  assert.equal("webhooks" in document || "jsonSchemaDialect" in document, false);
  assert.deepEqual(document.info, { title: "Pets", version: "1.0", license: { name: "MIT" } });
  const properties = ((document.components as Json).schemas as Json).Pet as Json;
  assert.deepEqual(properties.properties, {
    name: { type: "string", nullable: true },
    age: { type: "integer", minimum: 0, exclusiveMinimum: true },
    kind: { enum: ["pet"] },
    tags: { type: "array", example: ["a"] },
    id: { anyOf: [{ type: "string" }, { type: "integer" }] },
    const: { type: "string" },
  }, "a property named const is a name, not the keyword");
});

Deno.test("externalDocs: root object → one-element array; nested one-element arrays → objects", () => {
  const docs = { url: "https://docs.example.com" };
  const spec = {
    openapi: "3.0.3",
    info,
    externalDocs: docs,
    tags: [{ name: "pets", externalDocs: docs }],
    paths: {
      "/pets": { get: { externalDocs: [docs], responses: {} }, post: { externalDocs: docs } },
    },
    components: {
      schemas: { Pet: { externalDocs: docs, properties: { owner: { externalDocs: [docs] } } } },
    },
  };
  const definition = prepared(spec).definition as Json;
  assert.deepEqual(definition.externalDocs, [docs]);
  assert.deepEqual((definition.tags as Json[])[0].externalDocs, docs);
  const pets = (definition.paths as Json)["/pets"] as Record<string, Json>;
  assert.deepEqual(pets.get.externalDocs, docs);
  assert.deepEqual(pets.post.externalDocs, docs);
  const pet = ((definition.components as Json).schemas as Json).Pet as Json;
  assert.deepEqual(pet.externalDocs, docs);
  assert.deepEqual(((pet.properties as Json).owner as Json).externalDocs, docs);

  const already: Json = { openapi: "3.0.3", info, externalDocs: [docs], paths: {} };
  assert.equal(normaliseExternalDocs(already), false, "a root array of one is kept");
  assert.deepEqual(already.externalDocs, [docs]);
  assert.deepEqual(prepared({ openapi: "3.0.3", info, paths: {} }).steps, []);
});

Deno.test("security schemes: type, in and scheme upper-cased", () => {
  const spec = {
    openapi: "3.0.3",
    info,
    paths: {},
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        key: { type: "apiKey", in: "header", name: "x-api-key" },
      },
    },
  };
  const result = prepared(spec);
  assert.deepEqual(result.steps, ["security-schemes"]);
  assert.deepEqual((result.definition.components as Json).securitySchemes as Json, {
    bearer: { type: "HTTP", scheme: "BEARER", bearerFormat: "JWT" },
    key: { type: "APIKEY", in: "HEADER", name: "x-api-key" },
  });
});

Deno.test("response schemas are removed for Swagger 2 and OpenAPI 3; requests keep theirs", () => {
  const schema = { $ref: "#/definitions/Pet" };
  const swagger = prepared({
    swagger: "2.0",
    info,
    paths: {
      "/pets": {
        post: {
          parameters: [{ in: "body", name: "pet", schema }],
          responses: { "200": { description: "ok", schema } },
        },
      },
    },
  });
  const post = ((swagger.definition.paths as Json)["/pets"] as Json).post as Json;
  assert.deepEqual(post.responses, { "200": { description: "ok" } });
  assert.deepEqual((post.parameters as Json[])[0].schema, schema);
  const openapi = prepared({
    openapi: "3.0.3",
    info,
    paths: {
      "/pets": {
        get: {
          responses: {
            "200": {
              description: "ok",
              content: { "application/json": { schema }, "text/plain": { example: "x" } },
            },
          },
        },
      },
    },
  });
  const get = ((openapi.definition.paths as Json)["/pets"] as Json).get as Json;
  assert.deepEqual(get.responses, {
    "200": {
      description: "ok",
      content: { "application/json": {}, "text/plain": { example: "x" } },
    },
  });
  assert.deepEqual(openapi.steps, ["response-schemas"]);
});

Deno.test("the backend URL is written where webMethods reads the native endpoint", () => {
  const openapi = prepared(
    { openapi: "3.0.3", info, servers: [{ url: "http://a" }, { url: "http://b" }], paths: {} },
    "https://pets.internal:8443/v2",
  );
  assert.deepEqual(openapi.definition.servers, [{ url: "https://pets.internal:8443/v2" }]);
  assert.deepEqual(openapi.steps, ["backend"]);
  const same = prepared(
    { openapi: "3.0.3", info, servers: [{ url: "https://pets.internal:8443/v2" }], paths: {} },
    "https://pets.internal:8443/v2",
  );
  assert.deepEqual(same.steps, []);
  const swagger = prepared(
    { swagger: "2.0", info, host: "old", paths: {} },
    "https://pets.internal:8443/v2",
  );
  assert.deepEqual(
    [swagger.definition.schemes, swagger.definition.host, swagger.definition.basePath],
    [["https"], "pets.internal:8443", "/v2"],
  );
});

Deno.test("the input document is never modified", () => {
  const spec = {
    openapi: "3.1.0",
    info,
    externalDocs: { url: "https://d" },
    paths: {
      "/x": {
        get: { responses: { "200": { description: "ok", content: { "a/b": { schema: {} } } } } },
      },
    },
    components: { securitySchemes: { b: { type: "http", scheme: "bearer" } } },
  };
  const before = structuredClone(spec);
  const result = prepared(spec, "http://backend");
  assert.deepEqual(spec, before);
  assert.deepEqual(result.steps, [
    "downgrade-3.1",
    "external-docs",
    "security-schemes",
    "response-schemas",
    "backend",
  ]);
});

Deno.test("documents webMethods cannot import are refused with the reason", () => {
  const cases: [Json, RegExp][] = [
    [
      { openapi: "4.0.0", info, paths: {} },
      /neither OpenAPI 3\.x nor Swagger 2\.0 \(openapi: "4\.0\.0"\)/,
    ],
    [{ swagger: "1.2", info }, /\(swagger: "1\.2"\)/],
    [{ asyncapi: "2.6.0", info }, /no openapi or swagger field/],
    [{ openapi: "3.0.3", paths: {} }, /no info object/],
  ];
  for (const [spec, message] of cases) {
    const result = prepareSpec(spec);
    assert.ok("error" in result);
    assert.match(result.error, message);
  }
});

Deno.test("a route without a spec gets an OpenAPI 3.0.3 definition of its path and methods", () => {
  const result = restDefinition({
    name: "orders",
    pathPrefix: "/apis/orders",
    backendUrl: "http://orders.internal:8080",
    methods: ["GET", "DELETE"],
  });
  assert.ok(!("error" in result));
  assert.deepEqual(result.definition, {
    openapi: "3.0.3",
    info: { title: "orders", version: "1.0" },
    servers: [{ url: "http://orders.internal:8080" }],
    paths: {
      "/apis/orders": {
        get: {
          operationId: "getApisOrders",
          responses: { default: { description: "Answer of the backend" } },
        },
        delete: {
          operationId: "deleteApisOrders",
          responses: { default: { description: "Answer of the backend" } },
        },
      },
    },
  });
  const every = restDefinition({ name: "x", pathPrefix: "x", backendUrl: "http://x", methods: [] });
  assert.ok(!("error" in every));
  assert.deepEqual(Object.keys((every.definition.paths as Json)["/x"] as Json), [
    "get",
    "post",
    "put",
    "delete",
    "patch",
  ]);
  const noBackend = restDefinition({ name: "x", pathPrefix: "/x", backendUrl: "", methods: [] });
  assert.ok("error" in noBackend && /no usable backend URL/.test(noBackend.error));
  const odd = restDefinition({
    name: "x",
    pathPrefix: "/x",
    backendUrl: "http://x",
    methods: ["CONNECT"],
  });
  assert.ok("error" in odd && /method CONNECT cannot be declared/.test(odd.error));
});
