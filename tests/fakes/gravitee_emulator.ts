/**
 * An in-process emulator of the Gravitee APIM 4.12 Management API, for tests, benchmarks and the
 * demo: v2 organisation, environment and licence; APIs (list with Gravitee's `pagination` and
 * `links`, create, get, update, delete, `_start`, `_stop`, `deployments`), plans (list, create,
 * get, delete, `_publish`, `_deprecate`, `_close`), subscriptions and API keys; v1 applications
 * and their subscriptions. Every path is served below `/management/v2/organizations/{org}` and,
 * for the default organisation, below `/management/v2`. Basic or bearer authentication, error
 * envelopes of both API versions, failure injection and a request log. Checked against the
 * official OpenAPI files by `gravitee_emulator_test.ts`.
 *
 * @example
 * ```ts
 * const gravitee = new GraviteeEmulator();
 * gravitee.realisticSeed();
 * const url = await gravitee.start();   // or pass gravitee.fetch as the adapter's fetch
 * await gravitee.stop();
 * ```
 *
 * @module
 */

import { GatewayEmulator, type ReceivedRequest } from "./emulator_http.ts";
import {
  forbidden,
  GraviteeApiError,
  methodNotAllowed,
  pathNotFound,
  scopeNotFound,
  unsupportedMediaType,
  validationError,
} from "./gravitee_emulator_errors.ts";
import {
  GraviteeStore,
  type Json,
  type PolicyValidator,
  type StoredSubscription,
} from "./gravitee_emulator_store.ts";
import {
  seedApis,
  type SeedOptions,
  seedRealistic,
  type SeedSummary,
} from "./gravitee_emulator_seed.ts";

export type { Json, PolicyValidator } from "./gravitee_emulator_store.ts";
export type { SeedOptions, SeedSummary } from "./gravitee_emulator_seed.ts";
export type { FailOptions, RecordedRequest } from "./emulator_http.ts";

/** Policies of a default APIM 4.12 distribution that the emulator accepts in flows. */
export const GRAVITEE_POLICIES: readonly string[] = [
  "rate-limit",
  "quota",
  "spike-arrest",
  "ip-filtering",
  "jwt",
  "api-key",
  "oauth2",
  "keyless",
  "request-content-limit",
  "ssl-enforcement",
  "transform-headers",
  "cache",
  "mock",
];

/** Options of {@linkcode GraviteeEmulator}. */
export interface GraviteeEmulatorOptions {
  /** Organisation id (default `DEFAULT`). */
  readonly organization?: string;
  /** Environment ids (default `["DEFAULT"]`). */
  readonly environments?: readonly string[];
  /** Basic-auth users accepted (default `admin`/`admin`); `[]` with no token: no authentication. */
  readonly users?: readonly { readonly user: string; readonly password: string }[];
  /** A personal access token accepted as `Authorization: Bearer`. */
  readonly token?: string;
  /** Licence tier reported by `GET /organizations/{org}/license` (default `oss`). */
  readonly tier?: string;
  /** Whether subscriptions may bring their own API key (default true). */
  readonly customApiKeys?: boolean;
  /** Extra validation of policy configurations (tests pass the schema-form files). */
  readonly validatePolicy?: PolicyValidator;
  /** Delay before every answer, in milliseconds. */
  readonly latencyMs?: number;
  /** Clock. */
  readonly now?: () => Date;
}

type Handler = (context: RouteContext) => Response | Promise<Response>;

interface RouteContext {
  readonly store: GraviteeStore;
  readonly params: readonly string[];
  readonly url: URL;
  readonly body: () => Json;
}

interface Route {
  readonly pattern: RegExp;
  readonly methods: Readonly<Record<string, Handler>>;
}

const DEFAULT_PAGE = 1;
const DEFAULT_PER_PAGE = 10;
const ID = "([^/]+)";

/** The Gravitee Management API emulator. See the module documentation. */
export class GraviteeEmulator extends GatewayEmulator {
  readonly #options: GraviteeEmulatorOptions;
  readonly #organization: string;
  #stores = new Map<string, GraviteeStore>();
  readonly #v2Routes: readonly Route[];
  readonly #v1Routes: readonly Route[];

  /** Creates an emulator with empty environments. */
  constructor(options: GraviteeEmulatorOptions = {}) {
    super({ name: "GraviteeEmulator", latencyMs: options.latencyMs, onAbort: "reject" });
    this.#options = options;
    this.#organization = options.organization ?? "DEFAULT";
    this.#resetStores();
    this.#v2Routes = this.#buildV2Routes();
    this.#v1Routes = this.#buildV1Routes();
  }

  /** The data of an environment (default: the first one), for direct inspection and seeding. */
  store(environment?: string): GraviteeStore {
    const id = environment ?? this.#options.environments?.[0] ?? "DEFAULT";
    const store = this.#stores.get(id);
    if (!store) throw new Error(`unknown environment '${id}'`);
    return store;
  }

  /** Bulk-creates v4 proxy APIs with a published keyless plan each (see {@linkcode SeedOptions}). */
  seed(options: SeedOptions & { readonly environment?: string }): SeedSummary {
    return seedApis(this.store(options.environment), options);
  }

  /** Creates the small realistic environment of the demo; returns the API ids by name. */
  realisticSeed(options: { readonly environment?: string } = {}): Record<string, string> {
    return seedRealistic(this.store(options.environment));
  }

  /** Empties the environments, the log, the counters and pending failures. */
  override reset(): void {
    this.#resetStores();
    super.reset();
  }

  /** The product's 500 body. */
  protected override defaultFailureBody(status: number): unknown {
    return { httpStatus: status, message: "An unexpected error occurred" };
  }

  /** Authenticates, then routes. */
  protected override async answer({ request, url, text }: ReceivedRequest): Promise<Response> {
    if (!this.#authenticated(request.headers.get("authorization"))) {
      // TokenAuthenticationFilter / Spring Security: 401 without a body.
      return new Response(null, {
        status: 401,
        headers: { "www-authenticate": 'Basic realm="GRAVITEE.IO"' },
      });
    }
    const version = url.pathname.startsWith("/management/v2/") ? "v2" : "v1";
    try {
      return await this.#handle(
        request.method,
        url,
        request.headers.get("content-type") ?? "",
        text,
      );
    } catch (error) {
      if (error instanceof GraviteeApiError) return json(error.status, error.body(version));
      throw error;
    }
  }

  #authenticated(header: string | null): boolean {
    const users = this.#options.users ?? [{ user: "admin", password: "admin" }];
    if (users.length === 0 && !this.#options.token) return true;
    if (!header) return false;
    const [scheme, value = ""] = header.split(" ", 2);
    if (/^bearer$/i.test(scheme)) {
      return this.#options.token !== undefined && value === this.#options.token;
    }
    if (!/^basic$/i.test(scheme)) return false;
    let decoded: string;
    try {
      decoded = new TextDecoder().decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0)));
    } catch {
      return false;
    }
    const colon = decoded.indexOf(":");
    return users.some((entry) =>
      entry.user === decoded.slice(0, colon) && entry.password === decoded.slice(colon + 1)
    );
  }

  #resetStores(): void {
    this.#stores = new Map();
    for (const environment of this.#options.environments ?? ["DEFAULT"]) {
      this.#stores.set(
        environment,
        new GraviteeStore({
          environmentId: environment,
          policies: new Set(GRAVITEE_POLICIES),
          validatePolicy: this.#options.validatePolicy,
          customApiKeys: this.#options.customApiKeys ?? true,
          now: this.#options.now ?? (() => new Date()),
        }),
      );
    }
  }

  async #handle(method: string, url: URL, contentType: string, text: string): Promise<Response> {
    const path = url.pathname.replace(/\/+$/, "");
    let rest: string | undefined;
    let organization = this.#organization;
    let routes = this.#v2Routes;
    let match = /^\/management\/v2\/organizations\/([^/]+)(\/.*)?$/.exec(path);
    if (match) {
      organization = decodeURIComponent(match[1]);
      rest = match[2] ?? "";
    } else if ((match = /^\/management\/v2(\/environments(\/.*)?)$/.exec(path))) {
      rest = match[1];
    } else if ((match = /^\/management\/organizations\/([^/]+)(\/environments\/.*)$/.exec(path))) {
      organization = decodeURIComponent(match[1]);
      rest = match[2];
      routes = this.#v1Routes;
    }
    if (rest === undefined) throw pathNotFound();
    if (organization !== this.#organization) throw scopeNotFound("Organization", organization);
    if (routes === this.#v2Routes && rest === "") {
      if (method !== "GET") throw methodNotAllowed();
      return json(200, {
        id: this.#organization,
        name: "Default organization",
        description: "Default organization",
      });
    }
    if (routes === this.#v2Routes && rest === "/license") {
      if (method !== "GET") throw methodNotAllowed();
      return json(200, {
        tier: this.#options.tier ?? "oss",
        packs: [],
        features: [],
        isExpired: false,
      });
    }
    const environment = /^\/environments\/([^/]+)/.exec(rest);
    if (!environment) throw pathNotFound();
    const environmentId = decodeURIComponent(environment[1]);
    const below = rest.slice(environment[0].length);
    const store = this.#stores.get(environmentId);
    for (const route of routes) {
      const found = route.pattern.exec(below);
      if (!found) continue;
      const handler = route.methods[method];
      if (!handler) throw methodNotAllowed();
      if (!store) throw scopeNotFound("Environment", environmentId);
      const body = () => parseBody(contentType, text);
      return await handler({ store, params: found.slice(1).map(decodeURIComponent), url, body });
    }
    throw pathNotFound();
  }

  #buildV2Routes(): Route[] {
    const route = (pattern: string, methods: Record<string, Handler>): Route => ({
      pattern: new RegExp(`^${pattern}$`),
      methods,
    });
    const environment = (id: string): Response =>
      json(200, {
        id,
        name: id === "DEFAULT" ? "Default environment" : id,
        description: "Environment",
      });
    return [
      route("", { GET: ({ store }) => environment(String(this.#environmentOf(store))) }),
      route("/apis", {
        GET: ({ store, url }) => {
          const expand = (url.searchParams.get("expands") ?? "").split(",").includes(
            "deploymentState",
          );
          return json(
            200,
            page(url, store.listApis().map((api) => expand ? store.getApi(String(api.id)) : api)),
          );
        },
        POST: ({ store, body }) => json(201, store.createApi(body())),
      }),
      route(`/apis/${ID}`, {
        GET: ({ store, params }) => json(200, store.getApi(params[0])),
        PUT: ({ store, params, body }) => json(200, store.updateApi(params[0], body())),
        DELETE: ({ store, params, url }) => {
          store.deleteApi(params[0], url.searchParams.get("closePlans") === "true");
          return empty(204);
        },
      }),
      route(`/apis/${ID}/deployments`, {
        POST: ({ store, params, body }) => {
          const label = body().deploymentLabel;
          if (typeof label === "string" && label.length > 32) {
            throw validationError([{
              message: "size must be between 0 and 32",
              location: "deployApi.apiDeploymentEntity.deploymentLabel",
              invalidValue: label,
            }]);
          }
          store.deploy(params[0]);
          return empty(202);
        },
      }),
      route(`/apis/${ID}/_(start|stop)`, {
        POST: ({ store, params }) => {
          store.setState(params[0], params[1] as "start" | "stop");
          return empty(204);
        },
      }),
      route(`/apis/${ID}/plans`, {
        GET: ({ store, params, url }) => {
          store.getApi(params[0], false);
          const statuses = upperList(url.searchParams.get("statuses") ?? "PUBLISHED");
          const securities = upperList(url.searchParams.get("securities") ?? "");
          const withoutFlows = (url.searchParams.get("fields") ?? "").split(",").includes("-flow");
          const plans = store.plansOf(params[0])
            .filter((plan) => statuses.includes(String(plan.status)))
            .filter((plan) =>
              securities.length === 0 ||
              securities.includes(String((plan.security as Json | undefined)?.type))
            )
            .map((plan) => withoutFlows ? { ...plan, flows: undefined } : plan);
          return json(200, page(url, plans));
        },
        POST: ({ store, params, body }) => json(201, store.createPlan(params[0], body())),
      }),
      route(`/apis/${ID}/plans/${ID}`, {
        GET: ({ store, params }) => json(200, store.getPlan(params[0], params[1])),
        DELETE: ({ store, params }) => {
          store.deletePlan(params[0], params[1]);
          return empty(204);
        },
      }),
      route(`/apis/${ID}/plans/${ID}/_(publish|deprecate|close)`, {
        POST: ({ store, params }) =>
          json(
            200,
            store.transitionPlan(
              params[0],
              params[1],
              params[2] as "publish" | "deprecate" | "close",
            ),
          ),
      }),
      route(`/apis/${ID}/subscriptions`, {
        GET: ({ store, params, url }) => {
          store.getApi(params[0], false);
          const filter = (name: string) =>
            (url.searchParams.get(name) ?? "").split(",").filter(Boolean);
          const applications = filter("applicationIds");
          const plans = filter("planIds");
          const statuses = upperList(url.searchParams.get("statuses") ?? "");
          const found = store.subscriptionsOf(params[0]).filter((stored) =>
            (applications.length === 0 || applications.includes(stored.applicationId)) &&
            (plans.length === 0 || plans.includes(stored.planId)) &&
            (statuses.length === 0 || statuses.includes(String(stored.subscription.status)))
          );
          return json(200, page(url, found.map((stored) => stored.subscription)));
        },
        POST: ({ store, params, body }) =>
          json(201, store.subscribe(params[0], body()).subscription),
      }),
      route(`/apis/${ID}/subscriptions/${ID}`, {
        GET: ({ store, params }) =>
          json(200, store.getSubscription(params[0], params[1]).subscription),
      }),
      route(`/apis/${ID}/subscriptions/${ID}/_accept`, {
        POST: ({ store, params, body }) =>
          json(200, store.acceptSubscription(params[0], params[1], body()).subscription),
      }),
      route(`/apis/${ID}/subscriptions/${ID}/_close`, {
        POST: ({ store, params }) =>
          json(200, store.closeSubscription(params[0], params[1]).subscription),
      }),
      route(`/apis/${ID}/subscriptions/${ID}/api-keys`, {
        GET: ({ store, params, url }) =>
          json(200, page(url, store.getSubscription(params[0], params[1]).keys)),
      }),
      route(`/apis/${ID}/subscriptions/${ID}/api-keys/_renew`, {
        POST: ({ store, params, body }) =>
          json(200, store.renewApiKey(params[0], params[1], body())),
      }),
    ];
  }

  #buildV1Routes(): Route[] {
    const route = (pattern: string, methods: Record<string, Handler>): Route => ({
      pattern: new RegExp(`^${pattern}$`),
      methods,
    });
    return [
      route("/applications", {
        GET: ({ store }) => json(200, store.listApplications()),
        POST: ({ store, body }) => json(201, store.saveApplication(body())),
      }),
      route(`/applications/${ID}`, {
        GET: ({ store, params }) => json(200, store.getApplication(params[0])),
        PUT: ({ store, params, body }) => json(200, store.saveApplication(body(), params[0])),
        DELETE: ({ store, params }) => {
          store.deleteApplication(params[0]);
          return empty(204);
        },
      }),
      route(`/applications/${ID}/subscriptions`, {
        GET: ({ store, params, url }) => {
          store.getApplication(params[0]);
          const statuses = upperList(url.searchParams.get("status") ?? "");
          const all = store.subscriptionsOfApplication(params[0])
            .filter((stored) =>
              statuses.length === 0 || statuses.includes(String(stored.subscription.status))
            )
            .map(v1Subscription);
          const size = Math.max(1, Number(url.searchParams.get("size") ?? 20) || 20);
          const current = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1);
          const data = all.slice((current - 1) * size, current * size);
          return json(200, {
            data,
            metadata: {},
            page: {
              current,
              size: data.length,
              per_page: size,
              total_pages: Math.ceil(all.length / size),
              total_elements: all.length,
            },
          });
        },
      }),
    ];
  }

  #environmentOf(store: GraviteeStore): string {
    for (const [id, candidate] of this.#stores) if (candidate === store) return id;
    return "DEFAULT";
  }
}

/** A v1 subscription (snake_case, ids as strings). */
function v1Subscription(stored: StoredSubscription): Json {
  const subscription = stored.subscription;
  return {
    id: subscription.id,
    api: stored.apiId,
    plan: stored.planId,
    application: stored.applicationId,
    status: subscription.status,
    created_at: Date.parse(String(subscription.createdAt)),
    updated_at: Date.parse(String(subscription.updatedAt)),
  };
}

/**
 * One page with Gravitee's `pagination` (`PaginationInfo`) and `links` (`PaginationLinks`): no
 * links when empty, only `self` on a single page, absolute links otherwise; `previous` on the
 * first page and `next` on the last are null, and null fields are not written (NON_NULL).
 */
function page(url: URL, items: readonly unknown[]): Json {
  const pageParam = url.searchParams.get("page");
  const perPageParam = url.searchParams.get("perPage");
  const problems: { message: string; location: string; invalidValue: unknown }[] = [];
  const number = (value: string | null, fallback: number, name: string) => {
    if (value === null) return fallback;
    const parsed = /^-?\d+$/.test(value) ? Number(value) : NaN;
    if (!(parsed >= 1)) {
      problems.push({
        message: `Pagination ${name} param must be >= 1`,
        location: name,
        invalidValue: Number.isNaN(parsed) ? value : parsed,
      });
    }
    return parsed;
  };
  const current = number(pageParam, DEFAULT_PAGE, "page");
  const perPage = number(perPageParam, DEFAULT_PER_PAGE, "perPage");
  if (problems.length > 0) throw validationError(problems);
  const total = items.length;
  const data = items.slice((current - 1) * perPage, current * perPage);
  const body: Json = { data, pagination: {} };
  if (total === 0) return body;
  const pageCount = Math.ceil(total / perPage);
  body.pagination = {
    page: current,
    perPage,
    pageCount,
    pageItemsCount: data.length,
    totalCount: total,
  };
  if (pageCount === 1) {
    body.links = { self: url.toString() };
  } else if (current <= pageCount) {
    let template = url.toString();
    if (url.search === "") template += "?page={page}";
    else if (pageParam !== null) template = template.replace(/page=(\w*)/, "page={page}");
    else template += "&page={page}";
    if (perPageParam !== null) template = template.replace(/perPage=(\w*)/, "perPage={perPage}");
    const link = (n: number) =>
      template.replace("{page}", String(n)).replace("{perPage}", String(perPage));
    const links: Json = { self: url.toString(), first: link(1), last: link(pageCount) };
    if (current > 1) links.previous = link(current - 1);
    if (current < pageCount) links.next = link(current + 1);
    body.links = links;
  }
  return body;
}

function upperList(value: string): string[] {
  return value.split(",").map((item) => item.trim().toUpperCase()).filter(Boolean);
}

function parseBody(contentType: string, text: string): Json {
  if (text.trim() === "") return {};
  if (contentType !== "" && !/json/i.test(contentType)) throw unsupportedMediaType();
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
      return parsed as Json;
    }
  } catch {
    // Falls through to the error below.
  }
  throw new GraviteeApiError(400, "Unable to read the request body: it is not a JSON object");
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function empty(status: number): Response {
  return new Response(null, { status });
}

/** Never answered by the emulator: kept so a 403 can be injected with Gravitee's exact body. */
export const FORBIDDEN_BODY: Json = forbidden().body("v2");
