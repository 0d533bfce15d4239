/**
 * Kong's declarative configuration, as DB-less Kong handles it (`kong/api/routes/config.lua`,
 * `kong/db/declarative/*`): `POST /config` validates a whole document and replaces everything
 * (or answers 304 with `check_hash=1` when its hash is the current one), `GET /config` exports
 * the current state as Kong does: YAML, `_format_version: "3.0"`, `_transform: false`, flat
 * lists in dependency order, foreign keys as plain ids, unset fields `null`.
 *
 * Documents may be flat (foreign keys as ids, names, `{id}` or `{name}`) or nested (routes and
 * plugins under services, plugins and credentials under consumers). An entity without an id gets
 * one derived from its name or key, so loading the same document twice gives the same ids (and
 * the same hash). Entity collections the emulator does not model (upstreams, certificates,
 * vaults…) are kept as given and exported again, so tests can check that a client preserves them.
 * The hash covers the loaded content without timestamps (Kong's is an MD5 of the parsed
 * entities); only its stability matters to clients.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { invalidDeclarativeConfig, KongApiError } from "./kong_emulator_errors.ts";
import {
  KONG_ENTITY_KINDS,
  type KongEntity,
  type KongEntityKind,
  KongStore,
  type ParentScope,
  type PluginCatalogue,
} from "./kong_emulator_store.ts";

/** Declarative (DAO) names of the modelled kinds. */
export const DAO_NAMES: Readonly<Record<KongEntityKind, string>> = {
  services: "services",
  routes: "routes",
  plugins: "plugins",
  consumers: "consumers",
  "key-auths": "keyauth_credentials",
  "basic-auths": "basicauth_credentials",
  oauth2: "oauth2_credentials",
};

/** Kong entity collections kept as given (Kong 3.9 DAOs the emulator does not model). */
export const OPAQUE_COLLECTIONS: readonly string[] = [
  "upstreams",
  "targets",
  "certificates",
  "snis",
  "ca_certificates",
  "vaults",
  "key_sets",
  "keys",
  "acls",
  "jwt_secrets",
  "hmacauth_credentials",
  "filter_chains",
];

/** Top-level keys that are not collections. */
const META_KEYS = ["_format_version", "_transform", "_comment", "_workspace"];
const FORMAT_VERSIONS = ["1.1", "2.1", "3.0"];
/** Children Kong accepts nested in a parent entity: child key → (kind, foreign-key field). */
const NESTED_CHILDREN: Readonly<
  Partial<Record<KongEntityKind, Readonly<Record<string, [KongEntityKind, ParentScope["field"]]>>>>
> = {
  services: { routes: ["routes", "service"], plugins: ["plugins", "service"] },
  routes: { plugins: ["plugins", "route"] },
  consumers: {
    plugins: ["plugins", "consumer"],
    keyauth_credentials: ["key-auths", "consumer"],
    basicauth_credentials: ["basic-auths", "consumer"],
    oauth2_credentials: ["oauth2", "consumer"],
  },
};
const FOREIGN_FIELDS = ["service", "route", "consumer"] as const;

/** A loaded configuration. */
export interface DeclarativeState {
  /** The modelled entities. */
  readonly store: KongStore;
  /** Collections kept as given, by declarative name. */
  readonly opaque: Readonly<Record<string, readonly Record<string, unknown>[]>>;
  /** Hash of the content (timestamps excluded), for `check_hash`. */
  readonly hash: string;
}

/** What {@linkcode loadDeclarative} needs to build entities. */
export interface LoadOptions {
  /** Installed plugins. */
  readonly plugins: PluginCatalogue;
  /** Clock for timestamps. */
  readonly now?: () => number;
}

/**
 * Parses the body of `POST /config` (a document, or `{"config": "<yaml or json>"}`) and loads it
 * into a fresh store. Throws Kong's 400 (code 14) when anything is invalid; nothing is kept then.
 */
export function loadDeclarative(body: unknown, options: LoadOptions): DeclarativeState {
  let document = body;
  if (isRecord(body) && !("_format_version" in body) && typeof body.config === "string") {
    try {
      document = parseYaml(body.config);
    } catch (error) {
      throw invalidDeclarativeConfig({
        error: `failed parsing declarative configuration: ${
          error instanceof Error ? error.message.split("\n")[0] : error
        }`,
      });
    }
  }
  if (!isRecord(document)) {
    throw invalidDeclarativeConfig({
      error: "failed parsing declarative configuration: expected an object",
    });
  }
  const problems: Record<string, unknown> = {};
  const version = document._format_version;
  if (version === undefined) problems._format_version = "required field missing";
  else if (!FORMAT_VERSIONS.includes(String(version))) {
    problems._format_version = `expected one of: ${FORMAT_VERSIONS.join(", ")}`;
  }
  if (document._transform !== undefined && typeof document._transform !== "boolean") {
    problems._transform = "expected a boolean";
  }
  const known = [...META_KEYS, ...Object.values(DAO_NAMES), ...OPAQUE_COLLECTIONS];
  for (const [key, value] of Object.entries(document)) {
    if (!known.includes(key)) problems[key] = "unknown field";
    else if (!META_KEYS.includes(key) && !Array.isArray(value)) problems[key] = "expected an array";
  }
  if (Object.keys(problems).length > 0) throw invalidDeclarativeConfig(problems);

  const store = new KongStore({ plugins: options.plugins, now: options.now });
  const loader = new Loader(store, document._transform !== false);
  for (const kind of KONG_ENTITY_KINDS) {
    const list = document[DAO_NAMES[kind]];
    if (Array.isArray(list)) {
      list.forEach((item, index) => loader.load(kind, item, DAO_NAMES[kind], index));
    }
  }
  const opaque: Record<string, Record<string, unknown>[]> = {};
  for (const name of OPAQUE_COLLECTIONS) {
    const list = document[name];
    if (!Array.isArray(list)) continue;
    opaque[name] = list.map((item, index) => {
      if (!isRecord(item)) {
        loader.fail(name, index, { "@entity": "expected a record" });
        return {};
      }
      return {
        ...structuredClone(item),
        id: typeof item.id === "string" ? item.id : crypto.randomUUID(),
      };
    });
  }
  if (loader.problems) throw invalidDeclarativeConfig(loader.problems);
  return { store, opaque, hash: contentHash(store, opaque) };
}

/** The body of a `201` from `POST /config`: declarative name → id → entity. */
export function loadedEntities(state: DeclarativeState): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const kind of KONG_ENTITY_KINDS) {
    const entities = state.store.all(kind);
    if (entities.length > 0) {
      out[DAO_NAMES[kind]] = Object.fromEntries(entities.map((entity) => [entity.id, entity]));
    }
  }
  for (const [name, entities] of Object.entries(state.opaque)) {
    out[name] = Object.fromEntries(entities.map((entity) => [String(entity.id), entity]));
  }
  return out;
}

/** `GET /config`: the state as Kong exports it (YAML). */
export function exportDeclarative(
  store: KongStore,
  opaque: Readonly<Record<string, readonly Record<string, unknown>[]>>,
): string {
  const document: Record<string, unknown> = { _format_version: "3.0", _transform: false };
  for (const kind of KONG_ENTITY_KINDS) {
    const entities = store.all(kind);
    if (entities.length === 0) continue;
    document[DAO_NAMES[kind]] = entities.map((entity) => {
      const row: Record<string, unknown> = { ...entity };
      for (const field of FOREIGN_FIELDS) {
        const reference = row[field];
        if (isRecord(reference) && typeof reference.id === "string") row[field] = reference.id;
      }
      return row;
    });
  }
  for (const [name, entities] of Object.entries(opaque)) {
    if (entities.length > 0) document[name] = entities;
  }
  return stringifyYaml(document);
}

/** Hash of a store's content for `check_hash`; timestamps do not count. */
export function contentHash(
  store: KongStore,
  opaque: Readonly<Record<string, readonly Record<string, unknown>[]>>,
): string {
  const content: Record<string, unknown> = {};
  for (const kind of KONG_ENTITY_KINDS) {
    content[kind] = store.all(kind).map(withoutTimestamps).sort(byId);
  }
  content.opaque = opaque;
  return createHash("md5").update(canonicalJson(content)).digest("hex");
}

/** Loads entities into a store, recording problems by collection and position (1-based). */
class Loader {
  readonly #store: KongStore;
  readonly #transform: boolean;
  problems: Record<string, Record<string, unknown>> | undefined;

  constructor(store: KongStore, transform: boolean) {
    this.#store = store;
    this.#transform = transform;
  }

  load(
    kind: KongEntityKind,
    item: unknown,
    collection: string,
    index: number,
    parent?: ParentScope,
  ): void {
    if (!isRecord(item)) {
      this.fail(collection, index, { "@entity": "expected a record" });
      return;
    }
    const body: Record<string, unknown> = {};
    const children: [string, unknown[]][] = [];
    for (const [field, value] of Object.entries(item)) {
      if (NESTED_CHILDREN[kind]?.[field] && Array.isArray(value)) children.push([field, value]);
      else if ((FOREIGN_FIELDS as readonly string[]).includes(field)) {
        body[field] = reference(value);
      } else if (field !== "updated_at") body[field] = value;
    }
    if (typeof body.id !== "string") {
      const natural = naturalKey(kind, body, parent);
      // Like Kong, an entity with a natural key gets the same id on every load.
      if (natural !== undefined) body.id = nameBasedId(`${kind}|${natural}`);
    }
    let entity: KongEntity;
    try {
      entity = this.#store.create(kind, body, { parent, transform: this.#transform });
    } catch (error) {
      if (!(error instanceof KongApiError)) throw error;
      this.fail(
        collection,
        index,
        (error.body.fields as Record<string, unknown>) ?? {
          "@entity": error.body.message,
        },
      );
      return;
    }
    for (const [field, list] of children) {
      const [childKind, foreign] = NESTED_CHILDREN[kind]![field];
      list.forEach((child, childIndex) =>
        this.load(childKind, child, `${collection}.${index + 1}.${field}`, childIndex, {
          field: foreign,
          id: entity.id,
        })
      );
    }
  }

  fail(collection: string, index: number, fields: Readonly<Record<string, unknown>>): void {
    this.problems ??= {};
    const entries = this.problems[collection] ?? (this.problems[collection] = {});
    entries[String(index + 1)] = fields;
  }
}

/** What names an entity without an id: its endpoint key, or a plugin's name and scope. */
function naturalKey(
  kind: KongEntityKind,
  body: Readonly<Record<string, unknown>>,
  parent: ParentScope | undefined,
): string | undefined {
  const field = {
    services: "name",
    routes: "name",
    consumers: "username",
    plugins: "name",
    "key-auths": "key",
    "basic-auths": "username",
    oauth2: "client_id",
  }[kind];
  const value = body[field] ?? (kind === "consumers" ? body.custom_id : undefined);
  if (typeof value !== "string") return undefined;
  if (kind !== "plugins") return value;
  const scope = FOREIGN_FIELDS.map((foreign) => JSON.stringify(body[foreign] ?? null)).join("|");
  return `${value}|${parent ? `${parent.field}:${parent.id}` : scope}`;
}

/** A version-5-shaped UUID from a name. */
function nameBasedId(name: string): string {
  const hex = createHash("sha1").update(name).digest("hex").slice(0, 32).split("");
  hex[12] = "5";
  hex[16] = ((Number.parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const text = hex.join("");
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${
    text.slice(20)
  }`;
}

/** A foreign key in any form Kong accepts, as the store expects it (`{id}` or `{name}`). */
function reference(value: unknown): unknown {
  if (typeof value !== "string") return value;
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
    ? { id: value }
    : { name: value, username: value };
}

function withoutTimestamps(entity: KongEntity): Record<string, unknown> {
  const { created_at: _created, updated_at: _updated, ...rest } = entity;
  return rest;
}

function byId(a: Record<string, unknown>, b: Record<string, unknown>): number {
  return String(a.id).localeCompare(String(b.id));
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isRecord(value)) {
    return `{${
      Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
        .join(",")
    }}`;
  }
  return JSON.stringify(value) ?? "null";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
