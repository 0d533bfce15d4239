/**
 * An in-process emulator of the Kong Gateway 3.x Admin API, for tests, benchmarks and the demo.
 *
 * It serves `GET /`, services, routes, plugins, consumers and the key-auth, basic-auth and OAuth2
 * credentials of consumers (top-level and nested), with Kong's pagination (`size`, opaque
 * `offset`, relative `next`), tags filters, PUT upsert, 204 deletes, uniqueness rules, DB-less
 * mode (405 on entity writes, `GET /config` and `POST /config` with `check_hash`), Enterprise
 * workspaces and the `Kong-Admin-Token` header. Its behaviour is checked against the official
 * specs and fixtures by `kong_emulator_test.ts`.
 *
 * @example
 * ```ts
 * const kong = new KongEmulator({ version: "3.9.1" });
 * kong.realisticSeed();
 * const url = await kong.start();
 * // … exercise the agent against `url`, or pass `kong.fetch` as its fetch …
 * await kong.stop();
 * ```
 *
 * @module
 */

import { GatewayEmulator, type InjectedFailure, type ReceivedRequest } from "./emulator_http.ts";
import {
  declarativeOnly,
  expectedDeclarativeConfig,
  invalidOffset,
  invalidOption,
  invalidSize,
  KongApiError,
  methodNotAllowed,
  notFound,
  operationUnsupported,
} from "./kong_emulator_errors.ts";
import {
  DAO_NAMES,
  exportDeclarative,
  loadDeclarative,
  loadedEntities,
} from "./kong_emulator_declarative.ts";
import { KONG_PLUGINS, type PluginDefinition } from "./kong_emulator_plugins.ts";
import {
  KONG_ENTITY_KINDS,
  type KongEntity,
  type KongEntityKind,
  KongStore,
  type ParentScope,
} from "./kong_emulator_store.ts";
import {
  type SeedOptions,
  seedRealistic,
  seedStore,
  type SeedSummary,
} from "./kong_emulator_seed.ts";

export type { KongEntity, KongEntityKind } from "./kong_emulator_store.ts";
export type { SeedOptions, SeedSummary } from "./kong_emulator_seed.ts";
export type { FailOptions, RecordedRequest } from "./emulator_http.ts";

/** Options of {@linkcode KongEmulator}. */
export interface KongEmulatorOptions {
  /** Version reported by `GET /` (default `3.9.1`, or `3.10.0.1` for Enterprise). */
  readonly version?: string;
  /** `community` (default) or `enterprise` (workspaces, Enterprise plugins). */
  readonly edition?: "community" | "enterprise";
  /** Runs without a database: reads work, entity writes answer 405. */
  readonly dbless?: boolean;
  /** When set, every request needs a matching `Kong-Admin-Token` header (RBAC). */
  readonly adminToken?: string;
  /** Enterprise workspaces besides `default`, reachable as `/{workspace}/services`…. */
  readonly workspaces?: readonly string[];
  /** `hostname` reported by `GET /` (default `kong-emulator`). */
  readonly hostname?: string;
  /** Delay before every answer, in milliseconds. */
  readonly latencyMs?: number;
  /** Installed plugin names (default: Kong's bundled plugins for the edition). */
  readonly plugins?: readonly string[];
  /** Clock for `created_at`/`updated_at`, in Unix seconds. */
  readonly now?: () => number;
}

type Route =
  | { readonly type: "root" }
  | { readonly type: "enabled-plugins" }
  | { readonly type: "collection"; readonly kind: KongEntityKind; readonly scope?: NestedScope }
  | {
    readonly type: "entity";
    readonly kind: KongEntityKind;
    readonly key: string;
    readonly scope?: NestedScope;
  };

interface NestedScope {
  readonly parentKind: KongEntityKind;
  readonly parentKey: string;
  readonly field: ParentScope["field"];
  /** The child's path segment (`key-auth` below a consumer, not `key-auths`). */
  readonly segment: string;
}

// Nested collections Kong serves: /{parent}/{key}/{segment} → child kind and foreign-key field.
const NESTED: Readonly<
  Record<string, { readonly kind: KongEntityKind; readonly field: ParentScope["field"] }>
> = {
  "services/routes": { kind: "routes", field: "service" },
  "services/plugins": { kind: "plugins", field: "service" },
  "routes/plugins": { kind: "plugins", field: "route" },
  "consumers/plugins": { kind: "plugins", field: "consumer" },
  "consumers/key-auth": { kind: "key-auths", field: "consumer" },
  "consumers/basic-auth": { kind: "basic-auths", field: "consumer" },
  "consumers/oauth2": { kind: "oauth2", field: "consumer" },
};
/** The plugin that brings each credential collection. */
const CREDENTIAL_PLUGINS: Readonly<Partial<Record<KongEntityKind, string>>> = {
  "key-auths": "key-auth",
  "basic-auths": "basic-auth",
  oauth2: "oauth2",
};
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const MAX_TAGS = 5;
const DEFAULT_WORKSPACE = "default";

/** The Kong Admin API emulator. See the module documentation. */
export class KongEmulator extends GatewayEmulator {
  readonly #options: KongEmulatorOptions;
  readonly #version: string;
  readonly #edition: "community" | "enterprise";
  readonly #nodeId = crypto.randomUUID();
  readonly #plugins: ReadonlyMap<string, PluginDefinition>;
  #stores = new Map<string, KongStore>();
  // DB-less only: collections loaded by POST /config that the emulator keeps as given, and the
  // hash of the loaded configuration (undefined until the first load, like Kong).
  #opaque: Record<string, readonly Record<string, unknown>[]> = {};
  #configHash: string | undefined;

  /** Creates an emulator with an empty database. */
  constructor(options: KongEmulatorOptions = {}) {
    super({ name: "KongEmulator", latencyMs: options.latencyMs, onAbort: "reject" });
    this.#options = options;
    this.#edition = options.edition ?? "community";
    this.#version = options.version ?? (this.#edition === "enterprise" ? "3.10.0.1" : "3.9.1");
    const names = options.plugins ??
      Object.entries(KONG_PLUGINS)
        .filter(([, definition]) => this.#edition === "enterprise" || !definition.enterprise)
        .map(([name]) => name);
    this.#plugins = new Map(
      names.map((
        name,
      ) => [name, KONG_PLUGINS[name] ?? { priority: 0, protocols: ["http", "https"] }]),
    );
    this.#resetStores();
  }

  /** The version reported by `GET /`. */
  get version(): string {
    return this.#version;
  }

  /** Empties the database, the request log, the counters and pending failures. */
  override reset(): void {
    this.#resetStores();
    super.reset();
  }

  /** The entities of a workspace (default `default`), for direct inspection in tests. */
  store(workspace: string = DEFAULT_WORKSPACE): KongStore {
    const store = this.#stores.get(workspace);
    if (!store) throw new Error(`unknown workspace '${workspace}'`);
    return store;
  }

  /** Bulk-creates services with routes and plugins (see {@linkcode SeedOptions}). */
  seed(options: SeedOptions & { readonly workspace?: string }): SeedSummary {
    return seedStore(this.store(options.workspace), options);
  }

  /** Creates the small realistic gateway of the demo; returns its services by name. */
  realisticSeed(options: { readonly workspace?: string } = {}): Record<string, KongEntity> {
    return seedRealistic(this.store(options.workspace));
  }

  /** The body of `GET /`. */
  info(): Record<string, unknown> {
    const database = this.#options.dbless ? "off" : "postgres";
    const available: Record<string, unknown> = {};
    const legacyFlags = this.#version.startsWith("2.");
    for (const [name, definition] of [...this.#plugins].sort(([a], [b]) => a.localeCompare(b))) {
      // Kong 2.x listed `true`; 3.0 switched to version and priority.
      available[name] = legacyFlags
        ? true
        : { version: this.#version, priority: definition.priority };
    }
    const inUse = new Set<string>();
    for (const store of this.#stores.values()) {
      for (const name of store.pluginNamesInUse()) inUse.add(name);
    }
    const configuration: Record<string, unknown> = {
      database,
      role: "traditional",
      router_flavor: "traditional_compatible",
      admin_listen: ["127.0.0.1:8001 reuseport backlog=16384", "127.0.0.1:8444 http2 ssl"],
      proxy_listen: ["0.0.0.0:8000 reuseport backlog=16384", "0.0.0.0:8443 http2 ssl"],
      status_listen: ["127.0.0.1:8007 reuseport backlog=16384"],
      plugins: ["bundled"],
      loaded_plugins: Object.fromEntries([...this.#plugins.keys()].map((name) => [name, true])),
      log_level: "notice",
      prefix: "/usr/local/kong",
      nginx_worker_processes: "auto",
    };
    if (database === "postgres") {
      Object.assign(configuration, {
        pg_host: "127.0.0.1",
        pg_port: 5432,
        pg_database: "kong",
        pg_user: "kong",
        pg_password: "******",
      });
    } else {
      configuration.declarative_config = null;
    }
    if (this.#edition === "enterprise") {
      configuration.enforce_rbac = this.#options.adminToken ? "on" : "off";
      configuration.rbac_auth_header = "Kong-Admin-Token";
    }
    const body: Record<string, unknown> = {
      plugins: {
        available_on_server: available,
        enabled_in_cluster: [...inUse].sort(),
        ...(this.#edition === "enterprise" ? { disabled_on_server: {} } : {}),
      },
      tagline: "Welcome to kong",
      version: this.#version,
      hostname: this.#options.hostname ?? "kong-emulator",
      node_id: this.#nodeId,
      lua_version: "LuaJIT 2.1.0-20231117",
      timers: { running: 0, pending: 4 },
      pids: { master: 1, workers: [1254, 1255] },
      configuration,
    };
    // `edition` appeared in Kong 3.6.
    if (versionAtLeast(this.#version, 3, 6)) body.edition = this.#edition;
    return body;
  }

  /** The product's 500 body. */
  protected override defaultFailureBody(): unknown {
    return { message: "An unexpected error occurred" };
  }

  /** Answers an injected failure like the product. */
  protected override renderFailure({ status, body }: InjectedFailure): Response {
    return this.#json(status, body);
  }

  /** Authenticates, then routes. */
  protected override answer({ request, url, text, recorded }: ReceivedRequest): Response {
    if (
      this.#options.adminToken !== undefined &&
      request.headers.get("kong-admin-token") !== this.#options.adminToken
    ) {
      return this.#json(401, {
        message: "Invalid credentials. Token or User credentials required",
      });
    }
    try {
      return this.#handle(request.method, url, recorded.headers, text);
    } catch (error) {
      if (error instanceof KongApiError) return this.#json(error.status, error.body);
      throw error;
    }
  }

  #resetStores(): void {
    this.#opaque = {};
    this.#configHash = undefined;
    const now = this.#options.now;
    const plugins = (name: string) => this.#plugins.get(name);
    this.#stores = new Map();
    const workspaces = this.#edition === "enterprise"
      ? [DEFAULT_WORKSPACE, ...(this.#options.workspaces ?? [])]
      : [DEFAULT_WORKSPACE];
    for (const workspace of workspaces) {
      this.#stores.set(workspace, new KongStore({ plugins, now }));
    }
  }

  #handle(
    method: string,
    url: URL,
    headers: Readonly<Record<string, string>>,
    text: string,
  ): Response {
    const segments = url.pathname.replace(/\/+$/, "").split("/").slice(1).map(safeDecode);
    let workspace: string | undefined;
    if (this.#edition === "enterprise" && segments.length > 1 && this.#stores.has(segments[0])) {
      workspace = segments.shift();
    }
    const store = this.#stores.get(workspace ?? DEFAULT_WORKSPACE)!;
    if (segments.length === 1 && segments[0] === "config" && workspace === undefined) {
      return this.#config(method, url, headers, text);
    }
    const route = matchRoute(segments);
    if (!route || (route.type === "root" && workspace !== undefined)) throw notFound();
    // Kong serves a plugin's credential endpoints only when the plugin is loaded.
    const plugin = "kind" in route ? CREDENTIAL_PLUGINS[route.kind] : undefined;
    if (plugin !== undefined && !this.#plugins.has(plugin)) throw notFound();

    if (route.type === "root" || route.type === "enabled-plugins") {
      if (method !== "GET") throw methodNotAllowed();
      return this.#json(
        200,
        route.type === "root" ? this.info() : { enabled_plugins: [...this.#plugins.keys()].sort() },
      );
    }

    const allowed = route.type === "collection"
      ? ["GET", "POST"]
      : ["GET", "PUT", "PATCH", "DELETE"];
    if (!allowed.includes(method)) throw methodNotAllowed();

    let parent: ParentScope | undefined;
    if (route.scope) {
      const parentEntity = store.find(route.scope.parentKind, route.scope.parentKey);
      if (!parentEntity) throw notFound();
      parent = { field: route.scope.field, id: parentEntity.id };
    }

    if (method === "GET") {
      if (route.type === "collection") {
        return this.#json(200, this.#list(store, route.kind, url, workspace, route.scope, parent));
      }
      const entity = store.findIn(route.kind, route.key, parent);
      if (!entity) throw notFound();
      return this.#json(200, entity);
    }

    if (this.#options.dbless) {
      const action = method === "POST"
        ? "create"
        : method === "PUT"
        ? "create or update"
        : method === "PATCH"
        ? "update"
        : "delete";
      throw operationUnsupported(action, DAO_NAMES[route.kind]);
    }
    if (method === "DELETE" && route.type === "entity") {
      store.remove(route.kind, route.key, { parent });
      return new Response(null, { status: 204, headers: this.#headers() });
    }

    const body = parseJsonBody(headers["content-type"] ?? "", text);
    const extraFields = route.kind === "plugins" && this.#edition === "enterprise"
      ? { consumer_group: null }
      : undefined;
    if (route.type === "collection") {
      return this.#json(201, store.create(route.kind, body, { parent, extraFields }));
    }
    if (method === "PUT") {
      return this.#json(200, store.upsert(route.kind, route.key, body, { parent, extraFields }));
    }
    return this.#json(200, store.update(route.kind, route.key, body, { parent, extraFields }));
  }

  #list(
    store: KongStore,
    kind: KongEntityKind,
    url: URL,
    workspace: string | undefined,
    scope: NestedScope | undefined,
    parent: ParentScope | undefined,
  ): Record<string, unknown> {
    const sizeParam = url.searchParams.get("size");
    let size = DEFAULT_PAGE_SIZE;
    if (sizeParam !== null) {
      size = /^\d+$/.test(sizeParam) ? Number(sizeParam) : NaN;
      if (!(size >= 1 && size <= MAX_PAGE_SIZE)) throw invalidSize();
    }
    const offsetParam = url.searchParams.get("offset");
    const fromSeq = offsetParam === null ? 0 : decodeOffset(offsetParam);
    const tagsParam = scope ? null : url.searchParams.get("tags");
    const filter = tagsParam ? tagFilter(tagsParam) : undefined;

    const page = store.page(kind, { fromSeq, size, parent, filter });
    if (page.nextSeq === undefined) return { next: null, data: page.data };

    const offset = encodeOffset(page.nextSeq, page.nextId!);
    const prefix = workspace ? `/${encodeURIComponent(workspace)}` : "";
    let next: string;
    if (scope && parent) {
      // Kong's nested `next` names the parent by id and carries neither size nor tags.
      next = `${prefix}/${scope.parentKind}/${parent.id}/${scope.segment}?offset=${
        encodeURIComponent(offset)
      }`;
    } else {
      next = `${prefix}/${kind}?offset=${encodeURIComponent(offset)}`;
      if (tagsParam) next += `&tags=${encodeURIComponent(tagsParam)}`;
      if (sizeParam !== null) next += `&size=${size}`;
    }
    return { data: page.data, offset, next };
  }

  /** `GET /config` and `POST /config` (DB-less only), see `kong_emulator_declarative.ts`. */
  #config(
    method: string,
    url: URL,
    headers: Readonly<Record<string, string>>,
    text: string,
  ): Response {
    if (method !== "GET" && method !== "POST") throw methodNotAllowed();
    if (!this.#options.dbless) throw declarativeOnly();
    const store = this.#stores.get(DEFAULT_WORKSPACE)!;
    if (method === "GET") {
      return this.#json(200, { config: exportDeclarative(store, this.#opaque) });
    }
    const body = parseJsonBody(headers["content-type"] ?? "", text);
    if (!("_format_version" in body) && typeof body.config !== "string") {
      throw expectedDeclarativeConfig();
    }
    const loaded = loadDeclarative(body, {
      plugins: (name) => this.#plugins.get(name),
      now: this.#options.now,
    });
    if (url.searchParams.get("check_hash") === "1" && loaded.hash === this.#configHash) {
      return new Response(null, { status: 304, headers: this.#headers() });
    }
    this.#stores.set(DEFAULT_WORKSPACE, loaded.store);
    this.#opaque = { ...loaded.opaque };
    this.#configHash = loaded.hash;
    return this.#json(201, loadedEntities(loaded));
  }

  #headers(): Headers {
    return new Headers({
      "access-control-allow-origin": "*",
      "server": `kong/${this.#version}${
        this.#edition === "enterprise" ? "-enterprise-edition" : ""
      }`,
      "x-kong-admin-request-id": crypto.randomUUID().replaceAll("-", ""),
    });
  }

  #json(status: number, body: unknown): Response {
    const headers = this.#headers();
    headers.set("content-type", "application/json; charset=utf-8");
    return new Response(JSON.stringify(body), { status, headers });
  }
}

function matchRoute(segments: readonly string[]): Route | undefined {
  const isKind = (value: string | undefined): value is KongEntityKind =>
    KONG_ENTITY_KINDS.includes(value as KongEntityKind);
  const [first, key, child, childKey, ...rest] = segments;
  if (segments.length === 0) return { type: "root" };
  if (!isKind(first) || rest.length > 0) return undefined;
  if (key === undefined) return { type: "collection", kind: first };
  if (key === "") return undefined;
  if (first === "plugins" && key === "enabled" && child === undefined) {
    return { type: "enabled-plugins" };
  }
  if (child === undefined) return { type: "entity", kind: first, key };
  const nested = NESTED[`${first}/${child}`];
  if (!nested) return undefined;
  const scope: NestedScope = {
    parentKind: first,
    parentKey: key,
    field: nested.field,
    segment: child,
  };
  if (childKey === undefined) return { type: "collection", kind: nested.kind, scope };
  if (childKey === "") return undefined;
  return { type: "entity", kind: nested.kind, key: childKey, scope };
}

/** Offsets are opaque to clients; here: base64 of `[sequence, id]` of the next page's first row. */
function encodeOffset(seq: number, id: string): string {
  return btoa(JSON.stringify([seq, id]));
}

function decodeOffset(offset: string): number {
  let text: string;
  try {
    text = atob(offset);
  } catch {
    throw invalidOffset(offset, "bad base64 encoding");
  }
  try {
    const decoded = JSON.parse(text) as unknown;
    if (Array.isArray(decoded) && Number.isInteger(decoded[0]) && decoded[0] > 0) return decoded[0];
  } catch {
    // Falls through to the error below.
  }
  throw invalidOffset(offset, "bad json encoding");
}

/** `a,b` means both tags, `a/b` either; Kong refuses mixing them and more than five tags. */
function tagFilter(tags: string): (entity: KongEntity) => boolean {
  const and = tags.includes(",");
  const or = tags.includes("/");
  if (and && or) throw invalidOption("tags", "invalid filter syntax");
  const wanted = tags.split(or ? "/" : ",");
  if (wanted.length > MAX_TAGS) {
    throw invalidOption("tags", `cannot query more than ${MAX_TAGS} tags`);
  }
  return (entity) => {
    const own = (entity.tags ?? []) as string[];
    return or ? wanted.some((tag) => own.includes(tag)) : wanted.every((tag) => own.includes(tag));
  };
}

function parseJsonBody(contentType: string, text: string): Record<string, unknown> {
  if (contentType !== "" && !/json/i.test(contentType)) {
    throw new KongApiError(415, {
      message: `Unsupported Content-Type '${contentType}': the Kong emulator only accepts JSON`,
    });
  }
  if (text.trim() === "") return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // Falls through to Kong's answer.
  }
  throw new KongApiError(400, { message: "Cannot parse JSON body" });
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = version.split(".").map((part) => Number.parseInt(part, 10));
  return a > major || (a === major && b >= minor);
}
