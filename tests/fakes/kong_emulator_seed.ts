/**
 * Data for the Kong emulator: a bulk generator for scale tests and benchmarks, and a small
 * realistic gateway for the demo and for readable tests. Both go through the same validation as
 * HTTP writes, so seeded entities look exactly like entities created through the Admin API.
 *
 * @module
 */

import type { KongEntity, KongStore } from "./kong_emulator_store.ts";

/** Options of {@linkcode seedStore}. */
export interface SeedOptions {
  /** Number of services to create. */
  readonly services: number;
  /** Routes per service (default 2). */
  readonly routesPerService?: number;
  /** Plugins per service, each a different plugin (default 2, at most 8). */
  readonly pluginsPerService?: number;
  /** Name prefix (default `svc`), for seeding twice without name clashes. */
  readonly prefix?: string;
  /** Tags put on every seeded entity (default `["seed"]`). */
  readonly tags?: readonly string[];
}

/** How many entities a seed created. */
export interface SeedSummary {
  /** Services created. */
  readonly services: number;
  /** Routes created. */
  readonly routes: number;
  /** Plugins created. */
  readonly plugins: number;
}

// Plugins the seed cycles through, each with a config Kong accepts.
const SEED_PLUGINS: readonly { name: string; config: Record<string, unknown> }[] = [
  { name: "rate-limiting", config: { minute: 100, policy: "local" } },
  { name: "key-auth", config: { key_names: ["apikey"] } },
  { name: "cors", config: { origins: ["*"] } },
  { name: "ip-restriction", config: { allow: ["10.0.0.0/8"] } },
  { name: "request-size-limiting", config: { allowed_payload_size: 10 } },
  { name: "acl", config: { allow: ["internal"] } },
  { name: "jwt", config: {} },
  { name: "basic-auth", config: {} },
];
const ROUTE_METHODS = [["GET"], ["POST"], ["PUT", "PATCH"], ["DELETE"]];

/**
 * Creates `services` services named `<prefix>-00001`…, each with `routesPerService` routes
 * (`/<service>/r<n>`) and `pluginsPerService` service-scoped plugins.
 */
export function seedStore(store: KongStore, options: SeedOptions): SeedSummary {
  const routesPerService = options.routesPerService ?? 2;
  const pluginsPerService = options.pluginsPerService ?? 2;
  if (!Number.isInteger(options.services) || options.services < 0) {
    throw new RangeError(`services must be a non-negative integer, got ${options.services}`);
  }
  if (pluginsPerService > SEED_PLUGINS.length) {
    throw new RangeError(
      `pluginsPerService is at most ${SEED_PLUGINS.length} (Kong allows one plugin of a name per service)`,
    );
  }
  const prefix = options.prefix ?? "svc";
  const tags = [...(options.tags ?? ["seed"])];
  const width = Math.max(5, String(options.services).length);
  let routes = 0;
  let plugins = 0;
  for (let i = 1; i <= options.services; i++) {
    const name = `${prefix}-${String(i).padStart(width, "0")}`;
    const service = store.create("services", {
      name,
      url: `http://${name}.internal:8080/api`,
      tags,
    });
    for (let r = 1; r <= routesPerService; r++) {
      store.create("routes", {
        name: `${name}-r${r}`,
        paths: [`/${name}/r${r}`],
        methods: ROUTE_METHODS[(r - 1) % ROUTE_METHODS.length],
        tags,
      }, { parent: { field: "service", id: service.id } });
      routes++;
    }
    for (let p = 0; p < pluginsPerService; p++) {
      store.create("plugins", { ...SEED_PLUGINS[p], tags }, {
        parent: { field: "service", id: service.id },
      });
      plugins++;
    }
  }
  return { services: options.services, routes, plugins };
}

/**
 * A small, realistic gateway: `payments-api`, `orders-api`, `users-api` (routes with methods,
 * service- and route-scoped plugins), a disabled `legacy-billing`, a global `correlation-id`
 * plugin and a consumer with its own rate limit. Returns the created services by name.
 */
export function seedRealistic(store: KongStore): Record<string, KongEntity> {
  const service = (body: Record<string, unknown>) => store.create("services", body);
  const route = (serviceId: string, body: Record<string, unknown>) =>
    store.create("routes", body, { parent: { field: "service", id: serviceId } });
  const plugin = (body: Record<string, unknown>) => store.create("plugins", body);

  const payments = service({
    name: "payments-api",
    url: "https://payments.internal:8443/v2",
    tags: ["team-payments", "pci"],
  });
  const paymentsRead = route(payments.id, {
    name: "payments-read",
    paths: ["/payments"],
    methods: ["GET"],
    strip_path: false,
  });
  route(payments.id, {
    name: "payments-write",
    paths: ["/payments"],
    methods: ["POST", "PUT"],
    strip_path: false,
  });
  route(payments.id, { name: "payments-refunds", paths: ["/payments/refunds"], methods: ["POST"] });
  plugin({
    name: "rate-limiting",
    service: { id: payments.id },
    config: { minute: 100, hour: 2000, policy: "local" },
  });
  plugin({ name: "key-auth", service: { id: payments.id }, config: { hide_credentials: true } });
  plugin({
    name: "cors",
    route: { id: paymentsRead.id },
    config: { origins: ["https://shop.example.com"], methods: ["GET", "OPTIONS"], max_age: 3600 },
  });

  const orders = service({
    name: "orders-api",
    url: "http://orders.internal:8080/api",
    tags: ["team-commerce"],
  });
  route(orders.id, { name: "orders", paths: ["/orders"], methods: ["GET", "POST"] });
  const orderItem = route(orders.id, {
    name: "order-by-id",
    paths: ["~/orders/(?<id>[0-9]+)$"],
    methods: ["GET", "PATCH", "DELETE"],
  });
  plugin({
    name: "rate-limiting",
    service: { id: orders.id },
    config: { second: 10, minute: 300 },
  });
  plugin({
    name: "request-size-limiting",
    route: { id: orderItem.id },
    config: { allowed_payload_size: 1 },
  });

  const users = service({
    name: "users-api",
    protocol: "http",
    host: "users.internal",
    port: 9000,
    tags: ["team-identity"],
  });
  route(users.id, { name: "users", paths: ["/users", "/me"] });
  plugin({ name: "cors", service: { id: users.id }, config: { origins: ["*"] } });
  plugin({ name: "ip-restriction", service: { id: users.id }, config: { allow: ["10.0.0.0/8"] } });

  const legacy = service({
    name: "legacy-billing",
    url: "http://billing-v1.internal:8000/",
    enabled: false,
    tags: ["deprecated"],
  });
  route(legacy.id, { name: "legacy-billing", paths: ["/billing"], methods: ["GET"] });

  plugin({ name: "correlation-id", config: { header_name: "X-Request-ID", generator: "uuid" } });
  const partner = store.create("consumers", { username: "partner-app", custom_id: "partner-42" });
  plugin({ name: "rate-limiting", consumer: { id: partner.id }, config: { minute: 1000 } });

  return {
    "payments-api": payments,
    "orders-api": orders,
    "users-api": users,
    "legacy-billing": legacy,
  };
}
