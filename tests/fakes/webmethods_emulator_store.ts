/**
 * The state of the webMethods API Gateway emulator and the product's rules, independent of HTTP.
 *
 * Rules with evidence in `shared/specs/webmethods` (Swagger descriptions, Postman saved responses):
 * - APIs are created inactive; only inactive APIs can be deleted (400 otherwise); activate and
 *   deactivate answer 400 when the API is already in that state, and activate answers 400 when no
 *   operation is enabled.
 * - Every API gets its own policy (`policies: [id]`, scope SERVICE) with the default transport and
 *   routing actions.
 * - Global policies: activate/deactivate a policy that is not global → 400 "Policy [...] is not a
 *   global policy"; an active global policy cannot be deleted (500); a global policy without scope
 *   cannot hold actions (400); deleting a policy deletes its actions.
 * - An API's policy holds at most one "Identify & Authorize Application" action, and a throttle
 *   needs one (500 conflicts, PolicyManagement collection).
 * - Unknown ids: 404 with `{"errorDetails": " Unable to find the resource: <id>"}` (leading space);
 *   an unknown policy action on PUT is a 500 (Swagger example).
 *
 * Rules inferred from the Go agent's fixes (reference-agent.md §6.4.6, GO-1), because the real
 * gateway failed that way: OpenAPI 3.1 is refused; a root `externalDocs` that is not an array, a
 * security scheme `type`/`in` outside webMethods' upper-case enums and a response schema with a
 * `$ref` (`RefProperty`) make the import fail (400); creating an API whose name and version exist
 * answers 409. Emulator choice, unverified: a policy action still enforced by a policy cannot be
 * deleted (400), which catches clients that delete before detaching.
 *
 * @module
 */

/** A webMethods error: status and `errorDetails` (with the product's leading space). */
export class WmError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Extra fields of the body (e.g. `reason` of conflict errors). */
  readonly extra: Readonly<Record<string, unknown>>;

  /** Builds the error; `details` is written as the product does, after one space. */
  constructor(status: number, details: string, extra: Record<string, unknown> = {}) {
    super(details);
    this.status = status;
    this.extra = extra;
  }

  /** The answer body. */
  get body(): Record<string, unknown> {
    return { errorDetails: ` ${this.message}`, ...this.extra };
  }
}

type Json = Record<string, unknown>;

/** A localized string as webMethods stores names and descriptions. */
export interface Localized {
  value: string;
  locale: string;
}

/** An API as stored. */
export interface StoredApi {
  id: string;
  apiName: string;
  apiVersion: string;
  apiDescription: string;
  isActive: boolean;
  /** webMethods' own representation (`type: rest`, `enabled` flags, `externalDocs` array). */
  apiDefinition: Json;
  nativeEndpoint: Json[];
  policyId: string;
  creationDate: string;
  systemVersion: number;
}

/** A policy as stored. */
export interface StoredPolicy {
  id: string;
  names: Localized[];
  descriptions: Localized[];
  scope?: Json;
  policyEnforcements: { stageKey: string; enforcements: Json[] }[];
  policyScope: string;
  global: boolean;
  active: boolean;
  systemPolicy: boolean;
}

/** A policy action as stored. */
export interface StoredAction {
  id: string;
  names: Localized[];
  descriptions: Localized[];
  templateKey: string;
  parameters: Json[];
  active: boolean;
}

/** An application as stored. */
export interface StoredApplication {
  id: string;
  name: string;
  description: string | null;
  version: string;
  identifiers: Json[];
  contactEmails: string[];
  siteURLs: string[];
  jsOrigins: string[];
  authStrategyIds: string[];
  created: string;
  lastupdated: string | null;
  apiKey: string;
  apiIds: string[];
}

/** Templates the emulator knows: stage and the parameters a create must carry. */
export const TEMPLATES: Readonly<Record<string, { stage: string; required: readonly string[] }>> = {
  entryProtocolPolicy: { stage: "transport", required: ["protocol"] },
  straightThroughRouting: { stage: "routing", required: ["endpointUri"] },
  evaluatePolicy: { stage: "IAM", required: ["IdentificationRule"] },
  authorizeUser: { stage: "IAM", required: [] },
  throttle: {
    stage: "LMT",
    required: ["throttleRule", "alertInterval", "alertIntervalUnit", "destination"],
  },
  logInvocation: { stage: "LMT", required: ["destination"] },
  serviceResultCache: { stage: "LMT", required: ["ttl"] },
  cors: { stage: "responseProcessing", required: ["corsAttributes"] },
};

const INTERVAL_UNITS = ["minutes", "hours", "days", "weeks"];
const SECURITY_TYPES = ["APIKEY", "HTTP", "OAUTH2", "OPENIDCONNECT"];
const SECURITY_IN = ["COOKIE", "HEADER", "QUERY"];
const OPERATIONS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const IDENTIFY = "evaluatePolicy";
const THROTTLE = "throttle";

/** The emulator's database. */
export class WebMethodsStore {
  /** APIs by id, in creation order. */
  readonly apis = new Map<string, StoredApi>();
  /** Policies (API policies and global policies) by id. */
  readonly policies = new Map<string, StoredPolicy>();
  /** Policy actions by id. */
  readonly actions = new Map<string, StoredAction>();
  /** Applications by id. */
  readonly applications = new Map<string, StoredApplication>();
  readonly #now: () => Date;

  /** Creates an empty store; `now` dates creations. */
  constructor(options: { readonly now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  // -------------------------------------------------------------------------------------------
  // APIs
  // -------------------------------------------------------------------------------------------

  /** Creates an API from an `InputAPI` JSON body (import of an OpenAPI/Swagger definition). */
  createApi(body: Json): StoredApi {
    const input = this.#readApiInput(body);
    this.#checkUnique(input.apiName, input.apiVersion);
    const id = crypto.randomUUID();
    const policyId = crypto.randomUUID();
    const api: StoredApi = {
      id,
      ...input,
      isActive: false,
      policyId,
      creationDate: gmt(this.#now()),
      systemVersion: 1,
    };
    this.apis.set(id, api);
    this.#createApiPolicy(api);
    return api;
  }

  /** Replaces an API's definition from a `GatewayAPI`/`InputAPI` body; keeps id, policy, state. */
  updateApi(id: string, body: Json): StoredApi {
    const api = this.#api(id);
    const input = this.#readApiInput(body);
    this.#checkUnique(input.apiName, input.apiVersion, id);
    Object.assign(api, input);
    this.#refreshRouting(api);
    return api;
  }

  /** Deletes an inactive API with its policy and actions. */
  deleteApi(id: string, forceDelete: boolean): void {
    const api = this.#api(id);
    if (api.isActive) {
      throw new WmError(
        400,
        `API ${api.apiName} is active. Deactivate the API before deleting it.`,
      );
    }
    const registered = [...this.applications.values()].filter((app) => app.apiIds.includes(id));
    if (registered.length > 0 && !forceDelete) {
      throw new WmError(
        400,
        `API ${api.apiName} is registered with applications ${
          registered.map((app) => app.name).join(", ")
        }; use forceDelete=true`,
      );
    }
    for (const app of registered) app.apiIds = app.apiIds.filter((apiId) => apiId !== id);
    const policy = this.policies.get(api.policyId);
    if (policy) {
      for (const actionId of enforcedIds(policy)) this.actions.delete(actionId);
      this.policies.delete(policy.id);
    }
    this.apis.delete(id);
  }

  /** Activates (`true`) or deactivates an API. */
  setApiActive(id: string, active: boolean): StoredApi {
    const api = this.#api(id);
    if (api.isActive === active) {
      throw new WmError(
        400,
        `API ${api.apiName} is already ${active ? "activated" : "deactivated"}.`,
      );
    }
    if (active && enabledOperations(api.apiDefinition).length === 0) {
      throw new WmError(
        400,
        `API ${api.apiName} cannot be activated: no resources or operations are enabled.`,
      );
    }
    api.isActive = active;
    return api;
  }

  /** An API by id, or a 404. */
  api(id: string): StoredApi {
    return this.#api(id);
  }

  #api(id: string): StoredApi {
    const api = this.apis.get(id);
    if (!api) throw notFound(id);
    return api;
  }

  #checkUnique(apiName: string, apiVersion: string, except?: string): void {
    for (const other of this.apis.values()) {
      if (other.id !== except && other.apiName === apiName && other.apiVersion === apiVersion) {
        throw new WmError(
          409,
          `API with name ${apiName} and version ${apiVersion} already exists.`,
        );
      }
    }
  }

  #readApiInput(
    body: Json,
  ): Omit<StoredApi, "id" | "isActive" | "policyId" | "creationDate" | "systemVersion"> {
    for (const field of ["apiName", "type"]) {
      if (typeof body[field] !== "string" || body[field] === "") {
        throw new WmError(400, `Mandatory field ${field} is missing in the input request body`);
      }
    }
    if (body.url !== undefined) {
      throw new WmError(
        400,
        "The emulator imports inline definitions only (apiDefinition), not url",
      );
    }
    const definition = body.apiDefinition;
    if (definition === null || typeof definition !== "object" || Array.isArray(definition)) {
      throw new WmError(400, "Mandatory field apiDefinition is missing in the input request body");
    }
    const type = String(body.type).toLowerCase();
    const stored = importDefinition(type, definition as Json);
    const info = (definition as Json).info as Json | undefined;
    return {
      apiName: String(body.apiName),
      apiVersion: typeof body.apiVersion === "string" && body.apiVersion !== ""
        ? body.apiVersion
        : String(info?.version ?? "1.0"),
      apiDescription: typeof body.apiDescription === "string"
        ? body.apiDescription
        : String(info?.description ?? ""),
      apiDefinition: stored,
      nativeEndpoint: nativeEndpoints(stored),
    };
  }

  #createApiPolicy(api: StoredApi): void {
    const transport = this.#newAction("entryProtocolPolicy", "Enable HTTP / HTTPS", [
      { templateKey: "protocol", values: ["http", "https"] },
    ]);
    const routing = this.#newAction("straightThroughRouting", "Straight Through Routing", [
      { templateKey: "endpointUri", values: [routingUri(api)] },
    ]);
    this.policies.set(api.policyId, {
      id: api.policyId,
      names: [{ value: `Default Policy for API ${api.apiName}`, locale: "English" }],
      descriptions: [],
      policyEnforcements: [
        {
          stageKey: "transport",
          enforcements: [{ enforcementObjectId: transport.id, order: null }],
        },
        { stageKey: "routing", enforcements: [{ enforcementObjectId: routing.id, order: null }] },
      ],
      policyScope: "SERVICE",
      global: false,
      active: false,
      systemPolicy: false,
    });
  }

  /** Keeps the default routing action pointing at the API's native endpoint. */
  #refreshRouting(api: StoredApi): void {
    const policy = this.policies.get(api.policyId);
    for (const id of policy ? enforcedIds(policy) : []) {
      const action = this.actions.get(id);
      if (action?.templateKey === "straightThroughRouting") {
        action.parameters = [{ templateKey: "endpointUri", values: [routingUri(api)] }];
      }
    }
  }

  #newAction(templateKey: string, name: string, parameters: Json[]): StoredAction {
    const action: StoredAction = {
      id: crypto.randomUUID(),
      names: [{ value: name, locale: "en" }],
      descriptions: [],
      templateKey,
      parameters,
      active: false,
    };
    this.actions.set(action.id, action);
    return action;
  }

  // -------------------------------------------------------------------------------------------
  // Policies
  // -------------------------------------------------------------------------------------------

  /** Creates a policy from `{"policy": {...}}` (global policies, templates). */
  createPolicy(body: Json): StoredPolicy {
    const input = wrapped(body, "policy");
    const policy: StoredPolicy = {
      id: crypto.randomUUID(),
      names: localized(input.names),
      descriptions: localized(input.descriptions),
      scope: scopeOf(input.scope),
      policyEnforcements: this.#readEnforcements(input.policyEnforcements),
      policyScope: typeof input.policyScope === "string"
        ? input.policyScope.toUpperCase()
        : "TEMPLATE",
      global: input.global === true,
      active: false,
      systemPolicy: false,
    };
    this.#checkGlobalScope(policy);
    this.policies.set(policy.id, policy);
    return policy;
  }

  /** Replaces a policy's names, descriptions, scope and enforcements. */
  updatePolicy(id: string, body: Json): StoredPolicy {
    const policy = this.#policy(id);
    const input = wrapped(body, "policy");
    const next: StoredPolicy = {
      ...policy,
      names: input.names === undefined ? policy.names : localized(input.names),
      descriptions: input.descriptions === undefined
        ? policy.descriptions
        : localized(input.descriptions),
      scope: input.scope === undefined ? policy.scope : scopeOf(input.scope),
      policyEnforcements: input.policyEnforcements === undefined
        ? policy.policyEnforcements
        : this.#readEnforcements(input.policyEnforcements),
    };
    this.#checkGlobalScope(next);
    if (next.policyScope === "SERVICE") this.#checkApiPolicy(next);
    this.policies.set(id, next);
    return next;
  }

  /** Deletes a policy and its actions. */
  deletePolicy(id: string): void {
    const policy = this.#policy(id);
    const owner = [...this.apis.values()].find((api) => api.policyId === id);
    if (owner) {
      throw new WmError(
        400,
        `Policy ${id} is the policy of API ${owner.apiName} and cannot be deleted`,
      );
    }
    if (policy.global && policy.active) {
      throw new WmError(
        500,
        `Policy [${
          name(policy.names)
        }] is in active state, hence cannot be deleted. Please deactivate the policy to delete`,
      );
    }
    for (const actionId of enforcedIds(policy)) this.actions.delete(actionId);
    this.policies.delete(id);
  }

  /** Activates or deactivates a global policy. */
  setPolicyActive(id: string, active: boolean): StoredPolicy {
    const policy = this.#policy(id);
    if (!policy.global) {
      throw new WmError(
        400,
        `Policy [${name(policy.names)}] is not a global policy. Cannot be activated/deactivated.`,
      );
    }
    if (policy.active === active) {
      throw new WmError(
        400,
        `Policy [${name(policy.names)}] is already ${active ? "active" : "inactive"}.`,
      );
    }
    policy.active = active;
    return policy;
  }

  /** A policy by id, or a 404. */
  policy(id: string): StoredPolicy {
    return this.#policy(id);
  }

  #policy(id: string): StoredPolicy {
    const policy = this.policies.get(id);
    if (!policy) throw notFound(id);
    return policy;
  }

  #readEnforcements(value: unknown): StoredPolicy["policyEnforcements"] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw invalidPayload();
    return value.map((stage) => {
      if (stage === null || typeof stage !== "object" || typeof stage.stageKey !== "string") {
        throw invalidPayload();
      }
      const enforcements = Array.isArray(stage.enforcements) ? stage.enforcements : [];
      for (const enforcement of enforcements) {
        const actionId = enforcement?.enforcementObjectId;
        if (typeof actionId !== "string" || !this.actions.has(actionId)) {
          throw notFound(String(actionId));
        }
      }
      return {
        stageKey: stage.stageKey,
        enforcements: enforcements.map((e: Json) => ({
          enforcementObjectId: e.enforcementObjectId,
          order: e.order === undefined ? null : e.order,
        })),
      };
    });
  }

  #checkGlobalScope(policy: StoredPolicy): void {
    const types = (policy.scope?.applicableAPITypes ?? []) as unknown[];
    if (policy.global && enforcedIds(policy).length > 0 && types.length === 0) {
      throw new WmError(
        400,
        "With out Setting scope, policy actions cannot be added. Please select the applicable Service Type in scope before adding Policy Action.",
      );
    }
  }

  /** The conflicts webMethods reports for an API's policy (PolicyManagement collection). */
  #checkApiPolicy(policy: StoredPolicy): void {
    const api = [...this.apis.values()].find((candidate) => candidate.policyId === policy.id);
    const templates = enforcedIds(policy).map((id) => this.actions.get(id)?.templateKey);
    const identifies = templates.filter((template) => template === IDENTIFY).length;
    const apiName = api?.apiName ?? policy.id;
    if (identifies > 1) {
      throw conflict(
        apiName,
        "An API can be associated with only one policy action with template id Identify & Authorize Application",
        { errorType: "occurence", allowedOccurence: "once", templateId: IDENTIFY },
      );
    }
    if (templates.includes(THROTTLE) && identifies === 0) {
      throw conflict(
        apiName,
        "Policy action Throttling Traffic Optimization is dependent to policy action(s) [Identify & Authorize Application]",
        { errorType: "occurence", missingDependency: [IDENTIFY], templateId: THROTTLE },
      );
    }
  }

  // -------------------------------------------------------------------------------------------
  // Policy actions
  // -------------------------------------------------------------------------------------------

  /** Creates an action from `{"policyAction": {...}}`. */
  createAction(body: Json): StoredAction {
    const input = wrapped(body, "policyAction");
    const action = this.#readAction(input, crypto.randomUUID());
    this.actions.set(action.id, action);
    return action;
  }

  /** Replaces an action; an unknown id is a 500, as the Swagger example shows. */
  updateAction(id: string, body: Json): StoredAction {
    if (!this.actions.has(id)) {
      throw new WmError(
        500,
        `Unable to process the PUT request for APIs. An error occurred while processing the payload. Error message:\n Unable to find the resource: ${id}`,
      );
    }
    const action = this.#readAction(wrapped(body, "policyAction"), id);
    this.actions.set(id, action);
    return action;
  }

  /** Deletes an action that no policy enforces. */
  deleteAction(id: string): void {
    if (!this.actions.has(id)) throw notFound(id);
    const user = [...this.policies.values()].find((policy) => enforcedIds(policy).includes(id));
    if (user) {
      throw new WmError(
        400,
        `Policy action ${id} is enforced by policy [${
          name(user.names)
        }]; remove it from the policy first`,
      );
    }
    this.actions.delete(id);
  }

  /** An action by id, or a 404. */
  action(id: string): StoredAction {
    const action = this.actions.get(id);
    if (!action) throw notFound(id);
    return action;
  }

  #readAction(input: Json, id: string): StoredAction {
    const template = typeof input.templateKey === "string"
      ? TEMPLATES[input.templateKey]
      : undefined;
    const parameters = input.parameters ?? [];
    if (!template || !Array.isArray(parameters) || !parameters.every(isParameter)) {
      throw invalidPayload();
    }
    const keys = new Set(parameters.map((parameter: Json) => parameter.templateKey));
    if (template.required.some((key) => !keys.has(key))) throw invalidPayload();
    if (input.templateKey === THROTTLE) {
      const unit = parameters.find((parameter: Json) =>
        parameter.templateKey === "alertIntervalUnit"
      );
      if (!INTERVAL_UNITS.includes(String((unit?.values as string[] | undefined)?.[0]))) {
        throw invalidPayload();
      }
    }
    return {
      id,
      names: localized(input.names),
      descriptions: localized(input.descriptions),
      templateKey: String(input.templateKey),
      parameters: structuredClone(parameters),
      active: input.active === true,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Applications
  // -------------------------------------------------------------------------------------------

  /** Creates an application; webMethods generates its API key. */
  createApplication(body: Json): StoredApplication {
    if (typeof body.name !== "string" || body.name === "") {
      throw new WmError(400, "Mandatory field name is missing in the input request body");
    }
    const now = gmt(this.#now());
    const app: StoredApplication = {
      id: crypto.randomUUID(),
      name: body.name,
      description: typeof body.description === "string" ? body.description : null,
      version: typeof body.version === "string" ? body.version : "1.0",
      identifiers: readIdentifiers(body.identifiers),
      contactEmails: strings(body.contactEmails),
      siteURLs: strings(body.siteURLs),
      jsOrigins: strings(body.jsOrigins),
      authStrategyIds: strings(body.authStrategyIds),
      created: now,
      lastupdated: null,
      apiKey: crypto.randomUUID().replaceAll("-", "") + crypto.randomUUID().replaceAll("-", ""),
      apiIds: [],
    };
    this.applications.set(app.id, app);
    return app;
  }

  /** Updates an application's basic information and identifiers (not its keys, not its APIs). */
  updateApplication(id: string, body: Json): StoredApplication {
    const app = this.applications.get(id);
    if (!app) throw new WmError(400, `Application with id ${id} does not exist.`);
    if (typeof body.name === "string" && body.name !== "") app.name = body.name;
    if (body.description !== undefined) {
      app.description = typeof body.description === "string" ? body.description : null;
    }
    if (typeof body.version === "string") app.version = body.version;
    if (body.identifiers !== undefined) app.identifiers = readIdentifiers(body.identifiers);
    for (const field of ["contactEmails", "siteURLs", "jsOrigins", "authStrategyIds"] as const) {
      if (body[field] !== undefined) app[field] = strings(body[field]);
    }
    app.lastupdated = gmt(this.#now());
    return app;
  }

  /** Deletes an application. */
  deleteApplication(id: string): void {
    if (!this.applications.delete(id)) throw notFound(id);
  }

  /** Replaces the APIs an application is registered with. */
  registerApis(id: string, body: Json): StoredApplication {
    const app = this.applications.get(id);
    if (!app) throw new WmError(400, `Application with id ${id} does not exist.`);
    const ids = body.apiIDs;
    if (!Array.isArray(ids) || !ids.every((apiId) => typeof apiId === "string")) {
      throw new WmError(400, "Mandatory field apiIDs is missing in the input request body");
    }
    const unknown = ids.find((apiId) => !this.apis.has(apiId));
    if (unknown) throw new WmError(400, `Unable to find the resource: ${unknown}`);
    app.apiIds = [...new Set(ids as string[])];
    return app;
  }

  /** An application by id, or a 404. */
  application(id: string): StoredApplication {
    const app = this.applications.get(id);
    if (!app) throw notFound(id);
    return app;
  }
}

/** Ids of every action a policy enforces. */
export function enforcedIds(policy: StoredPolicy): string[] {
  return policy.policyEnforcements.flatMap((stage) =>
    stage.enforcements.map((enforcement) => String(enforcement.enforcementObjectId))
  );
}

/** `METHOD path` of the enabled operations of a stored definition. */
export function enabledOperations(definition: Json): string[] {
  const out: string[] = [];
  for (const [path, item] of Object.entries((definition.paths ?? {}) as Json)) {
    if (!isObject(item) || item.enabled === false) continue;
    for (const method of OPERATIONS) {
      const operation = item[method];
      if (isObject(operation) && operation.enabled !== false) {
        out.push(`${method.toUpperCase()} ${path}`);
      }
    }
  }
  return out;
}

/** Checks an imported definition the way the product does and returns its stored form. */
function importDefinition(type: string, definition: Json): Json {
  if (type === "openapi") {
    const version = String(definition.openapi ?? "");
    if (/^3\.1/.test(version)) {
      throw new WmError(
        400,
        `Unable to import the API definition: OpenAPI ${version} is not supported, use OpenAPI 3.0.x`,
      );
    }
    if (!/^3\.0/.test(version)) {
      throw new WmError(
        400,
        "Unable to import the API definition: it is not an OpenAPI 3.0 document",
      );
    }
  } else if (type === "swagger") {
    if (definition.swagger !== "2.0") {
      throw new WmError(
        400,
        "Unable to import the API definition: it is not a Swagger 2.0 document",
      );
    }
  } else {
    throw new WmError(400, `The emulator imports openapi and swagger definitions, not ${type}`);
  }
  if (definition.externalDocs !== undefined && !Array.isArray(definition.externalDocs)) {
    throw new WmError(
      400,
      "Unable to import the API definition: Cannot deserialize value of type `java.util.ArrayList<ExternalDocs>` from Object value (externalDocs)",
    );
  }
  const schemes = isObject(definition.components)
    ? definition.components.securitySchemes
    : undefined;
  for (const [schemeName, scheme] of Object.entries(isObject(schemes) ? schemes : {})) {
    if (!isObject(scheme)) continue;
    const badType = scheme.type !== undefined && !SECURITY_TYPES.includes(String(scheme.type));
    const badIn = scheme.in !== undefined && !SECURITY_IN.includes(String(scheme.in));
    if (badType || badIn) {
      throw new WmError(
        400,
        `Unable to import the API definition: security scheme ${schemeName} has an invalid ${
          badType ? `type ${String(scheme.type)}` : `in ${String(scheme.in)}`
        }`,
      );
    }
  }
  for (const [path, item] of Object.entries(isObject(definition.paths) ? definition.paths : {})) {
    if (!isObject(item)) continue;
    for (const method of OPERATIONS) {
      const responses = isObject(item[method]) ? (item[method] as Json).responses : undefined;
      for (const response of Object.values(isObject(responses) ? responses : {})) {
        if (responseSchemaHasRef(response)) {
          throw new WmError(
            400,
            `Unable to import the API definition: ${method.toUpperCase()} ${path}: io.swagger.models.properties.RefProperty cannot be cast to the response model`,
          );
        }
      }
    }
  }
  const stored = structuredClone(definition);
  stored.type = "rest";
  const paths = isObject(stored.paths) ? stored.paths : {};
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue;
    item.enabled ??= true;
    for (const method of OPERATIONS) {
      if (isObject(item[method])) (item[method] as Json).enabled ??= true;
    }
  }
  stored.paths = paths;
  stored.externalDocs ??= [];
  return stored;
}

function responseSchemaHasRef(response: unknown): boolean {
  if (!isObject(response)) return false;
  const schemas = [
    response.schema,
    ...Object.values(isObject(response.content) ? response.content : {})
      .map((media) => isObject(media) ? media.schema : undefined),
  ];
  return schemas.some((schema) =>
    schema !== undefined && JSON.stringify(schema).includes('"$ref"')
  );
}

function nativeEndpoints(definition: Json): Json[] {
  let uri: string | undefined;
  if (Array.isArray(definition.servers) && isObject(definition.servers[0])) {
    uri = String(definition.servers[0].url);
  } else if (typeof definition.host === "string") {
    const scheme = Array.isArray(definition.schemes) ? definition.schemes[0] : "http";
    uri = `${scheme}://${definition.host}${definition.basePath ?? ""}`;
  }
  return uri === undefined
    ? []
    : [{ passSecurityHeaders: true, uri, connectionTimeoutDuration: 0, alias: false }];
}

function routingUri(api: Pick<StoredApi, "nativeEndpoint">): string {
  return `${String(api.nativeEndpoint[0]?.uri ?? "")}/\${sys:resource_path}`;
}

function readIdentifiers(value: unknown): Json[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new WmError(400, "identifiers must be a list");
  return value.map((identifier) => {
    if (!isObject(identifier) || typeof identifier.key !== "string") {
      throw new WmError(400, "Every identifier needs a key");
    }
    return {
      id: typeof identifier.id === "string" ? identifier.id : crypto.randomUUID(),
      name: typeof identifier.name === "string" ? identifier.name : identifier.key,
      key: identifier.key,
      value: strings(identifier.value),
    };
  });
}

function isParameter(value: unknown): boolean {
  if (!isObject(value) || typeof value.templateKey !== "string") return false;
  if (value.values !== undefined && value.values !== null) {
    if (!Array.isArray(value.values) || !value.values.every((item) => typeof item === "string")) {
      return false;
    }
  }
  if (value.parameters !== undefined && value.parameters !== null) {
    if (!Array.isArray(value.parameters) || !value.parameters.every(isParameter)) return false;
  }
  return true;
}

function wrapped(body: Json, key: string): Json {
  const inner = body[key];
  if (!isObject(inner)) throw invalidPayload();
  return inner;
}

function localized(value: unknown): Localized[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isObject).map((entry) => ({
    value: String(entry.value ?? ""),
    locale: String(entry.locale ?? "en"),
  }));
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
}

/** A policy scope as the product answers it (with its computed `result`). */
function scopeOf(value: unknown): Json | undefined {
  return isObject(value) ? { ...structuredClone(value), result: value.result ?? {} } : undefined;
}

function name(names: readonly Localized[]): string {
  return names[0]?.value ?? "";
}

function invalidPayload(): WmError {
  return new WmError(
    400,
    "Unable to create the resource. Error in processing the payload null. Error Message . Check the correctness of key and payload.",
  );
}

function notFound(id: string): WmError {
  return new WmError(404, `Unable to find the resource: ${id}`);
}

function conflict(apiName: string, message: string, error: Json): WmError {
  return new WmError(500, `Conflict between policies for API - ${apiName} -  ${message}`, {
    reason: [{
      apiName,
      apiType: "REST",
      errorOnResource: [{ error, errorMessage: ` ${message}` }],
    }],
  });
}

/** `2018-09-03 11:56:21 GMT`, the product's date format. */
function gmt(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace("T", " ")} GMT`;
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
