/**
 * An in-process emulator of the webMethods API Gateway REST API (`/rest/apigateway`, 10.15 and
 * 11.0), for tests, benchmarks and the demo.
 *
 * It serves health and server information, APIs (list with `from`/`size`, nested or flat
 * entries, details, import of OpenAPI/Swagger definitions, activation, deletion), policies (API
 * policies and global policies), policy actions and applications (with registered APIs), behind
 * HTTP Basic authentication, with the product's envelopes (`{"apiResponse": …}`,
 * `{"policy": …}`, `{"policyAction": …}`, `{"applications": […]}`) and its rules (see
 * `webmethods_emulator_store.ts`). `webmethods_emulator_test.ts` checks it against the official
 * Swagger files and Postman collections.
 *
 * @example
 * ```ts
 * const wm = new WebMethodsEmulator({ version: "11.0" });
 * wm.realisticSeed();
 * const url = await wm.start();            // or pass `wm.fetch` as a fetch implementation
 * // … Basic Administrator:manage …
 * await wm.stop();
 * ```
 *
 * @module
 */

import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { GatewayEmulator, parseRecordedBody, type ReceivedRequest } from "./emulator_http.ts";
import {
  type StoredAction,
  type StoredApi,
  type StoredApplication,
  type StoredPolicy,
  WebMethodsStore,
  WmError,
} from "./webmethods_emulator_store.ts";
import { seedApis, type SeedOptions, seedRealistic } from "./webmethods_emulator_seed.ts";

export { WebMethodsStore, WmError } from "./webmethods_emulator_store.ts";
export type {
  StoredAction,
  StoredApi,
  StoredApplication,
  StoredPolicy,
} from "./webmethods_emulator_store.ts";
export type { SeedOptions } from "./webmethods_emulator_seed.ts";
export type { RecordedRequest } from "./emulator_http.ts";

/** Product lines the emulator answers as. */
export type WebMethodsVersion = "10.15" | "11.0";

/** Options of {@linkcode WebMethodsEmulator}. */
export interface WebMethodsEmulatorOptions {
  /** Product line (default `10.15`); `GET /is/serverinfo` reports `<line>.0.0.0`. */
  readonly version?: WebMethodsVersion;
  /** Administrator user (default `Administrator`). */
  readonly user?: string;
  /** Its password (default `manage`). */
  readonly password?: string;
  /** Delay before every answer, in milliseconds. */
  readonly latencyMs?: number;
  /** `nested` (default): list entries `{"api": {…}, "responseStatus"}`; `flat`: bare APIs. */
  readonly listShape?: "nested" | "flat";
  /** `nested` (default): `{"apiResponse": {"api": {…}}}`; `flat`: `{"apiResponse": {…}}`. */
  readonly detailShape?: "nested" | "flat";
  /** Answer every API on every `GET /apis`, ignoring `from`/`size` (a misbehaving gateway). */
  readonly ignorePaging?: boolean;
  /** Clock for creation dates. */
  readonly now?: () => Date;
}

type Json = Record<string, unknown>;

const BASE = "/rest/apigateway";

/** The webMethods API Gateway emulator. See the module documentation. */
export class WebMethodsEmulator extends GatewayEmulator {
  /** The database, for seeding and inspection. */
  store: WebMethodsStore;

  readonly #options: WebMethodsEmulatorOptions;
  readonly #app: Hono;

  /** Creates an emulator with an empty gateway. */
  constructor(options: WebMethodsEmulatorOptions = {}) {
    super({ name: "WebMethodsEmulator", latencyMs: options.latencyMs, onAbort: "resolve" });
    this.#options = options;
    this.store = new WebMethodsStore({ now: options.now });
    this.#app = this.#routes();
  }

  /** The product version `GET /is/serverinfo` reports, e.g. `10.15.0.0.0`. */
  get version(): string {
    return `${this.#options.version ?? "10.15"}.0.0.0`;
  }

  /** Empties the gateway, the request log, the counters and pending failures. */
  override reset(): void {
    this.store = new WebMethodsStore({ now: this.#options.now });
    super.reset();
  }

  /** Bulk-creates APIs (see {@linkcode SeedOptions}); returns them in creation order. */
  seed(options: SeedOptions): StoredApi[] {
    return seedApis(this.store, options);
  }

  /** Creates the small realistic gateway of the demo; returns its APIs by name. */
  realisticSeed(): Record<string, StoredApi> {
    return seedRealistic(this.store);
  }

  /** The product's 500 body. */
  protected override defaultFailureBody(): unknown {
    return { errorDetails: " Internal server error" };
  }

  /** Authenticates, then routes. */
  protected override async answer(
    { request, url, text, recorded }: ReceivedRequest,
  ): Promise<Response> {
    const open = request.method === "GET" && url.pathname.replace(/\/+$/, "") === `${BASE}/health`;
    if (!open && !this.#authorised(recorded.headers.authorization)) {
      return new Response(null, { status: 401 });
    }
    return await this.#app.fetch(
      new Request(request.url, {
        method: request.method,
        headers: request.headers,
        body: text || undefined,
      }),
    );
  }

  #authorised(header: string | undefined): boolean {
    const expected = `${this.#options.user ?? "Administrator"}:${
      this.#options.password ?? "manage"
    }`;
    if (!header?.startsWith("Basic ")) return false;
    try {
      return new TextDecoder().decode(
        Uint8Array.from(atob(header.slice(6)), (c) => c.charCodeAt(0)),
      ) === expected;
    } catch {
      return false;
    }
  }

  #routes(): Hono {
    const app = new Hono().basePath(BASE);
    const json = (c: Context, status: number, body: unknown) =>
      c.json(body as Json, status as ContentfulStatusCode);
    const read = async (c: Context): Promise<Json> => {
      const text = await c.req.text();
      if (text.trim() === "") return {};
      const parsed = parseRecordedBody(text);
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new WmError(
          400,
          "Unable to create the resource. Error in processing the payload null. Error Message . Check the correctness of key and payload.",
        );
      }
      return parsed as Json;
    };
    const store = () => this.store;
    const apiAnswer = (api: StoredApi) => this.#apiAnswer(api);

    app.get("/health", (c) => c.body(null, 200));
    app.get("/health/:kind", (c) => {
      const body = HEALTH[c.req.param("kind")];
      return body ? json(c, 200, body) : json(c, 404, notFoundBody(c.req.path));
    });
    app.get("/is/serverinfo", (c) => json(c, 200, serverInfo(this.version)));

    app.get("/apis", (c) => json(c, 200, this.#list(c.req.query())));
    app.post("/apis", async (c) => json(c, 200, apiAnswer(store().createApi(await read(c)))));
    app.delete("/apis", (c) => {
      const ids = (c.req.query("apiIds") ?? "").split(",").filter((id) => id !== "");
      if (ids.length === 0) throw new WmError(400, "Mandatory parameter apiIds is missing");
      const force = c.req.query("forceDelete") !== "false";
      const failures = ids.flatMap((id) => {
        const api = store().apis.get(id);
        try {
          store().deleteApi(id, force);
          return [];
        } catch (error) {
          if (!(error instanceof WmError)) throw error;
          return [{
            ...(api ? apiSummary(api) : {}),
            active: api?.isActive ?? false,
            apiId: id,
            errorReason: error.message,
            responseStatus: error.status === 404 ? "NOT_FOUND" : "ERROR",
          }];
        }
      });
      return failures.length === 0 ? c.body(null, 204) : json(c, 200, failures);
    });
    app.get("/apis/:id", (c) => json(c, 200, apiAnswer(store().api(c.req.param("id")))));
    app.put(
      "/apis/:id",
      async (c) => json(c, 200, apiAnswer(store().updateApi(c.req.param("id"), await read(c)))),
    );
    app.delete("/apis/:id", (c) => {
      store().deleteApi(c.req.param("id"), c.req.query("forceDelete") !== "false");
      return c.body(null, 204);
    });
    for (const [verb, active] of [["activate", true], ["deactivate", false]] as const) {
      app.put(
        `/apis/:id/${verb}`,
        (c) => json(c, 200, apiAnswer(store().setApiActive(c.req.param("id"), active))),
      );
      app.all(`/apis/:id/${verb}`, (c) => methodNotAllowed(c));
    }

    app.get("/policies", (c) => {
      const ids = c.req.query("policyIds")?.split(",");
      const type = c.req.query("policyType");
      const policies = [...store().policies.values()].filter((policy) =>
        (!ids || ids.includes(policy.id)) &&
        (type !== "global" || policy.global) &&
        (type !== "template" || policy.policyScope === "TEMPLATE")
      );
      return json(c, 200, { policy: policies.map(policyView) });
    });
    app.post(
      "/policies",
      async (c) => json(c, 201, { policy: policyView(store().createPolicy(await read(c))) }),
    );
    app.get(
      "/policies/:id",
      (c) => json(c, 200, { policy: policyView(store().policy(c.req.param("id"))) }),
    );
    app.put(
      "/policies/:id",
      async (c) =>
        json(c, 200, {
          policy: policyView(store().updatePolicy(c.req.param("id"), await read(c))),
        }),
    );
    app.delete("/policies/:id", (c) => {
      store().deletePolicy(c.req.param("id"));
      return c.body(null, 204);
    });
    for (const [verb, active] of [["activate", true], ["deactivate", false]] as const) {
      app.put(
        `/policies/:id/${verb}`,
        (c) =>
          json(c, 200, { policy: policyView(store().setPolicyActive(c.req.param("id"), active)) }),
      );
      app.all(`/policies/:id/${verb}`, (c) => methodNotAllowed(c));
    }

    app.get("/policyActions", (c) => {
      const ids = c.req.query("policyActionIds")?.split(",");
      const actions = [...store().actions.values()].filter((action) =>
        !ids || ids.includes(action.id)
      );
      return json(c, 200, { policyAction: actions.map(actionView) });
    });
    app.post(
      "/policyActions",
      async (c) => json(c, 201, { policyAction: actionView(store().createAction(await read(c))) }),
    );
    app.get(
      "/policyActions/:id",
      (c) => json(c, 200, { policyAction: actionView(store().action(c.req.param("id"))) }),
    );
    app.put("/policyActions/:id", async (c) =>
      json(c, 200, {
        policyAction: actionView(store().updateAction(c.req.param("id"), await read(c))),
      }));
    app.delete("/policyActions/:id", (c) => {
      store().deleteAction(c.req.param("id"));
      return c.body(null, 204);
    });

    app.get(
      "/applications",
      (c) =>
        json(c, 200, { applications: [...store().applications.values()].map(applicationView) }),
    );
    app.post(
      "/applications",
      async (c) => json(c, 200, applicationView(store().createApplication(await read(c)))),
    );
    app.get(
      "/applications/:id",
      (c) =>
        json(c, 200, { applications: [applicationView(store().application(c.req.param("id")))] }),
    );
    app.put(
      "/applications/:id",
      async (c) =>
        json(c, 200, applicationView(store().updateApplication(c.req.param("id"), await read(c)))),
    );
    app.delete("/applications/:id", (c) => {
      store().deleteApplication(c.req.param("id"));
      return c.body(null, 204);
    });
    app.get(
      "/applications/:id/apis",
      (c) => json(c, 200, { apiIDs: store().application(c.req.param("id")).apiIds }),
    );
    // The collection's saved answers: `{}` to POST, no body to PUT.
    app.post("/applications/:id/apis", async (c) => {
      store().registerApis(c.req.param("id"), await read(c));
      return json(c, 200, {});
    });
    app.put("/applications/:id/apis", async (c) => {
      store().registerApis(c.req.param("id"), await read(c));
      return c.body(null, 200);
    });

    for (
      const path of [
        "/apis",
        "/apis/:id",
        "/policies",
        "/policies/:id",
        "/policyActions",
        "/policyActions/:id",
        "/applications",
        "/applications/:id",
        "/applications/:id/apis",
      ]
    ) {
      app.all(path, (c) => methodNotAllowed(c));
    }
    app.notFound((c) => json(c, 404, notFoundBody(c.req.path)));
    app.onError((error, c) => {
      if (error instanceof WmError) return json(c, error.status, error.body);
      throw error;
    });
    return app;
  }

  #list(query: Record<string, string>): Json {
    let apis = [...this.store.apis.values()];
    const entries: Json[] = [];
    if (query.apiIds !== undefined) {
      const ids = query.apiIds.split(",").filter((id) => id !== "");
      for (const id of ids) {
        const api = this.store.apis.get(id);
        if (!api) entries.push({ responseStatus: "NOT_FOUND", apiId: id });
      }
      apis = apis.filter((api) => ids.includes(api.id));
    } else if (!this.#options.ignorePaging) {
      const from = Math.max(0, Number(query.from ?? 0) || 0);
      const size = query.size === undefined ? -1 : Number(query.size);
      apis = size < 0 ? apis.slice(from) : apis.slice(from, from + size);
    }
    const flat = this.#options.listShape === "flat";
    return {
      apiResponse: [
        ...apis.map((api) =>
          flat
            ? { ...apiSummary(api), responseStatus: "SUCCESS" }
            : { api: apiSummary(api), responseStatus: "SUCCESS" }
        ),
        ...entries,
      ],
    };
  }

  #apiAnswer(api: StoredApi): Json {
    const versions = [...this.store.apis.values()]
      .filter((other) => other.apiName === api.apiName)
      .map((other) => ({ versionNumber: other.apiVersion, apiId: other.id }));
    const full = apiFull(api);
    return this.#options.detailShape === "flat"
      ? { apiResponse: { ...full, responseStatus: "SUCCESS", versions } }
      : { apiResponse: { api: full, responseStatus: "SUCCESS", versions } };
  }
}

const HEALTH: Readonly<Record<string, Json>> = {
  engine: {
    status: "green",
    elasticsearch: { cluster_name: "SAG_EventDataStore", status: "green" },
    is: {
      status: "green",
      response_time_ms: "3",
      diskspace: { status: "up" },
      memory: { status: "up", freemem: "501744736" },
    },
    terracotta: { status: "green", nodes: "1", healthy_nodes: "1", response_time_ms: "2" },
  },
  admin: {
    status: "green",
    ui: { status: "green", response_time_ms: "10" },
    kibana: { status: { overall: { state: "green" } }, response_time_ms: "11" },
  },
  all: { status: "green" },
  externalServices: { status: "green" },
};

function serverInfo(version: string): Json {
  return {
    version,
    build: "1",
    description: "webMethods Integration Server",
    jvm_version: "17.0.9",
    publisher: "Software AG",
    package: "WmAPIGateway",
    time: { current: new Date().toISOString() },
    message: "",
    code: "0",
    services: [],
    startupServices: [],
    shutdownServices: [],
    allSvcsMinusStarts: [],
    allSvcsMinusShuts: [],
    loadok: "true",
    loaderr: "",
    loadwarning: "",
    patch_nums: {},
    listACL: "Administrators",
    systemInfo: { "Hostname": "wm-emulator", "OS.Name": "Linux", "CPU.cores": "4" },
    LicenseDetails: [{
      productInformation: {
        "Product Name": "webMethods API Gateway",
        "Product Version": version,
        "Product Code": "YAIAA",
      },
      integrationServer: { "Product Code": "PIEAA", "Product Version": version },
    }],
  };
}

function apiSummary(api: StoredApi): Json {
  return {
    apiName: api.apiName,
    apiVersion: api.apiVersion,
    apiDescription: api.apiDescription,
    isActive: api.isActive,
    type: "REST",
    publishedPortals: [],
    systemVersion: api.systemVersion,
    id: api.id,
  };
}

function apiFull(api: StoredApi): Json {
  return {
    apiDefinition: structuredClone(api.apiDefinition),
    nativeEndpoint: structuredClone(api.nativeEndpoint),
    apiName: api.apiName,
    apiVersion: api.apiVersion,
    apiDescription: api.apiDescription,
    maturityState: "Beta",
    isActive: api.isActive,
    type: "REST",
    owner: "Administrator",
    policies: [api.policyId],
    scopes: [],
    publishedPortals: [],
    creationDate: api.creationDate,
    systemVersion: api.systemVersion,
    id: api.id,
  };
}

/** Stored policies and actions already have the product's shape. */
function policyView(policy: StoredPolicy): Json {
  return structuredClone(policy) as unknown as Json;
}

function actionView(action: StoredAction): Json {
  return structuredClone(action) as unknown as Json;
}

function applicationView(app: StoredApplication): Json {
  return structuredClone({
    name: app.name,
    description: app.description,
    contactEmails: app.contactEmails,
    identifiers: app.identifiers,
    siteURLs: app.siteURLs,
    jsOrigins: app.jsOrigins,
    authStrategyIds: app.authStrategyIds,
    version: app.version,
    id: app.id,
    created: app.created,
    lastupdated: app.lastupdated,
    owner: "Administrator",
    consumingAPIs: app.apiIds,
    accessTokens: {
      apiAccessKey_credentials: {
        apiAccessKey: app.apiKey,
        expirationInterval: null,
        expirationDate: null,
        expired: false,
      },
      oauth_credentials: {
        clientID: null,
        clientSecret: null,
        clientName: null,
        scopes: null,
        token_lifetime: null,
        token_refresh_limit: null,
        redirect_uris: [],
        Type: "confidential",
      },
    },
  });
}

function methodNotAllowed(c: Context): Response {
  return c.json(
    { errorDetails: ` Method ${c.req.method} is not allowed on ${c.req.path}` },
    405,
  );
}

function notFoundBody(path: string): Json {
  return { errorDetails: ` Unable to find the resource: ${path}` };
}
