/**
 * The entities of one Kong workspace (services, routes, plugins, consumers and the key-auth,
 * basic-auth and OAuth2 credentials of consumers) with Kong's rules: defaults filled, unset fields
 * `null`, foreign keys as `{id}`, unique names and keys, one plugin of a name per (service, route,
 * consumer) scope, generated keys and secrets, basic-auth passwords hashed on write, cascades, and
 * key-ordered pages.
 *
 * Every entity has a sequence number; collections are arrays sorted by it, so a page is a binary
 * search plus a slice, and nested lists come from per-parent indexes. This keeps 10,000 services
 * with their routes and plugins cheap to list, page after page.
 *
 * @module
 */

import {
  type FieldError,
  foreignKeyMissing,
  foreignKeyRestricted,
  notFound,
  primaryKeyViolation,
  schemaViolation,
  uniqueViolation,
} from "./kong_emulator_errors.ts";
import { createHash } from "node:crypto";
import { fillConfig, type PluginDefinition } from "./kong_emulator_plugins.ts";

/** The entity collections the emulator serves, by their top-level Admin API path. */
export type KongEntityKind =
  | "services"
  | "routes"
  | "plugins"
  | "consumers"
  | "key-auths"
  | "basic-auths"
  | "oauth2";

/** Every entity kind, parents before children (the order of a declarative export). */
export const KONG_ENTITY_KINDS: readonly KongEntityKind[] = [
  "services",
  "routes",
  "consumers",
  "plugins",
  "key-auths",
  "basic-auths",
  "oauth2",
];

/** A stored entity, in the shape Kong answers with (credentials have no `updated_at`). */
export type KongEntity = Record<string, unknown> & {
  readonly id: string;
  readonly created_at: number;
};

/** A foreign key as stored: `{id}`. */
export interface ForeignKey {
  /** Id of the referenced entity. */
  readonly id: string;
}

/** A parent that scopes a nested collection, e.g. the service of `/services/{s}/routes`. */
export interface ParentScope {
  /** Foreign-key field on the child (`service`, `route`, `consumer`). */
  readonly field: "service" | "route" | "consumer";
  /** Id of the parent entity. */
  readonly id: string;
}

/** One page: entities plus the sequence number where the next page starts, if any. */
export interface StorePage {
  /** Entities of the page. */
  readonly data: readonly KongEntity[];
  /** Sequence number of the first entity of the next page; absent on the last page. */
  readonly nextSeq?: number;
  /** Id of that entity (part of the opaque offset token). */
  readonly nextId?: string;
}

/** Which plugins exist and what they look like. */
export type PluginCatalogue = (name: string) => PluginDefinition | undefined;

interface Stored {
  readonly seq: number;
  entity: KongEntity;
}

type FieldType =
  | "string"
  | "integer"
  | "boolean"
  | "set"
  | "array"
  | "record"
  | "foreign"
  | "uuid"
  | "any";

interface FieldSpec {
  readonly type: FieldType;
  readonly default?: unknown;
  readonly required?: boolean;
  readonly check?: (value: unknown) => string | undefined;
}

interface KindSpec {
  /** Field name → spec, in the order Kong prints them. */
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** Field used by `/{kind}/{key}` besides the id. */
  readonly endpointKey?: string;
  /** Fields that must be unique when set. */
  readonly unique: readonly string[];
  /** Foreign-key field → referenced kind. */
  readonly foreign: Readonly<Record<string, KongEntityKind>>;
  /** Fields Kong generates when they are left unset (credential keys and secrets). */
  readonly generated?: Readonly<Record<string, () => string>>;
}

const SERVICE_PROTOCOLS = [
  "grpc",
  "grpcs",
  "http",
  "https",
  "tcp",
  "tls",
  "tls_passthrough",
  "udp",
  "ws",
  "wss",
];
const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  http: 80,
  https: 443,
  grpc: 80,
  grpcs: 443,
  ws: 80,
  wss: 443,
  tls: 443,
  tls_passthrough: 443,
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMEOUT_MAX = 2147483646;

const between = (min: number, max: number) => (value: unknown): string | undefined =>
  (value as number) < min || (value as number) > max
    ? `value should be between ${min} and ${max}`
    : undefined;
const oneOf = (values: readonly (string | number)[]) => (value: unknown): string | undefined =>
  values.includes(value as string) ? undefined : `expected one of: ${values.join(", ")}`;
const each = (check: (item: unknown) => string | undefined) => (value: unknown) => {
  for (const item of value as unknown[]) {
    const problem = check(item);
    if (problem) return problem;
  }
  return undefined;
};

const TIMESTAMPS: Readonly<Record<string, FieldSpec>> = {
  created_at: { type: "integer" },
  updated_at: { type: "integer" },
};
/** Credentials carry only `created_at` (EE 3.10 `KeyAuth`, `BasicAuth`). */
const CREATED_AT: Readonly<Record<string, FieldSpec>> = { created_at: { type: "integer" } };

/** 32 random alphanumerics, like Kong's `utils.random_string()` for keys and secrets. */
function randomToken(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(crypto.getRandomValues(new Uint8Array(32)), (byte) => alphabet[byte % 62])
    .join("");
}

/**
 * Kong's basic-auth hash (`kong/plugins/basic-auth/crypto.lua`): SHA-1 hex of the password
 * followed by the consumer id.
 */
export function kongBasicAuthHash(consumerId: string, password: string): string {
  return createHash("sha1").update(`${password}${consumerId}`).digest("hex");
}

const KINDS: Readonly<Record<KongEntityKind, KindSpec>> = {
  services: {
    endpointKey: "name",
    unique: ["name"],
    foreign: {},
    fields: {
      id: { type: "uuid" },
      ...TIMESTAMPS,
      name: { type: "string" },
      retries: { type: "integer", default: 5, check: between(0, 32767) },
      protocol: { type: "string", default: "http", check: oneOf(SERVICE_PROTOCOLS) },
      host: { type: "string", required: true },
      port: { type: "integer", default: 80, check: between(0, 65535) },
      path: {
        type: "string",
        check: (value) => String(value).startsWith("/") ? undefined : "should start with: /",
      },
      connect_timeout: { type: "integer", default: 60000, check: between(1, TIMEOUT_MAX) },
      write_timeout: { type: "integer", default: 60000, check: between(1, TIMEOUT_MAX) },
      read_timeout: { type: "integer", default: 60000, check: between(1, TIMEOUT_MAX) },
      tags: { type: "set" },
      client_certificate: { type: "record" },
      tls_verify: { type: "boolean" },
      tls_verify_depth: { type: "integer", check: between(0, 64) },
      ca_certificates: { type: "set" },
      enabled: { type: "boolean", default: true },
    },
  },
  routes: {
    endpointKey: "name",
    unique: ["name"],
    foreign: { service: "services" },
    fields: {
      id: { type: "uuid" },
      ...TIMESTAMPS,
      name: { type: "string" },
      protocols: {
        type: "set",
        default: ["http", "https"],
        check: each(oneOf(SERVICE_PROTOCOLS)),
      },
      methods: {
        type: "set",
        check: each((item) => /^[A-Z]+$/.test(String(item)) ? undefined : `invalid value: ${item}`),
      },
      hosts: { type: "array" },
      paths: {
        type: "array",
        check: each((item) =>
          typeof item === "string" && (item.startsWith("/") || item.startsWith("~/"))
            ? undefined
            : "should start with: / (fixed path) or ~/ (regex path)"
        ),
      },
      headers: { type: "record" },
      https_redirect_status_code: {
        type: "integer",
        default: 426,
        check: oneOf([426, 301, 302, 307, 308]),
      },
      regex_priority: { type: "integer", default: 0 },
      strip_path: { type: "boolean", default: true },
      path_handling: { type: "string", default: "v0", check: oneOf(["v0", "v1"]) },
      preserve_host: { type: "boolean", default: false },
      request_buffering: { type: "boolean", default: true },
      response_buffering: { type: "boolean", default: true },
      snis: { type: "set" },
      sources: { type: "array" },
      destinations: { type: "array" },
      tags: { type: "set" },
      service: { type: "foreign" },
    },
  },
  plugins: {
    endpointKey: "instance_name",
    unique: ["instance_name"],
    foreign: { route: "routes", service: "services", consumer: "consumers" },
    fields: {
      id: { type: "uuid" },
      name: { type: "string", required: true },
      instance_name: { type: "string" },
      ...TIMESTAMPS,
      route: { type: "foreign" },
      service: { type: "foreign" },
      consumer: { type: "foreign" },
      config: { type: "record" },
      protocols: { type: "set" },
      enabled: { type: "boolean", default: true },
      tags: { type: "set" },
      ordering: { type: "record" },
    },
  },
  consumers: {
    endpointKey: "username",
    unique: ["username", "custom_id"],
    foreign: {},
    fields: {
      id: { type: "uuid" },
      ...TIMESTAMPS,
      username: { type: "string" },
      custom_id: { type: "string" },
      tags: { type: "set" },
    },
  },
  "key-auths": {
    endpointKey: "key",
    unique: ["key"],
    foreign: { consumer: "consumers" },
    generated: { key: randomToken },
    fields: {
      id: { type: "uuid" },
      ...CREATED_AT,
      consumer: { type: "foreign", required: true },
      key: { type: "string" },
      ttl: { type: "integer", check: between(0, 100000000) },
      tags: { type: "set" },
    },
  },
  "basic-auths": {
    endpointKey: "username",
    unique: ["username"],
    foreign: { consumer: "consumers" },
    fields: {
      id: { type: "uuid" },
      ...CREATED_AT,
      consumer: { type: "foreign", required: true },
      username: { type: "string", required: true },
      password: { type: "string", required: true },
      tags: { type: "set" },
    },
  },
  oauth2: {
    endpointKey: "client_id",
    unique: ["client_id"],
    foreign: { consumer: "consumers" },
    generated: { client_id: randomToken, client_secret: randomToken },
    fields: {
      id: { type: "uuid" },
      ...CREATED_AT,
      consumer: { type: "foreign", required: true },
      name: { type: "string", required: true },
      client_id: { type: "string" },
      client_secret: { type: "string" },
      hash_secret: { type: "boolean", default: false },
      redirect_uris: { type: "array" },
      client_type: {
        type: "string",
        default: "confidential",
        check: oneOf(["confidential", "public"]),
      },
      tags: { type: "set" },
    },
  },
};

// Child collections that point at a parent, and what deleting the parent does to them.
const RELATIONS: readonly {
  readonly child: KongEntityKind;
  readonly field: "service" | "route" | "consumer";
  readonly parent: KongEntityKind;
  readonly onDelete: "restrict" | "cascade";
}[] = [
  { child: "routes", field: "service", parent: "services", onDelete: "restrict" },
  { child: "plugins", field: "service", parent: "services", onDelete: "cascade" },
  { child: "plugins", field: "route", parent: "routes", onDelete: "cascade" },
  { child: "plugins", field: "consumer", parent: "consumers", onDelete: "cascade" },
  { child: "key-auths", field: "consumer", parent: "consumers", onDelete: "cascade" },
  { child: "basic-auths", field: "consumer", parent: "consumers", onDelete: "cascade" },
  { child: "oauth2", field: "consumer", parent: "consumers", onDelete: "cascade" },
];

class Collection {
  readonly byId = new Map<string, Stored>();
  readonly byKey = new Map<string, Map<unknown, string>>();
  readonly order: Stored[] = [];

  constructor(unique: readonly string[]) {
    for (const field of unique) this.byKey.set(field, new Map());
  }
}

/** How an entity is being written. */
export type WriteMode = "create" | "replace" | "patch";

/** Options of a write. */
export interface WriteOptions {
  /** Nested endpoint: the parent the entity belongs to. */
  readonly parent?: ParentScope;
  /** Extra fields set by the emulator (not validated as user input), e.g. `consumer_group`. */
  readonly extraFields?: Readonly<Record<string, unknown>>;
  /**
   * Kong's write transformations (basic-auth password hashing); default true. A declarative
   * document with `_transform: false` carries passwords already hashed.
   */
  readonly transform?: boolean;
}

/** The entities of one workspace. */
export class KongStore {
  readonly #plugins: PluginCatalogue;
  readonly #collections = new Map<KongEntityKind, Collection>();
  // "plugins.service" → parent id → child ids
  readonly #children = new Map<string, Map<string, Set<string>>>();
  // "name|service|route|consumer" → plugin id
  readonly #pluginScopes = new Map<string, string>();
  readonly #pluginNames = new Map<string, number>();
  readonly #now: () => number;
  #seq = 0;

  /** Creates an empty workspace. */
  constructor(options: { plugins: PluginCatalogue; now?: () => number }) {
    this.#plugins = options.plugins;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
    for (const kind of KONG_ENTITY_KINDS) {
      this.#collections.set(kind, new Collection(KINDS[kind].unique));
    }
    for (const relation of RELATIONS) {
      this.#children.set(`${relation.child}.${relation.field}`, new Map());
    }
  }

  /** Number of entities of a kind. */
  count(kind: KongEntityKind): number {
    return this.#collection(kind).order.length;
  }

  /** Names of the plugins present (Kong's `enabled_in_cluster`), sorted. */
  pluginNamesInUse(): string[] {
    return [...this.#pluginNames.keys()].sort();
  }

  /** All entities of a kind in listing order (live objects: do not mutate). */
  all(kind: KongEntityKind): readonly KongEntity[] {
    return this.#collection(kind).order.map((stored) => stored.entity);
  }

  /**
   * Finds an entity by id, or by its endpoint key (name, username, instance_name). Like Kong, a
   * UUID that matches no id is also tried as a name.
   */
  find(kind: KongEntityKind, idOrKey: string): KongEntity | undefined {
    const collection = this.#collection(kind);
    if (UUID.test(idOrKey)) {
      const stored = collection.byId.get(idOrKey.toLowerCase());
      if (stored) return stored.entity;
    }
    const endpointKey = KINDS[kind].endpointKey;
    if (!endpointKey) return undefined;
    const id = collection.byKey.get(endpointKey)?.get(idOrKey);
    return id === undefined ? undefined : collection.byId.get(id)?.entity;
  }

  /** Finds an entity that must belong to `parent` (nested endpoints); otherwise undefined. */
  findIn(kind: KongEntityKind, idOrKey: string, parent?: ParentScope): KongEntity | undefined {
    const entity = this.find(kind, idOrKey);
    if (!entity || !parent) return entity;
    return (entity[parent.field] as ForeignKey | null)?.id === parent.id ? entity : undefined;
  }

  /** Sequence number of the first entity at or after `seq` (for offsets of deleted entities). */
  #lowerBound(items: readonly Stored[], seq: number): number {
    let low = 0;
    let high = items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (items[middle].seq < seq) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /**
   * One page of a collection starting at sequence `fromSeq`. Like Kong, it reads up to `size + 1`
   * entities: the extra one only tells whether there is a next page, so a page that ends exactly
   * at the end of the collection is the last one.
   */
  page(kind: KongEntityKind, options: {
    readonly fromSeq: number;
    readonly size: number;
    readonly parent?: ParentScope;
    readonly filter?: (entity: KongEntity) => boolean;
  }): StorePage {
    let items: readonly Stored[];
    if (options.parent) {
      const ids = this.#children.get(`${kind}.${options.parent.field}`)?.get(options.parent.id);
      const collection = this.#collection(kind);
      items = [...(ids ?? [])].map((id) => collection.byId.get(id)!).sort((a, b) => a.seq - b.seq);
    } else {
      items = this.#collection(kind).order;
    }
    const data: KongEntity[] = [];
    for (let i = this.#lowerBound(items, options.fromSeq); i < items.length; i++) {
      const stored = items[i];
      if (options.filter && !options.filter(stored.entity)) continue;
      if (data.length === options.size) {
        return { data, nextSeq: stored.seq, nextId: stored.entity.id };
      }
      data.push(stored.entity);
    }
    return { data };
  }

  /** POST: creates an entity; 409 when its id or a unique value is taken. */
  create(
    kind: KongEntityKind,
    input: Record<string, unknown>,
    options: WriteOptions = {},
  ): KongEntity {
    if (typeof input.id === "string" && this.#collection(kind).byId.has(input.id.toLowerCase())) {
      throw primaryKeyViolation(input.id);
    }
    const entity = this.#build(kind, input, "create", undefined, options);
    this.#save(kind, entity, undefined);
    return entity;
  }

  /**
   * PUT: creates or replaces the entity named by `idOrKey` (an id, or the endpoint key which then
   * becomes the entity's name). Fields not given get their defaults again.
   */
  upsert(
    kind: KongEntityKind,
    idOrKey: string,
    input: Record<string, unknown>,
    options: WriteOptions = {},
  ): KongEntity {
    const existing = this.find(kind, idOrKey);
    if (existing && options.parent && !this.findIn(kind, idOrKey, options.parent)) {
      throw notFound();
    }
    const body: Record<string, unknown> = { ...input };
    const endpointKey = KINDS[kind].endpointKey;
    const byId = UUID.test(idOrKey) && (!existing || existing.id === idOrKey.toLowerCase());
    if (byId) {
      body.id = idOrKey.toLowerCase();
    } else if (endpointKey) {
      // PUT /services/{name}: the path names the entity, whatever the body says.
      body[endpointKey] = idOrKey;
      if (existing) body.id = existing.id;
      else delete body.id;
    }
    const entity = this.#build(kind, body, "replace", existing, options);
    this.#save(kind, entity, existing);
    return entity;
  }

  /** PATCH: merges `input` into the entity (records such as plugin `config` are merged too). */
  update(
    kind: KongEntityKind,
    idOrKey: string,
    input: Record<string, unknown>,
    options: WriteOptions = {},
  ): KongEntity {
    const existing = this.findIn(kind, idOrKey, options.parent);
    if (!existing) throw notFound();
    const entity = this.#build(kind, { ...input, id: existing.id }, "patch", existing, options);
    this.#save(kind, entity, existing);
    return entity;
  }

  /** DELETE: removes the entity (no-op when absent); routes still attached to a service block it. */
  remove(kind: KongEntityKind, idOrKey: string, options: { parent?: ParentScope } = {}): void {
    const entity = this.find(kind, idOrKey);
    if (!entity) return;
    if (options.parent && !this.findIn(kind, idOrKey, options.parent)) throw notFound();
    for (const relation of RELATIONS.filter((r) => r.parent === kind)) {
      const children = this.#children.get(`${relation.child}.${relation.field}`)!.get(entity.id);
      if (relation.onDelete === "restrict" && children && children.size > 0) {
        throw foreignKeyRestricted(kind, relation.child);
      }
    }
    for (const relation of RELATIONS.filter((r) => r.parent === kind)) {
      const children = this.#children.get(`${relation.child}.${relation.field}`)!.get(entity.id);
      for (const childId of [...(children ?? [])]) this.remove(relation.child, childId);
    }
    this.#unindex(kind, entity);
    const collection = this.#collection(kind);
    const stored = collection.byId.get(entity.id)!;
    collection.byId.delete(entity.id);
    const index = this.#lowerBound(collection.order, stored.seq);
    collection.order.splice(index, 1);
  }

  #collection(kind: KongEntityKind): Collection {
    return this.#collections.get(kind)!;
  }

  #save(kind: KongEntityKind, entity: KongEntity, existing: KongEntity | undefined): void {
    this.#checkUnique(kind, entity);
    const collection = this.#collection(kind);
    if (existing) {
      this.#unindex(kind, existing);
      collection.byId.get(existing.id)!.entity = entity;
    } else {
      const stored: Stored = { seq: ++this.#seq, entity };
      collection.byId.set(entity.id, stored);
      collection.order.push(stored);
    }
    this.#index(kind, entity);
  }

  #checkUnique(kind: KongEntityKind, entity: KongEntity): void {
    const collection = this.#collection(kind);
    for (const field of KINDS[kind].unique) {
      const value = entity[field];
      if (value === null || value === undefined) continue;
      const owner = collection.byKey.get(field)!.get(value);
      if (owner !== undefined && owner !== entity.id) throw uniqueViolation({ [field]: value });
    }
    if (kind === "plugins") {
      const owner = this.#pluginScopes.get(pluginScopeKey(entity));
      if (owner !== undefined && owner !== entity.id) {
        throw uniqueViolation({
          consumer: entity.consumer ?? null,
          name: entity.name,
          route: entity.route ?? null,
          service: entity.service ?? null,
        });
      }
    }
  }

  #index(kind: KongEntityKind, entity: KongEntity): void {
    const collection = this.#collection(kind);
    for (const field of KINDS[kind].unique) {
      const value = entity[field];
      if (value !== null && value !== undefined) collection.byKey.get(field)!.set(value, entity.id);
    }
    for (const relation of RELATIONS.filter((r) => r.child === kind)) {
      const parentId = (entity[relation.field] as ForeignKey | null)?.id;
      if (!parentId) continue;
      const byParent = this.#children.get(`${kind}.${relation.field}`)!;
      let ids = byParent.get(parentId);
      if (!ids) byParent.set(parentId, ids = new Set());
      ids.add(entity.id);
    }
    if (kind === "plugins") {
      this.#pluginScopes.set(pluginScopeKey(entity), entity.id);
      const name = String(entity.name);
      this.#pluginNames.set(name, (this.#pluginNames.get(name) ?? 0) + 1);
    }
  }

  #unindex(kind: KongEntityKind, entity: KongEntity): void {
    const collection = this.#collection(kind);
    for (const field of KINDS[kind].unique) {
      const value = entity[field];
      if (value !== null && value !== undefined) collection.byKey.get(field)!.delete(value);
    }
    for (const relation of RELATIONS.filter((r) => r.child === kind)) {
      const parentId = (entity[relation.field] as ForeignKey | null)?.id;
      if (!parentId) continue;
      const byParent = this.#children.get(`${kind}.${relation.field}`)!;
      const ids = byParent.get(parentId);
      ids?.delete(entity.id);
      if (ids?.size === 0) byParent.delete(parentId);
    }
    if (kind === "plugins") {
      this.#pluginScopes.delete(pluginScopeKey(entity));
      const name = String(entity.name);
      const left = (this.#pluginNames.get(name) ?? 1) - 1;
      if (left === 0) this.#pluginNames.delete(name);
      else this.#pluginNames.set(name, left);
    }
  }

  /** Validates input and produces the stored entity, or throws Kong's 400. */
  #build(
    kind: KongEntityKind,
    rawInput: Record<string, unknown>,
    mode: WriteMode,
    existing: KongEntity | undefined,
    options: WriteOptions,
  ): KongEntity {
    const spec = KINDS[kind];
    const input: Record<string, unknown> = { ...rawInput };
    if (options.parent) input[options.parent.field] = { id: options.parent.id };
    const errors: FieldError[] = [];

    if (kind === "services" && "url" in input) {
      const url = input.url;
      delete input.url;
      if (typeof url !== "string") errors.push(["url", "expected a string"]);
      else Object.assign(input, parseServiceUrl(url));
    }

    const entity: Record<string, unknown> = {};
    const base = mode === "patch" && existing ? existing : undefined;
    for (const [field, fieldSpec] of Object.entries(spec.fields)) {
      entity[field] = base ? base[field] : copy(fieldSpec.default ?? null);
    }
    for (const [field, value] of Object.entries(input)) {
      const fieldSpec = spec.fields[field];
      if (!fieldSpec) {
        errors.push([field, "unknown field"]);
        continue;
      }
      if (value === null) {
        entity[field] = copy(fieldSpec.default ?? null);
        continue;
      }
      const problem = checkType(fieldSpec.type, value) ?? fieldSpec.check?.(value);
      if (problem) {
        errors.push([field, problem]);
        continue;
      }
      if (fieldSpec.type === "foreign") {
        entity[field] = this.#resolveForeign(kind, field, value as Record<string, unknown>);
      } else if (field !== "config") {
        entity[field] = copy(value);
      }
    }

    const now = this.#now();
    entity.id = typeof input.id === "string" ? input.id.toLowerCase() : crypto.randomUUID();
    entity.created_at = existing?.created_at ??
      (Number.isInteger(input.created_at) ? input.created_at : now);
    if ("updated_at" in spec.fields) entity.updated_at = now;
    for (const [field, generate] of Object.entries(spec.generated ?? {})) {
      if (entity[field] === null || entity[field] === undefined) entity[field] = generate();
    }
    const consumerId = (entity.consumer as ForeignKey | null)?.id;
    if (
      kind === "basic-auths" && typeof input.password === "string" && consumerId &&
      options.transform !== false
    ) {
      entity.password = kongBasicAuthHash(consumerId, input.password);
    }

    if (kind === "plugins") this.#buildPlugin(entity, input, mode, existing, errors);
    for (const [field, fieldSpec] of Object.entries(spec.fields)) {
      if (fieldSpec.required && (entity[field] === null || entity[field] === undefined)) {
        if (!errors.some(([name]) => name === field)) {
          errors.push([field, "required field missing"]);
        }
      }
    }
    if (kind === "routes" && errors.length === 0) errors.push(...routeChecks(entity));
    if (kind === "consumers" && entity.username === null && entity.custom_id === null) {
      errors.push([
        "@entity",
        "at least one of these fields must be non-empty: 'custom_id', 'username'",
      ]);
    }
    if (errors.length > 0) throw schemaViolation(errors);
    return { ...entity, ...options.extraFields } as KongEntity;
  }

  #buildPlugin(
    entity: Record<string, unknown>,
    input: Record<string, unknown>,
    mode: WriteMode,
    existing: KongEntity | undefined,
    errors: FieldError[],
  ): void {
    if (typeof entity.name !== "string" || entity.name === "") return;
    const definition = this.#plugins(entity.name);
    if (!definition) {
      errors.push([
        "name",
        `plugin '${entity.name}' not enabled; add it to the 'plugins' configuration property`,
      ]);
      return;
    }
    if (entity.protocols === null) entity.protocols = [...definition.protocols];
    const supported = definition.supportedProtocols ?? definition.protocols;
    const unsupported = (entity.protocols as string[]).find((p) => !supported.includes(p));
    if (unsupported !== undefined) {
      errors.push(["protocols", `expected one of: ${supported.join(", ")}`]);
    }
    const given = input.config;
    if (
      given !== undefined && given !== null && (typeof given !== "object" || Array.isArray(given))
    ) {
      errors.push(["config", "expected a record"]);
      return;
    }
    const sameName = existing?.name === entity.name;
    const base = mode === "patch" && sameName
      ? existing?.config as Record<string, unknown>
      : undefined;
    const filled = fillConfig(definition, (given ?? {}) as Record<string, unknown>, base);
    errors.push(...filled.errors);
    entity.config = filled.config;
  }

  #resolveForeign(
    kind: KongEntityKind,
    field: string,
    reference: Record<string, unknown>,
  ): ForeignKey {
    const target = KINDS[kind].foreign[field];
    const key = typeof reference.id === "string"
      ? reference.id
      : typeof reference.name === "string"
      ? reference.name
      : typeof reference.username === "string"
      ? reference.username
      : undefined;
    const found = key === undefined ? undefined : this.find(target, key);
    if (!found) throw foreignKeyMissing(field, reference, target);
    return { id: found.id };
  }
}

/** Deep copy; primitives (most fields) are returned as they are, which keeps bulk seeding fast. */
function copy<T>(value: T): T {
  return value === null || typeof value !== "object" ? value : structuredClone(value);
}

function pluginScopeKey(entity: KongEntity): string {
  const id = (value: unknown) => (value as ForeignKey | null)?.id ?? "";
  return `${entity.name}|${id(entity.service)}|${id(entity.route)}|${id(entity.consumer)}`;
}

function checkType(type: FieldType, value: unknown): string | undefined {
  switch (type) {
    case "string":
      return typeof value === "string" ? undefined : "expected a string";
    case "integer":
      return Number.isInteger(value) ? undefined : "expected an integer";
    case "boolean":
      return typeof value === "boolean" ? undefined : "expected a boolean";
    case "set":
      return Array.isArray(value) ? undefined : "expected a set";
    case "array":
      return Array.isArray(value) ? undefined : "expected an array";
    case "record":
    case "foreign":
      return typeof value === "object" && value !== null && !Array.isArray(value)
        ? undefined
        : "expected a record";
    case "uuid":
      return typeof value === "string" && UUID.test(value) ? undefined : "expected a valid UUID";
    default:
      return undefined;
  }
}

/**
 * The service `url` shorthand, parsed like Kong does: a string without `scheme://` is all path,
 * so `"invalid url"` gives a missing host and a path that does not start with `/`.
 */
function parseServiceUrl(url: string): Record<string, unknown> {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#:]*)(?::(\d+))?([^?#]*)/.exec(url);
  if (!match) return { path: url };
  const protocol = match[1].toLowerCase();
  const out: Record<string, unknown> = {
    protocol,
    host: match[2] === "" ? null : match[2],
    port: match[3] ? Number(match[3]) : DEFAULT_PORTS[protocol] ?? 80,
    path: match[4] === "" ? null : match[4],
  };
  return out;
}

function routeChecks(route: Record<string, unknown>): FieldError[] {
  const protocols = (route.protocols ?? []) as string[];
  const has = (field: string) => {
    const value = route[field];
    return value !== null && value !== undefined &&
      (Array.isArray(value) ? value.length > 0 : Object.keys(value as object).length > 0);
  };
  if (protocols.includes("http") && !["methods", "hosts", "headers", "paths"].some(has)) {
    return [[
      "@entity",
      "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'",
    ]];
  }
  if (protocols.includes("https") && !["methods", "hosts", "headers", "paths", "snis"].some(has)) {
    return [[
      "@entity",
      "must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'",
    ]];
  }
  return [];
}
