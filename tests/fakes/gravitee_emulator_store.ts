/**
 * The data of one Gravitee environment (APIs, plans, subscriptions, API keys, applications) with
 * the rules of APIM 4.12's services, read in `gravitee-apim-rest-api-service` (`v4/impl/
 * ApiServiceImpl`, `ApiStateServiceImpl`, `PlanServiceImpl`, the exception classes):
 *
 * - an API is `NEED_REDEPLOY` until `POST /deployments` publishes its current definition and
 *   non-staging plans (`isSynchronized` compares them with the last published event);
 * - deploying and starting need a published plan ("can not be deployed/started without at least
 *   one published plan"); the first start deploys; start/stop of an API already in that state is
 *   a 400; deleting needs a stopped API and closed plans (`closePlans=true` closes them);
 * - plans go STAGING → PUBLISHED → DEPRECATED → CLOSED with Gravitee's 400s for the other
 *   transitions, one published keyless plan per API;
 * - listener paths are stored with a trailing slash and must be unique in the environment;
 * - subscriptions need a published, non-keyless plan; OAuth2/JWT plans need an application with a
 *   `client_id`; manual plans give PENDING subscriptions, automatic ones ACCEPTED with an API key
 *   (custom when allowed); closing a subscription revokes its keys.
 *
 * @module
 */

import {
  apiNotFound,
  applicationNotFound,
  badRequest,
  type GraviteeApiError,
  planNotFound,
  subscriptionNotFound,
  unrecognizedProperty,
  validationError,
} from "./gravitee_emulator_errors.ts";

/** A JSON object as stored and answered. */
export type Json = Record<string, unknown>;

/** Validates a policy step configuration: problems, or `[]`/`undefined` when valid. */
export type PolicyValidator = (
  policy: string,
  configuration: unknown,
) => readonly string[] | undefined;

/** Options of {@linkcode GraviteeStore}. */
export interface GraviteeStoreOptions {
  /** Environment id (stored on APIs). */
  readonly environmentId: string;
  /** Policy ids the environment knows (steps with another policy are refused). */
  readonly policies: ReadonlySet<string>;
  /** Extra validation of step configurations (the tests pass the policies' schema-form). */
  readonly validatePolicy?: PolicyValidator;
  /** Whether subscriptions may bring their own API key (`plan.security.customApiKey.enabled`). */
  readonly customApiKeys: boolean;
  /** Clock. */
  readonly now: () => Date;
}

interface StoredApi {
  api: Json;
  /** Signature of the definition published by the last deployment. */
  deployed?: string;
}

interface StoredSubscription {
  subscription: Json;
  apiId: string;
  planId: string;
  applicationId: string;
  keys: Json[];
}

const CREATE_V4_FIELDS = new Set([
  "name",
  "apiVersion",
  "description",
  "visibility",
  "definitionVersion",
  "groups",
  "type",
  "tags",
  "listeners",
  "endpointGroups",
  "analytics",
  "failover",
  "flowExecution",
  "flows",
  "allowedInApiProducts",
]);
const UPDATE_GENERIC_FIELDS = [
  "name",
  "apiVersion",
  "description",
  "definitionVersion",
  "groups",
  "tags",
  "resources",
  "responseTemplates",
  "visibility",
  "categories",
  "labels",
  "lifecycleState",
  "disableMembershipNotifications",
  "properties",
];
const UPDATE_V4_FIELDS = new Set([
  ...UPDATE_GENERIC_FIELDS,
  "type",
  "listeners",
  "endpointGroups",
  "analytics",
  "failover",
  "flowExecution",
  "flows",
  "services",
  "allowedInApiProducts",
  "allowMultiJwtOauth2Subscriptions",
]);
const UPDATE_V2_FIELDS = new Set([
  ...UPDATE_GENERIC_FIELDS,
  "proxy",
  "flowMode",
  "flows",
  "services",
  "pathMappings",
  "executionMode",
]);
const CREATE_PLAN_FIELDS = new Set([
  "crossId",
  "characteristics",
  "commentMessage",
  "commentRequired",
  "definitionVersion",
  "description",
  "excludedGroups",
  "generalConditions",
  "name",
  "order",
  "security",
  "selectionRule",
  "tags",
  "validation",
  "flows",
  "mode",
]);
/** What a deployment publishes: the definition without its bookkeeping. */
const DEPLOYED_FIELDS = [
  "name",
  "apiVersion",
  "type",
  "listeners",
  "endpointGroups",
  "analytics",
  "failover",
  "flowExecution",
  "flows",
  "services",
  "properties",
  "resources",
  "responseTemplates",
  "proxy",
];
const SECURITY_TYPES = ["KEY_LESS", "API_KEY", "OAUTH2", "JWT", "MTLS"];
const LIVE = ["ACCEPTED", "PENDING", "PAUSED"];
const OWNER = { id: "0c5ba1ec-0000-4000-8000-00000000ad11", displayName: "admin", type: "USER" };

/** The stored data of one environment. */
export class GraviteeStore {
  readonly #options: GraviteeStoreOptions;
  readonly #apis = new Map<string, StoredApi>();
  readonly #plans = new Map<string, Json>();
  readonly #subscriptions = new Map<string, StoredSubscription>();
  readonly #applications = new Map<string, Json>();

  /** Creates an empty environment. */
  constructor(options: GraviteeStoreOptions) {
    this.#options = options;
  }

  // ------------------------------------------------------------------------------------------
  // APIs
  // ------------------------------------------------------------------------------------------

  /** Every API, sorted by name then id (Gravitee's list order). */
  listApis(): Json[] {
    return [...this.#apis.values()].map((stored) => stored.api)
      .sort((a, b) =>
        String(a.name).localeCompare(String(b.name)) || String(a.id).localeCompare(String(b.id))
      );
  }

  /** One API with its `deploymentState`. */
  getApi(id: string, withDeploymentState = true): Json {
    const stored = this.#stored(id);
    return withDeploymentState
      ? { ...stored.api, deploymentState: this.#deploymentState(id) }
      : stored.api;
  }

  /** `POST /apis` (`CreateApiV4`). */
  createApi(body: Json): Json {
    rejectUnknown(body, CREATE_V4_FIELDS);
    const problems: { message: string; location: string; invalidValue?: unknown }[] = [];
    for (const field of ["name", "apiVersion"]) {
      if (typeof body[field] !== "string" || body[field] === "") {
        problems.push({
          message: "must not be empty",
          location: `createApi.${field}`,
          invalidValue: body[field],
        });
      }
    }
    if (problems.length > 0) throw validationError(problems);
    if (body.definitionVersion !== "V4") {
      throw badRequest(
        `Definition version ${
          String(body.definitionVersion)
        } is not supported: only V4 APIs can be created`,
        "api.definition.version",
      );
    }
    if (typeof body.type !== "string") {
      throw validationError([{ message: "must not be null", location: "createApi.type" }]);
    }
    const now = this.#options.now().toISOString();
    const id = crypto.randomUUID();
    const api: Json = {
      id,
      crossId: crypto.randomUUID(),
      name: body.name,
      apiVersion: body.apiVersion,
      definitionVersion: "V4",
      type: body.type,
      description: body.description ?? "",
      listeners: this.#listeners(body.listeners, id),
      endpointGroups: checkEndpointGroups(body.endpointGroups),
      analytics: body.analytics ?? { enabled: true },
      flowExecution: body.flowExecution ?? { mode: "DEFAULT", matchRequired: false },
      flows: this.#flows(body.flows),
      createdAt: now,
      updatedAt: now,
      state: "STOPPED",
      lifecycleState: "CREATED",
      visibility: body.visibility ?? "PRIVATE",
      labels: [],
      tags: body.tags ?? [],
      groups: body.groups ?? [],
      categories: [],
      properties: [],
      resources: [],
      responseTemplates: {},
      disableMembershipNotifications: false,
      allowedInApiProducts: body.allowedInApiProducts ?? false,
      primaryOwner: OWNER,
      definitionContext: { origin: "MANAGEMENT", mode: "FULLY_MANAGED", syncFrom: "MANAGEMENT" },
      environmentId: this.#options.environmentId,
    };
    this.#apis.set(id, { api });
    return this.getApi(id);
  }

  /** Stores an API as is (seeding v2 and other definitions the Management API cannot create). */
  insertApi(api: Json): Json {
    const id = String(api.id ?? crypto.randomUUID());
    const now = this.#options.now().toISOString();
    const stored: Json = { createdAt: now, updatedAt: now, ...api, id };
    if (stored.definitionVersion === "V4" && Array.isArray(stored.listeners)) {
      stored.listeners = this.#listeners(stored.listeners, id);
    }
    this.#apis.set(id, { api: stored });
    return stored;
  }

  /** `PUT /apis/{id}` (`UpdateApiV2` / `UpdateApiV4`). */
  updateApi(id: string, body: Json): Json {
    const stored = this.#stored(id);
    const version = stored.api.definitionVersion;
    if (body.definitionVersion !== version || (version !== "V4" && version !== "V2")) {
      throw badRequest(`Api [${id}] is not valid.`, "api.invalid", { apiId: id });
    }
    rejectUnknown(body, version === "V4" ? UPDATE_V4_FIELDS : UPDATE_V2_FIELDS);
    const missing = [
      "name",
      "apiVersion",
      ...(version === "V4" ? ["type", "listeners", "endpointGroups"] : []),
    ]
      .filter((field) => body[field] === undefined || body[field] === "");
    if (missing.length > 0) {
      throw validationError(
        missing.map((field) => ({ message: "must not be null", location: `updateApi.${field}` })),
      );
    }
    const next: Json = { ...stored.api };
    for (const [key, value] of Object.entries(body)) {
      if (key === "labels" && value === undefined) continue;
      next[key] = value;
    }
    if (version === "V4") {
      next.listeners = this.#listeners(body.listeners, id);
      next.endpointGroups = checkEndpointGroups(body.endpointGroups);
      next.flows = this.#flows(body.flows);
    }
    next.updatedAt = this.#options.now().toISOString();
    stored.api = next;
    return this.getApi(id);
  }

  /** `DELETE /apis/{id}[?closePlans=true]`. */
  deleteApi(id: string, closePlans: boolean): void {
    const stored = this.#stored(id);
    if (stored.api.state === "STARTED") {
      throw badRequest(
        `API [${id}] is still running and must be stopped before being deleted !`,
        "api.running",
        { api: id },
      );
    }
    const plans = this.plansOf(id);
    if (closePlans) {
      for (const plan of plans) if (plan.status !== "CLOSED") this.closePlan(id, String(plan.id));
    } else {
      const open = plans.filter((plan) => plan.status === "PUBLISHED").map((plan) =>
        String(plan.name)
      );
      if (open.length > 0) {
        throw badRequest(
          `Plan(s) [${open.join(", ")}] must be closed before being able to delete the API !`,
          "api.notDeletable",
          { plans: open.join(", ") },
        );
      }
    }
    for (const plan of plans) this.#plans.delete(String(plan.id));
    for (const [subscriptionId, subscription] of this.#subscriptions) {
      if (subscription.apiId === id) this.#subscriptions.delete(subscriptionId);
    }
    this.#apis.delete(id);
  }

  /** `POST /apis/{id}/deployments`. */
  deploy(id: string): void {
    const stored = this.#stored(id);
    if (!this.#canDeploy(id)) {
      throw badRequest(
        `The api {${id}} can not be deployed without at least one published plan`,
        "api.NotDeployable",
      );
    }
    const now = this.#options.now().toISOString();
    stored.api = { ...stored.api, deployedAt: now, updatedAt: now };
    stored.deployed = this.#signature(id);
  }

  /** `POST /apis/{id}/_start` and `_stop`. */
  setState(id: string, action: "start" | "stop"): void {
    const stored = this.#stored(id);
    if (action === "start" && stored.api.state === "STARTED") {
      throw badRequest("API is already started");
    }
    if (action === "stop" && stored.api.state === "STOPPED") {
      throw badRequest("API is already stopped");
    }
    if (action === "start" && !this.#canDeploy(id)) {
      throw badRequest(
        `The API {${id}} can not be started without at least one published plan`,
        "api.NotDeployable",
      );
    }
    // The first start deploys the API (ApiStateServiceImpl.deployLastPublishedAPI).
    if (action === "start" && stored.deployed === undefined) this.deploy(id);
    stored.api = {
      ...stored.api,
      state: action === "start" ? "STARTED" : "STOPPED",
      updatedAt: this.#options.now().toISOString(),
    };
  }

  // ------------------------------------------------------------------------------------------
  // Plans
  // ------------------------------------------------------------------------------------------

  /** Every plan of an API, by order then creation. */
  plansOf(apiId: string): Json[] {
    return [...this.#plans.values()].filter((plan) => plan.apiId === apiId)
      .sort((a, b) =>
        Number(a.order) - Number(b.order) || String(a.createdAt).localeCompare(String(b.createdAt))
      );
  }

  /** One plan of an API. */
  getPlan(apiId: string, planId: string): Json {
    const plan = this.#plans.get(planId);
    if (!plan || plan.apiId !== apiId) throw planNotFound(planId);
    return plan;
  }

  /** `POST /apis/{id}/plans` (`CreatePlanV4`). */
  createPlan(apiId: string, body: Json): Json {
    const api = this.#stored(apiId).api;
    rejectUnknown(body, CREATE_PLAN_FIELDS);
    if (body.definitionVersion !== api.definitionVersion) {
      throw badRequest(
        `Plan definition version ${String(body.definitionVersion)} does not match the API's ${
          String(api.definitionVersion)
        }`,
        "plan.invalid",
      );
    }
    if (typeof body.name !== "string" || body.name === "") {
      throw validationError([{
        message: "must not be empty",
        location: "createApiPlan.name",
        invalidValue: body.name,
      }]);
    }
    const mode = body.mode ?? "STANDARD";
    const security = body.security as Json | undefined;
    if (mode === "STANDARD" && (!security || !SECURITY_TYPES.includes(String(security.type)))) {
      throw badRequest("Plan security type is required for a STANDARD plan", "plan.invalid");
    }
    const now = this.#options.now().toISOString();
    const id = crypto.randomUUID();
    const plan: Json = {
      id,
      crossId: crypto.randomUUID(),
      apiId,
      name: body.name,
      description: body.description ?? "",
      definitionVersion: api.definitionVersion,
      security: security
        ? { type: security.type, configuration: security.configuration ?? {} }
        : undefined,
      mode,
      type: "API",
      status: "STAGING",
      validation: security?.type === "KEY_LESS" ? "AUTO" : (body.validation ?? "MANUAL"),
      order: this.plansOf(apiId).length + 1,
      characteristics: body.characteristics ?? [],
      excludedGroups: body.excludedGroups ?? [],
      tags: body.tags ?? [],
      commentRequired: body.commentRequired ?? false,
      flows: this.#flows(body.flows),
      createdAt: now,
      updatedAt: now,
    };
    if (!plan.security) delete plan.security;
    this.#plans.set(id, plan);
    return plan;
  }

  /** `_publish`, `_deprecate`, `_close` of a plan (PlanServiceImpl's transitions). */
  transitionPlan(apiId: string, planId: string, action: "publish" | "deprecate" | "close"): Json {
    if (action === "close") return this.closePlan(apiId, planId);
    const plan = this.getPlan(apiId, planId);
    const status = plan.status;
    if (status === "CLOSED") {
      throw badRequest(`Plan ${planId} is already closed !`, "plan.closed", { plan: planId });
    }
    if (status === "DEPRECATED") {
      throw badRequest(`Plan ${planId} is already deprecated !`, "plan.deprecated", {
        plan: planId,
      });
    }
    const now = this.#options.now().toISOString();
    if (action === "publish") {
      if (status === "PUBLISHED") {
        throw badRequest(`Plan ${planId} is already published !`, "plan.published", {
          plan: planId,
        });
      }
      const keyless = (plan.security as Json | undefined)?.type === "KEY_LESS";
      if (
        keyless &&
        this.plansOf(apiId).some((other) =>
          (other.status === "PUBLISHED" || other.status === "DEPRECATED") &&
          (other.security as Json | undefined)?.type === "KEY_LESS"
        )
      ) {
        throw badRequest(
          "A key-less plan is already published (or has been deprecated)!",
          "plan.keyless.exists",
          { plan: planId },
        );
      }
      Object.assign(plan, { status: "PUBLISHED", publishedAt: now, updatedAt: now });
    } else {
      if (status === "STAGING") {
        throw badRequest(`Plan ${planId} is not yet published !`, "plan.notPublished", {
          plan: planId,
        });
      }
      Object.assign(plan, { status: "DEPRECATED", updatedAt: now });
    }
    return plan;
  }

  /** `_close`: the plan and its subscriptions are closed. */
  closePlan(apiId: string, planId: string): Json {
    const plan = this.getPlan(apiId, planId);
    if (plan.status === "CLOSED") {
      throw badRequest(`Plan ${planId} is already closed !`, "plan.closed", { plan: planId });
    }
    const now = this.#options.now().toISOString();
    Object.assign(plan, { status: "CLOSED", closedAt: now, updatedAt: now });
    for (const stored of this.#subscriptions.values()) {
      if (stored.planId === planId && LIVE.includes(String(stored.subscription.status))) {
        this.#close(stored);
      }
    }
    return plan;
  }

  /** `DELETE` of a plan. */
  deletePlan(apiId: string, planId: string): void {
    const plan = this.getPlan(apiId, planId);
    const live = [...this.#subscriptions.values()].some((stored) => stored.planId === planId);
    if (
      (plan.status === "PUBLISHED" || plan.status === "DEPRECATED") && live &&
      (plan.security as Json | undefined)?.type !== "KEY_LESS"
    ) {
      throw badRequest(
        "You can't delete a plan with existing subscriptions. Please close it instead.",
        "plan.notDeletable",
        { plan: planId },
      );
    }
    this.#plans.delete(planId);
  }

  // ------------------------------------------------------------------------------------------
  // Subscriptions and API keys
  // ------------------------------------------------------------------------------------------

  /** Subscriptions of an API, newest first. */
  subscriptionsOf(apiId: string): StoredSubscription[] {
    return [...this.#subscriptions.values()].filter((stored) => stored.apiId === apiId).reverse();
  }

  /** Subscriptions of an application (v1 listing). */
  subscriptionsOfApplication(applicationId: string): StoredSubscription[] {
    return [...this.#subscriptions.values()].filter((stored) =>
      stored.applicationId === applicationId
    );
  }

  /** One subscription of an API. */
  getSubscription(apiId: string, subscriptionId: string): StoredSubscription {
    const stored = this.#subscriptions.get(subscriptionId);
    if (!stored || stored.apiId !== apiId) throw subscriptionNotFound(subscriptionId);
    return stored;
  }

  /** `POST /apis/{id}/subscriptions` (`CreateSubscription`). */
  subscribe(apiId: string, body: Json): StoredSubscription {
    this.#stored(apiId);
    const problems = ["applicationId", "planId"].filter((field) => typeof body[field] !== "string")
      .map((field) => ({
        message: "must not be null",
        location: `createApiSubscription.${field}`,
      }));
    if (problems.length > 0) throw validationError(problems);
    const plan = this.getPlan(apiId, String(body.planId));
    const application = this.getApplication(String(body.applicationId));
    const planId = String(plan.id);
    const security = String((plan.security as Json | undefined)?.type ?? "");
    if (plan.status === "CLOSED") {
      throw badRequest(`Plan ${planId} is already closed !`, "plan.closed", { plan: planId });
    }
    if (plan.status !== "PUBLISHED") {
      throw badRequest(`Plan ${planId} is not yet published !`, "plan.notPublished", {
        plan: planId,
      });
    }
    if (security === "KEY_LESS") {
      // (approximated) PlanNotSubscribableException
      throw badRequest(
        `Plan [${planId}] is a key-less plan: it cannot be subscribed`,
        "plan.subscription.keyless",
        { plan: planId },
      );
    }
    if (
      (security === "OAUTH2" || security === "JWT") &&
      !((application.settings as Json)?.app as Json | undefined)?.client_id
    ) {
      // (approximated) ApplicationClientIdException
      throw badRequest(
        "An application must provide a client_id to subscribe to an OAuth2 or JWT plan",
        "application.clientId.required",
      );
    }
    if (
      [...this.#subscriptions.values()].some((stored) =>
        stored.planId === planId && stored.applicationId === application.id &&
        LIVE.includes(String(stored.subscription.status))
      )
    ) {
      // (approximated) PlanAlreadySubscribedException
      throw badRequest(
        `An active subscription already exists for plan [${planId}] and application [${application.id}]`,
        "plan.subscribed",
      );
    }
    const custom = body.customApiKey as string | undefined;
    if (custom !== undefined) this.#checkCustomKey(apiId, custom);
    const now = this.#options.now().toISOString();
    const manual = plan.validation === "MANUAL";
    const stored: StoredSubscription = {
      apiId,
      planId,
      applicationId: String(application.id),
      keys: [],
      subscription: {
        id: crypto.randomUUID(),
        api: { id: apiId },
        plan: { id: planId },
        application: { id: application.id },
        status: manual ? "PENDING" : "ACCEPTED",
        consumerStatus: "STARTED",
        metadata: body.metadata ?? {},
        subscribedBy: { id: OWNER.id, displayName: OWNER.displayName },
        origin: "MANAGEMENT",
        createdAt: now,
        updatedAt: now,
        ...(manual ? {} : { processedAt: now, startingAt: now }),
      },
    };
    if (!manual && security === "API_KEY") stored.keys.push(this.#newKey(stored, custom));
    this.#subscriptions.set(String(stored.subscription.id), stored);
    return stored;
  }

  /** `_accept` of a pending subscription (the API key is issued now). */
  acceptSubscription(apiId: string, subscriptionId: string, body: Json): StoredSubscription {
    const stored = this.getSubscription(apiId, subscriptionId);
    if (stored.subscription.status !== "PENDING") {
      throw badRequest(
        `Subscription [${subscriptionId}] is not in pending state`,
        "subscription.notPending",
      );
    }
    const custom = body.customApiKey as string | undefined;
    if (custom !== undefined) this.#checkCustomKey(apiId, custom);
    const now = this.#options.now().toISOString();
    Object.assign(stored.subscription, {
      status: "ACCEPTED",
      processedAt: now,
      startingAt: now,
      updatedAt: now,
    });
    const plan = this.getPlan(apiId, stored.planId);
    if ((plan.security as Json | undefined)?.type === "API_KEY") {
      stored.keys.push(this.#newKey(stored, custom));
    }
    return stored;
  }

  /** `_close` of a subscription. */
  closeSubscription(apiId: string, subscriptionId: string): StoredSubscription {
    const stored = this.getSubscription(apiId, subscriptionId);
    if (!LIVE.includes(String(stored.subscription.status))) {
      throw badRequest(
        `Subscription [${subscriptionId}] cannot be closed`,
        "subscription.notClosable",
      );
    }
    this.#close(stored);
    return stored;
  }

  /** `api-keys/_renew`: the active keys expire, a new one (custom when given) is issued. */
  renewApiKey(apiId: string, subscriptionId: string, body: Json): Json {
    const stored = this.getSubscription(apiId, subscriptionId);
    if (stored.subscription.status !== "ACCEPTED") {
      throw badRequest(
        `Subscription [${subscriptionId}] is not accepted: its API key cannot be renewed`,
        "subscription.notAccepted",
      );
    }
    const custom = body.customApiKey as string | undefined;
    if (custom !== undefined) this.#checkCustomKey(apiId, custom);
    const expireAt = new Date(this.#options.now().getTime() + 2 * 3600_000).toISOString();
    for (const key of stored.keys) if (!key.revoked && !key.expireAt) key.expireAt = expireAt;
    const key = this.#newKey(stored, custom);
    stored.keys.unshift(key);
    return key;
  }

  // ------------------------------------------------------------------------------------------
  // Applications (Management API v1)
  // ------------------------------------------------------------------------------------------

  /** Active applications, by name. */
  listApplications(): Json[] {
    return [...this.#applications.values()].filter((app) => app.status === "ACTIVE")
      .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  }

  /** One active application. */
  getApplication(id: string): Json {
    const application = this.#applications.get(id);
    if (!application || application.status !== "ACTIVE") throw applicationNotFound(id);
    return application;
  }

  /** `POST /applications` (`NewApplicationEntity`) and `PUT /applications/{id}`. */
  saveApplication(body: Json, id?: string): Json {
    const problems: { message: string; location: string }[] = [];
    if (typeof body.name !== "string" || body.name.trim() === "") {
      problems.push({ message: "Application's name must not be empty", location: "name" });
    }
    if (typeof body.description !== "string") {
      problems.push({
        message: "Application's description must not be null",
        location: "description",
      });
    }
    if (problems.length > 0) throw validationError(problems);
    const clientId = ((body.settings as Json | undefined)?.app as Json | undefined)?.client_id;
    if (typeof clientId === "string" && clientId !== "") {
      const taken = this.listApplications().find((app) =>
        app.id !== id && ((app.settings as Json)?.app as Json | undefined)?.client_id === clientId
      );
      // (approximated) ClientIdAlreadyExistsException
      if (taken) {
        throw badRequest(
          `An application already uses the client_id [${clientId}]`,
          "application.clientId.exists",
        );
      }
    }
    const now = this.#options.now().getTime();
    const existing = id ? this.getApplication(id) : undefined;
    const application: Json = {
      id: id ?? crypto.randomUUID(),
      name: body.name,
      description: body.description,
      type: "SIMPLE",
      status: "ACTIVE",
      api_key_mode: existing?.api_key_mode ?? "UNSPECIFIED",
      origin: "MANAGEMENT",
      settings: body.settings ?? { app: {} },
      owner: { id: OWNER.id, displayName: OWNER.displayName, type: OWNER.type },
      created_at: existing?.created_at ?? now,
      updated_at: now,
      disable_membership_notifications: false,
    };
    this.#applications.set(String(application.id), application);
    return application;
  }

  /** `DELETE /applications/{id}`: archived, its subscriptions closed. */
  deleteApplication(id: string): void {
    const application = this.getApplication(id);
    application.status = "ARCHIVED";
    for (const stored of this.#subscriptions.values()) {
      if (stored.applicationId === id && LIVE.includes(String(stored.subscription.status))) {
        this.#close(stored);
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Internals
  // ------------------------------------------------------------------------------------------

  #stored(id: string): StoredApi {
    const stored = this.#apis.get(id);
    if (!stored) throw apiNotFound(id);
    return stored;
  }

  #canDeploy(apiId: string): boolean {
    return this.plansOf(apiId).some((plan) =>
      plan.status === "PUBLISHED" || plan.status === "DEPRECATED"
    );
  }

  #signature(apiId: string): string {
    const api = this.#stored(apiId).api;
    const definition = Object.fromEntries(DEPLOYED_FIELDS.map((field) => [field, api[field]]));
    const plans = this.plansOf(apiId).filter((plan) => plan.status !== "STAGING")
      .map((plan) => [plan.id, plan.status, plan.security, plan.flows]);
    return JSON.stringify([definition, plans]);
  }

  #deploymentState(apiId: string): string {
    const stored = this.#stored(apiId);
    return stored.deployed !== undefined && stored.deployed === this.#signature(apiId)
      ? "DEPLOYED"
      : "NEED_REDEPLOY";
  }

  /** Listener paths are normalised (`/x` → `/x/`) and unique in the environment. */
  #listeners(value: unknown, apiId: string): Json[] {
    if (!Array.isArray(value) || value.length === 0) {
      throw validationError([{
        message: "must not be empty",
        location: "listeners",
        invalidValue: value,
      }]);
    }
    const taken = new Set<string>();
    for (const [id, stored] of this.#apis) {
      if (id === apiId) continue;
      for (const listener of (stored.api.listeners ?? []) as Json[]) {
        for (const path of (listener.paths ?? []) as Json[]) {
          taken.add(`${path.host ?? ""}${path.path}`);
        }
      }
    }
    return value.map((listener: Json) => {
      if (listener.type !== "HTTP") return listener;
      const paths = listener.paths as Json[] | undefined;
      if (!Array.isArray(paths) || paths.length === 0) {
        throw validationError([{
          message: "size must be between 1 and 2147483647",
          location: "listeners[0].paths",
        }]);
      }
      const normalised = paths.map((entry) => {
        const raw = String(entry.path ?? "/");
        if (!raw.startsWith("/")) {
          throw badRequest(`Path [${raw}] is invalid: it must start with '/'`, "api.invalid.path");
        }
        const path = `${raw.replace(/\/+/g, "/").replace(/\/$/, "")}/`;
        if (taken.has(`${entry.host ?? ""}${path}`)) {
          throw badRequest(`Path [${path}] already exists`, "api.invalid.path", { path });
        }
        return { ...entry, path, overrideAccess: entry.overrideAccess ?? false };
      });
      return {
        ...listener,
        paths: normalised,
        entrypoints: listener.entrypoints ?? [{ type: "http-proxy" }],
      };
    });
  }

  /** Flows get an id; their steps must use known policies with a valid configuration. */
  #flows(value: unknown): Json[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      throw validationError([{ message: "must be an array", location: "flows" }]);
    }
    return value.map((flow: Json) => {
      for (const phase of ["request", "response", "subscribe", "publish"]) {
        for (const step of (flow[phase] ?? []) as Json[]) {
          const policy = String(step.policy ?? "");
          if (!this.#options.policies.has(policy)) {
            // (approximated) PolicyNotFoundException
            throw badRequest(`Policy [${policy}] cannot be found.`, "policy.notFound", { policy });
          }
          const problems = this.#options.validatePolicy?.(policy, step.configuration ?? {});
          if (problems && problems.length > 0) {
            // (approximated) InvalidDataException from PolicyValidationDomainService
            throw badRequest(
              `Invalid configuration for policy ${policy}: ${problems.join("; ")}`,
              "policy.configuration.invalid",
            );
          }
        }
      }
      return { id: flow.id ?? crypto.randomUUID(), enabled: true, ...flow };
    });
  }

  #checkCustomKey(apiId: string, key: string): void {
    if (!this.#options.customApiKeys) {
      // (approximated) the custom API key parameter is refused when the environment does not allow it
      throw badRequest(
        "You are not allowed to provide a custom API Key",
        "apiKey.custom.notAllowed",
      );
    }
    const used = this.subscriptionsOf(apiId).some((stored) =>
      stored.keys.some((entry) => entry.key === key && !entry.revoked)
    );
    if (used) throw badRequest(`API Key [${key}] already exists`, "apiKey.exists");
  }

  #newKey(stored: StoredSubscription, custom?: string): Json {
    const now = this.#options.now().toISOString();
    return {
      id: crypto.randomUUID(),
      key: custom ?? crypto.randomUUID().replaceAll("-", ""),
      application: { id: stored.applicationId },
      subscriptions: [{ id: stored.subscription.id }],
      revoked: false,
      paused: false,
      expired: false,
      createdAt: now,
      updatedAt: now,
    };
  }

  #close(stored: StoredSubscription): void {
    const now = this.#options.now().toISOString();
    Object.assign(stored.subscription, { status: "CLOSED", closedAt: now, updatedAt: now });
    for (const key of stored.keys) {
      if (!key.revoked) Object.assign(key, { revoked: true, revokedAt: now, updatedAt: now });
    }
  }
}

/** Gravitee refuses unknown JSON properties of request bodies. */
function rejectUnknown(body: Json, allowed: ReadonlySet<string>): void {
  const unknown = Object.keys(body).find((key) => !allowed.has(key));
  if (unknown !== undefined) throw unrecognizedProperty(unknown);
}

function checkEndpointGroups(value: unknown): Json[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw validationError([{
      message: "must not be empty",
      location: "endpointGroups",
      invalidValue: value,
    }]);
  }
  for (const group of value as Json[]) {
    if (typeof group.type !== "string") {
      throw validationError([{ message: "must not be null", location: "endpointGroups[].type" }]);
    }
    for (const endpoint of (group.endpoints ?? []) as Json[]) {
      const target = (endpoint.configuration as Json | undefined)?.target;
      if (endpoint.type === "http-proxy" && endpoint.inheritConfiguration !== true) {
        try {
          new URL(String(target));
        } catch {
          // (approximated) EndpointConfigurationValidationException
          throw badRequest(
            `Invalid configuration for endpoint [${String(endpoint.name)}]: target must be a URL`,
            "endpoint.invalid",
          );
        }
      }
    }
  }
  return (value as Json[]).map((group) => ({
    loadBalancer: { type: "ROUND_ROBIN" },
    ...group,
    endpoints: ((group.endpoints ?? []) as Json[]).map((endpoint) => ({
      weight: 1,
      secondary: false,
      ...endpoint,
    })),
  }));
}

/** Re-exported for the HTTP layer. */
export type { GraviteeApiError, StoredSubscription };
