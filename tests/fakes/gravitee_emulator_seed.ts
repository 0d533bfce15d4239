/**
 * Data for the Gravitee emulator: a bulk generator of v4 proxy APIs for scale tests and the
 * benchmark, and a small realistic environment (v4 and v2 APIs, plans of every security, flows,
 * CORS, a stopped API, a message API) for the demo and readable tests. v4 APIs go through the
 * same rules as Management API calls; v2 and message definitions, which `POST /apis` cannot
 * create, are stored as Gravitee would return them.
 *
 * @module
 */

import type { GraviteeStore, Json } from "./gravitee_emulator_store.ts";

/** Options of {@linkcode seedApis}. */
export interface SeedOptions {
  /** Number of APIs to create. */
  readonly apis: number;
  /** Name prefix (default `api`). */
  readonly prefix?: string;
  /** Plan flows with a rate-limit step on every API (default true). */
  readonly planFlows?: boolean;
}

/** What a seed created. */
export interface SeedSummary {
  /** APIs created. */
  readonly apis: number;
  /** Plans created. */
  readonly plans: number;
}

/** A v4 HTTP proxy definition for `POST /apis`. */
export function proxyApi(name: string, path: string, target: string, extra: Json = {}): Json {
  return {
    name,
    apiVersion: "1.0",
    definitionVersion: "V4",
    type: "PROXY",
    description: `${name} (seeded)`,
    listeners: [{ type: "HTTP", paths: [{ path }], entrypoints: [{ type: "http-proxy" }] }],
    endpointGroups: [{
      name: "default-group",
      type: "http-proxy",
      endpoints: [{ name: "default", type: "http-proxy", configuration: { target } }],
    }],
    ...extra,
  };
}

/** Creates a plan, publishes it, and returns it. */
export function publishedPlan(store: GraviteeStore, apiId: string, body: Json): Json {
  const plan = store.createPlan(apiId, { definitionVersion: "V4", validation: "AUTO", ...body });
  return store.transitionPlan(apiId, String(plan.id), "publish");
}

/**
 * `apis` APIs named `<prefix>-00001`…, each at `/<name>/`, with a published keyless plan (with a
 * rate-limit flow unless `planFlows` is false), deployed and started.
 */
export function seedApis(store: GraviteeStore, options: SeedOptions): SeedSummary {
  if (!Number.isInteger(options.apis) || options.apis < 0) {
    throw new RangeError(`apis must be a non-negative integer, got ${options.apis}`);
  }
  const prefix = options.prefix ?? "api";
  const width = Math.max(5, String(options.apis).length);
  for (let i = 1; i <= options.apis; i++) {
    const name = `${prefix}-${String(i).padStart(width, "0")}`;
    const api = store.createApi(proxyApi(name, `/${name}`, `http://${name}.internal:8080/api`));
    const flows = options.planFlows === false ? [] : [{
      name: "limits",
      enabled: true,
      selectors: [{ type: "HTTP", path: "/", pathOperator: "STARTS_WITH" }],
      request: [{
        name: "Rate limit",
        enabled: true,
        policy: "rate-limit",
        configuration: {
          errorStrategy: "FALLBACK_PASS_TROUGH",
          rate: { limit: 100, periodTime: 1, periodTimeUnit: "MINUTES" },
        },
      }],
    }];
    publishedPlan(store, String(api.id), { name: "Open", security: { type: "KEY_LESS" }, flows });
    store.setState(String(api.id), "start");
  }
  return { apis: options.apis, plans: options.apis };
}

/**
 * `payments-api` (API-key and JWT plans, an IP-filtering flow, CORS), `orders-api` (keyless plan
 * with rate limit and quota), `legacy-billing` (stopped), `catalog-v2` (a v2 definition) and
 * `events` (a v4 message API). Returns the API ids by name.
 */
export function seedRealistic(store: GraviteeStore): Record<string, string> {
  const ids: Record<string, string> = {};
  const payments = store.createApi(proxyApi(
    "payments-api",
    "/payments",
    "https://payments.internal:8443/v2",
    {
      apiVersion: "2.3",
      flows: [{
        name: "internal networks",
        enabled: true,
        selectors: [{ type: "HTTP", path: "/", pathOperator: "STARTS_WITH" }],
        request: [{
          name: "IP filter",
          enabled: true,
          policy: "ip-filtering",
          configuration: { whitelistIps: ["10.0.0.0/8"], lookupIpVersion: "ALL" },
        }],
      }],
    },
  ));
  ids["payments-api"] = String(payments.id);
  const listeners = payments.listeners as Json[];
  store.updateApi(String(payments.id), {
    ...pick(payments, [
      "name",
      "apiVersion",
      "description",
      "definitionVersion",
      "type",
      "endpointGroups",
      "flows",
      "flowExecution",
      "analytics",
    ]),
    listeners: [{
      ...listeners[0],
      cors: {
        enabled: true,
        allowOrigin: ["https://shop.example.com"],
        allowMethods: ["GET", "POST"],
        maxAge: 3600,
      },
    }],
  });
  publishedPlan(store, ids["payments-api"], {
    name: "Partners (API key)",
    security: { type: "API_KEY" },
  });
  publishedPlan(store, ids["payments-api"], {
    name: "Mobile (JWT)",
    security: {
      type: "JWT",
      configuration: {
        signature: "RSA_RS256",
        publicKeyResolver: "JWKS_URL",
        resolverParameter: "https://idp.example.com/jwks",
      },
    },
  });
  store.setState(ids["payments-api"], "start");

  const orders = store.createApi(
    proxyApi("orders-api", "/orders", "http://orders.internal:8080/api"),
  );
  ids["orders-api"] = String(orders.id);
  publishedPlan(store, ids["orders-api"], {
    name: "Open",
    security: { type: "KEY_LESS" },
    flows: [{
      name: "limits",
      enabled: true,
      selectors: [{ type: "HTTP", path: "/", pathOperator: "STARTS_WITH" }],
      request: [
        {
          name: "Rate limit",
          enabled: true,
          policy: "rate-limit",
          configuration: {
            errorStrategy: "FALLBACK_PASS_TROUGH",
            rate: { limit: 300, periodTime: 1, periodTimeUnit: "MINUTES" },
          },
        },
        {
          name: "Quota",
          enabled: true,
          policy: "quota",
          configuration: {
            errorStrategy: "FALLBACK_PASS_TROUGH",
            quota: { limit: 100000, periodTime: 1, periodTimeUnit: "MONTHS" },
          },
        },
      ],
    }],
  });
  store.setState(ids["orders-api"], "start");

  const legacy = store.createApi(
    proxyApi("legacy-billing", "/billing", "http://billing-v1.internal:8000/"),
  );
  ids["legacy-billing"] = String(legacy.id);
  publishedPlan(store, ids["legacy-billing"], { name: "Open", security: { type: "KEY_LESS" } });
  store.deploy(ids["legacy-billing"]);

  const catalog = store.insertApi({
    name: "catalog-v2",
    apiVersion: "1.4",
    definitionVersion: "V2",
    description: "Product catalog (v2 definition)",
    state: "STARTED",
    lifecycleState: "PUBLISHED",
    visibility: "PUBLIC",
    executionMode: "V4_EMULATION_ENGINE",
    contextPath: "/catalog",
    proxy: {
      virtualHosts: [{ path: "/catalog" }],
      groups: [{
        name: "default-group",
        endpoints: [{ name: "default", type: "http", target: "http://catalog.internal:9000" }],
      }],
      cors: { enabled: false },
      stripContextPath: false,
      preserveHost: false,
    },
    flowMode: "DEFAULT",
    flows: [{
      name: "cache",
      enabled: true,
      pathOperator: { path: "/", operator: "STARTS_WITH" },
      pre: [{
        name: "Request limit",
        enabled: true,
        policy: "request-content-limit",
        configuration: { limit: 1024 },
      }],
      post: [],
    }],
    labels: [],
    tags: [],
  });
  ids["catalog-v2"] = String(catalog.id);

  const events = store.insertApi({
    name: "events",
    apiVersion: "1.0",
    definitionVersion: "V4",
    type: "MESSAGE",
    description: "Order events over SSE",
    state: "STARTED",
    lifecycleState: "PUBLISHED",
    listeners: [{ type: "HTTP", paths: [{ path: "/events" }], entrypoints: [{ type: "sse" }] }],
    endpointGroups: [{
      name: "kafka",
      type: "kafka",
      endpoints: [{
        name: "kafka",
        type: "kafka",
        configuration: { bootstrapServers: "kafka:9092" },
      }],
    }],
    flows: [],
  });
  ids.events = String(events.id);
  return ids;
}

function pick(source: Json, keys: readonly string[]): Json {
  return Object.fromEntries(
    keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]),
  );
}
