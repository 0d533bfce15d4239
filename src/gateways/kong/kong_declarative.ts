/**
 * Kong without a database (`database = off`): the only write is `POST /config` with the whole
 * declarative document. Syncing one kind of item is therefore: read the current document
 * (`GET /config`, Kong's own export: flat lists, foreign keys as ids, `_transform: false`), edit
 * only the entities the plan touches, and load the result with `check_hash=1`.
 *
 * Everything else is kept as Kong exported it: objects of other owners, the agent's objects of the
 * other kinds, upstreams, certificates, vaults… and basic-auth passwords, which Kong exports
 * hashed; `_transform: false` tells Kong not to hash them a second time (the agent hashes its own
 * the way Kong does). Removing a service, route or consumer removes what hangs off it, as Kong
 * does with a database; a removal Kong would refuse (a route of another owner on the agent's
 * service) or an entity pointing at something gone fails that item only, before anything is sent.
 *
 * @module
 */

import { parse as parseYaml } from "yaml";
import type { AdminHttpClient, AdminResponse } from "../admin_http.ts";
import { excerpt, GatewayHttpError } from "../admin_http.ts";
import { joinUrl } from "../../http/url.ts";
import {
  describeCall,
  type KongCallContext,
  kongErrorBody,
  kongStatusError,
  kongUnreachableError,
} from "./kong_errors.ts";
import { type EntityOp, FOREIGN_FIELDS, type KongCollection } from "./kong_operations.ts";

/** A declarative configuration document (`_format_version`, `services`, …). */
export type DeclarativeDocument = Readonly<Record<string, unknown>>;

/** Declarative (DAO) names of the collections the agent writes. */
export const DECLARATIVE_KEYS: Readonly<Record<KongCollection, string>> = {
  services: "services",
  routes: "routes",
  plugins: "plugins",
  consumers: "consumers",
  "key-auths": "keyauth_credentials",
  "basic-auths": "basicauth_credentials",
  oauth2: "oauth2_credentials",
};

/** Format of Kong 3.x declarative files. */
const FORMAT_VERSION = "3.0";
/** Which collection a foreign-key field points into. */
const FOREIGN_TARGET: Readonly<Record<(typeof FOREIGN_FIELDS)[number], string>> = {
  service: "services",
  route: "routes",
  consumer: "consumers",
};

type Entity = Record<string, unknown>;

/** Options of the calls of this module. */
export interface DeclarativeCallOptions {
  /** Client bound to the Admin API. */
  readonly client: AdminHttpClient;
  /** Connection facts, for messages. */
  readonly context: KongCallContext;
  /** Aborts the call. */
  readonly signal?: AbortSignal;
}

/** `GET /config`: the current declarative document (Kong answers `{"config": "<yaml>"}`). */
export async function readDeclarative(
  options: DeclarativeCallOptions,
): Promise<DeclarativeDocument> {
  const response = await call(options, "GET", undefined);
  const config = (response.body as { config?: unknown } | undefined)?.config;
  if (response.status !== 200 || typeof config !== "string") {
    throw response.status === 200
      ? new GatewayHttpError(
        `Kong answered GET /config without a "config" string: ${excerpt(response.body)}`,
        { status: response.status, body: response.body },
      )
      : kongStatusError({
        call: describeCall("GET", joinUrl(options.client.baseUrl, "config")),
        status: response.status,
        body: response.body,
        context: options.context,
      });
  }
  let parsed: unknown;
  try {
    parsed = config.trim() === "" ? {} : parseYaml(config);
  } catch (error) {
    throw new GatewayHttpError(
      `Kong's declarative configuration (GET /config) is not valid YAML: ${
        error instanceof Error ? error.message : error
      }`,
      { status: response.status },
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new GatewayHttpError(
      `Kong's declarative configuration (GET /config) is not a document: ${excerpt(config)}`,
      { status: response.status },
    );
  }
  return parsed as DeclarativeDocument;
}

/** The entities of a collection in Admin API shape (foreign keys as `{id}`). */
export function declarativeEntities(
  document: DeclarativeDocument,
  collection: KongCollection,
): Entity[] {
  const list = document[DECLARATIVE_KEYS[collection]];
  if (!Array.isArray(list)) return [];
  return list.filter(isEntity).map((entity) => {
    const out: Entity = { ...entity };
    for (const field of FOREIGN_FIELDS) {
      const id = foreignId(entity[field]);
      if (id !== undefined) out[field] = { id };
    }
    return out;
  });
}

/** The outcome of {@linkcode editDeclarative}. */
export interface DeclarativeEdit {
  /** The document to load. */
  readonly document: DeclarativeDocument;
  /** Why an item was left out (by the index given), for items that could not be applied. */
  readonly failed: ReadonlyMap<number, string>;
}

/**
 * Applies the operations of each item, in order, to a copy of `document`. An item whose result
 * would be refused by Kong is rolled back and reported in `failed`; the others stay.
 */
export function editDeclarative(
  document: DeclarativeDocument,
  items: readonly (readonly EntityOp[])[],
): DeclarativeEdit {
  const state = new DeclarativeState(document);
  const failed = new Map<number, string>();
  items.forEach((ops, index) => {
    const problem = state.apply(ops);
    if (problem !== undefined) failed.set(index, problem);
  });
  return { document: state.toDocument(), failed };
}

/**
 * `POST /config?check_hash=1`: loads the document; `"unchanged"` when Kong's hash says it already
 * runs this configuration (304). Throws with Kong's explanation when the document is refused.
 */
export async function pushDeclarative(
  document: DeclarativeDocument,
  options: DeclarativeCallOptions,
): Promise<"loaded" | "unchanged"> {
  const response = await call(options, "POST", document);
  if (response.status === 201 || response.status === 200) return "loaded";
  if (response.status === 304) return "unchanged";
  const kong = kongErrorBody(response.body);
  const where = describeCall("POST", joinUrl(options.client.baseUrl, "config"));
  if (response.status === 400) {
    throw new GatewayHttpError(
      `Kong refused the declarative configuration (${where}, 400): ${
        kong.message ?? excerpt(response.body)
      }${kong.fields === undefined ? "" : ` ${excerpt(kong.fields)}`}`,
      { status: response.status, body: response.body },
    );
  }
  if (response.status === 429) {
    throw new GatewayHttpError(
      `Kong is still loading a previous configuration (${where}, 429); the next sync retries`,
      { status: response.status, body: response.body },
    );
  }
  throw kongStatusError({
    call: where,
    status: response.status,
    body: response.body,
    context: options.context,
  });
}

async function call(
  options: DeclarativeCallOptions,
  method: "GET" | "POST",
  body: DeclarativeDocument | undefined,
): Promise<AdminResponse> {
  try {
    return await options.client.send(method, "config", {
      body,
      query: method === "POST" ? { check_hash: 1 } : undefined,
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    throw kongUnreachableError(error);
  }
}

/** One mutation, remembered so that a failing item can be undone. */
interface Change {
  readonly key: string;
  readonly id: string;
  readonly before: Entity | undefined;
}

/**
 * The document as ordered maps (declarative key → id → entity), edited item by item with an undo
 * log, so a large gateway costs one pass per item and not one copy.
 */
class DeclarativeState {
  readonly #scalars: [string, unknown][] = [];
  readonly #collections = new Map<string, Map<string, Entity>>();

  constructor(document: DeclarativeDocument) {
    for (const [key, value] of Object.entries(document)) {
      if (!Array.isArray(value)) {
        this.#scalars.push([key, value]);
        continue;
      }
      const entities = new Map<string, Entity>();
      value.forEach((entity, index) => {
        // Entities without an id (never in Kong's export) are kept under a private key.
        const id = isEntity(entity) && typeof entity.id === "string" ? entity.id : `#${index}`;
        entities.set(id, entity as Entity);
      });
      this.#collections.set(key, entities);
    }
  }

  /** Applies one item's operations; returns why it cannot be applied (and undoes it). */
  apply(ops: readonly EntityOp[]): string | undefined {
    const log: Change[] = [];
    let problem: string | undefined;
    const added: { op: EntityOp; entity: Entity }[] = [];
    for (const op of ops) {
      const key = DECLARATIVE_KEYS[op.collection];
      if (op.kind === "delete") {
        this.#remove(key, op.id, log);
        problem = this.#restrictions(key, op.id, op.what);
      } else {
        const entity: Entity = { id: op.id };
        for (const [field, value] of Object.entries(op.stored ?? op.body)) {
          entity[field] = (FOREIGN_FIELDS as readonly string[]).includes(field)
            ? foreignId(value) ?? null
            : value;
        }
        this.#set(key, op.id, entity, log);
        added.push({ op, entity });
      }
      if (problem) break;
    }
    problem ??= added.map(({ op, entity }) => this.#dangling(op, entity)).find(Boolean);
    if (problem) {
      for (const change of log.reverse()) {
        const entities = this.#collection(change.key);
        if (change.before === undefined) entities.delete(change.id);
        else entities.set(change.id, change.before);
      }
    }
    return problem;
  }

  toDocument(): DeclarativeDocument {
    const document: Record<string, unknown> = {};
    for (const [key, value] of this.#scalars) document[key] = value;
    // Kong 3.x format; passwords and secrets in the document are as Kong stored them.
    document._format_version ??= FORMAT_VERSION;
    document._transform = false;
    for (const [key, entities] of this.#collections) document[key] = [...entities.values()];
    return document;
  }

  #collection(key: string): Map<string, Entity> {
    let entities = this.#collections.get(key);
    if (!entities) this.#collections.set(key, entities = new Map());
    return entities;
  }

  #set(key: string, id: string, entity: Entity, log: Change[]): void {
    const entities = this.#collection(key);
    log.push({ key, id, before: entities.get(id) });
    entities.set(id, entity);
  }

  /** Removes an entity and, like Kong, everything that cascades from it. */
  #remove(key: string, id: string, log: Change[]): void {
    const entities = this.#collection(key);
    const before = entities.get(id);
    if (before === undefined) return;
    log.push({ key, id, before });
    entities.delete(id);
    const field = Object.entries(FOREIGN_TARGET).find(([, target]) => target === key)?.[0];
    if (field === undefined) return;
    for (const [otherKey, others] of this.#collections) {
      // Routes restrict the deletion of their service (checked afterwards); the rest cascades.
      if (otherKey === "routes" && field === "service") continue;
      for (const [otherId, other] of [...others]) {
        if (foreignId(other[field]) === id) this.#remove(otherKey, otherId, log);
      }
    }
  }

  /** Kong refuses to delete a service that still has routes: name the route that blocks it. */
  #restrictions(key: string, id: string, what: string): string | undefined {
    if (key !== "services") return undefined;
    const route = [...this.#collection("routes").values()].find((candidate) =>
      foreignId(candidate.service) === id
    );
    if (route === undefined) return undefined;
    return `cannot ${what}: route ${
      String(route.name ?? route.id)
    }, which stoa-connect does not own, still uses the service; Kong cannot remove a service with routes: move or remove that route`;
  }

  #dangling(op: EntityOp, entity: Entity): string | undefined {
    for (const field of FOREIGN_FIELDS) {
      const id = foreignId(entity[field]);
      if (id === undefined) continue;
      if (!this.#collection(FOREIGN_TARGET[field]).has(id)) {
        return `cannot ${op.what}: its ${field} ${id} is no longer on the gateway; the next sync plans again`;
      }
    }
    return undefined;
  }
}

function isEntity(value: unknown): value is Entity {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A foreign key as exported (`"<id>"`) or as the Admin API shows it (`{"id": "<id>"}`). */
function foreignId(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (isEntity(value) && typeof value.id === "string") return value.id;
  return undefined;
}
