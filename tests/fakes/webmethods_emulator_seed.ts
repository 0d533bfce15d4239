/**
 * Ready-made gateways for the webMethods emulator: many generated APIs (benchmarks, paging tests)
 * or a small realistic one (demo, discovery tests) shaped after the Postman collections' samples.
 *
 * @module
 */

import type { StoredApi, WebMethodsStore } from "./webmethods_emulator_store.ts";

/** Options of {@linkcode seedApis}. */
export interface SeedOptions {
  /** Number of APIs to create. */
  readonly apis: number;
  /** Name prefix (default `api-`); names are `<prefix><index>` padded to five digits. */
  readonly prefix?: string;
  /** Every `activeEvery`-th API is active (default 2: every other one). */
  readonly activeEvery?: number;
  /** Every `corsEvery`-th API gets a CORS action on its policy (default 3; 0: none). */
  readonly corsEvery?: number;
}

/** Creates `options.apis` OpenAPI 3.0 APIs with five operations each; returns them in order. */
export function seedApis(store: WebMethodsStore, options: SeedOptions): StoredApi[] {
  const prefix = options.prefix ?? "api-";
  const activeEvery = options.activeEvery ?? 2;
  const corsEvery = options.corsEvery ?? 3;
  const created: StoredApi[] = [];
  for (let index = 0; index < options.apis; index++) {
    const name = `${prefix}${String(index).padStart(5, "0")}`;
    const api = store.createApi({
      apiName: name,
      apiVersion: "1.0",
      type: "openapi",
      apiDefinition: {
        openapi: "3.0.1",
        info: { title: name, version: "1.0", description: `Generated API ${index}` },
        servers: [{ url: `https://backend-${index}.internal/v1` }],
        paths: {
          "/items": {
            get: { responses: { "200": { description: "items" } } },
            post: { responses: { "201": { description: "created" } } },
          },
          "/items/{id}": {
            get: { responses: { "200": { description: "item" } } },
            put: { responses: { "200": { description: "updated" } } },
            delete: { responses: { "204": { description: "deleted" } } },
          },
        },
      },
    });
    if (activeEvery > 0 && index % activeEvery === 0) store.setApiActive(api.id, true);
    if (corsEvery > 0 && index % corsEvery === 0) {
      enforce(store, api, "responseProcessing", "cors", [{
        templateKey: "corsAttributes",
        parameters: [
          { templateKey: "allowedOrigins", values: ["https://app.example.com"] },
          { templateKey: "allowMethods", values: ["GET"] },
        ],
      }]);
    }
    created.push(api);
  }
  return created;
}

/**
 * A small gateway: Petstore (Swagger 2.0, active, identified and throttled), ChuckNorris (OpenAPI
 * 3.0, inactive), Orders 1.0 and 2.0 (two versions of one name, 2.0 with CORS), an inactive global
 * logging policy and one application registered with Petstore.
 */
export function seedRealistic(store: WebMethodsStore): Record<string, StoredApi> {
  const petstore = store.createApi({
    apiName: "Petstore",
    apiVersion: "1.0",
    type: "swagger",
    apiDefinition: {
      swagger: "2.0",
      info: { title: "Swagger Petstore", version: "1.0", description: "Sample pet store" },
      host: "petstore.swagger.io",
      basePath: "/v2",
      schemes: ["https"],
      paths: {
        "/pet": {
          post: { operationId: "addPet", responses: { "405": { description: "Invalid input" } } },
          put: { operationId: "updatePet", responses: { "400": { description: "Invalid ID" } } },
        },
        "/pet/{petId}": {
          get: { operationId: "getPetById", responses: { "200": { description: "pet" } } },
          delete: { operationId: "deletePet", responses: { "404": { description: "Not found" } } },
        },
        "/store/inventory": {
          get: { operationId: "getInventory", responses: { "200": { description: "counts" } } },
        },
      },
    },
  });
  store.setApiActive(petstore.id, true);
  enforce(store, petstore, "IAM", "evaluatePolicy", [
    { templateKey: "logicalConnector", values: ["OR"] },
    { templateKey: "allowAnonymous", values: ["false"] },
    {
      templateKey: "IdentificationRule",
      parameters: [
        { templateKey: "applicationLookup", values: ["strict"] },
        { templateKey: "identificationType", values: ["httpBasicAuth"] },
      ],
    },
  ]);
  enforce(store, petstore, "LMT", "throttle", [
    {
      templateKey: "throttleRule",
      parameters: [
        { templateKey: "throttleRuleName", values: ["requestCount"] },
        { templateKey: "monitorRuleOperator", values: ["GT"] },
        { templateKey: "value", values: ["100"] },
      ],
    },
    { templateKey: "alertInterval", values: ["1"] },
    { templateKey: "alertIntervalUnit", values: ["minutes"] },
    { templateKey: "alertFrequency", values: ["once"] },
    {
      templateKey: "destination",
      parameters: [{ templateKey: "destinationType", values: ["GATEWAY"] }],
    },
  ]);

  const chuck = store.createApi({
    apiName: "ChuckNorris",
    apiVersion: "1.0",
    type: "openapi",
    apiDefinition: {
      openapi: "3.0.1",
      info: { title: "ChuckNorrisAPI", version: "1.0", description: "Chuck Norris facts" },
      servers: [{ url: "https://api.chucknorris.io/jokes" }],
      paths: { "/random": { get: { operationId: "GET", responses: {} } } },
    },
  });

  const orders = (version: string) =>
    store.createApi({
      apiName: "Orders",
      apiVersion: version,
      type: "openapi",
      apiDefinition: {
        openapi: "3.0.3",
        info: { title: "Orders", version },
        servers: [{ url: `http://orders.internal:8080/v${version[0]}` }],
        paths: {
          "/orders": { get: { responses: { "200": { description: "orders" } } } },
          "/orders/{id}": { get: { responses: { "200": { description: "order" } } } },
        },
      },
    });
  const orders1 = orders("1.0");
  const orders2 = orders("2.0");
  store.setApiActive(orders1.id, true);
  store.setApiActive(orders2.id, true);
  enforce(store, orders2, "responseProcessing", "cors", [{
    templateKey: "corsAttributes",
    parameters: [
      { templateKey: "allowedOrigins", values: ["https://shop.example.com"] },
      { templateKey: "allowMethods", values: ["GET", "POST"] },
    ],
  }]);

  const logging = store.createAction({
    policyAction: {
      names: [{ value: "Log Invocation", locale: "en" }],
      templateKey: "logInvocation",
      parameters: [
        { templateKey: "storeRequestPayload", values: ["true"] },
        {
          templateKey: "destination",
          parameters: [{ templateKey: "destinationType", values: ["GATEWAY"] }],
        },
      ],
    },
  });
  store.createPolicy({
    policy: {
      names: [{ value: "Transaction logging", locale: "English" }],
      global: true,
      policyScope: "GLOBAL",
      scope: { applicableAPITypes: ["REST", "SOAP"], logicalConnector: "AND", scopeConditions: [] },
      policyEnforcements: [{
        stageKey: "LMT",
        enforcements: [{ enforcementObjectId: logging.id, order: null }],
      }],
    },
  });

  const app = store.createApplication({
    name: "TestSampleApp",
    version: "1.0",
    identifiers: [{ key: "httpBasicAuth", name: "Username", value: ["Administrator"] }],
  });
  store.registerApis(app.id, { apiIDs: [petstore.id] });
  return { Petstore: petstore, ChuckNorris: chuck, "Orders 1.0": orders1, "Orders 2.0": orders2 };
}

/** Creates an action and enforces it in a stage of the API's policy. */
function enforce(
  store: WebMethodsStore,
  api: StoredApi,
  stageKey: string,
  templateKey: string,
  parameters: Record<string, unknown>[],
): void {
  const action = store.createAction({ policyAction: { templateKey, parameters } });
  const policy = store.policy(api.policyId);
  const stages = structuredClone(policy.policyEnforcements);
  const stage = stages.find((candidate) => candidate.stageKey === stageKey);
  const enforcement = { enforcementObjectId: action.id, order: null };
  if (stage) stage.enforcements.push(enforcement);
  else stages.push({ stageKey, enforcements: [enforcement] });
  store.updatePolicy(policy.id, { policy: { policyEnforcements: stages } });
}
