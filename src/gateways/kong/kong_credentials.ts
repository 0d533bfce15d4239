/**
 * Planning consumer credentials (from Vault) on Kong. Each Vault consumer becomes a Kong consumer
 * `stoa-<consumer id>` owning key-auth, basic-auth and OAuth2 credentials, all tagged
 * `stoa-consumer:<consumer id>`. A credential is identified by its key (API key, basic-auth user,
 * OAuth2 client id): a new key is created and the old one deleted (rotation), a new secret for
 * the same key is written in place, and a consumer gone from Vault is deleted with everything it
 * owns.
 *
 * Kong credentials belong to the consumer, not to an API: the API name is kept as the OAuth2
 * application name only. Secrets never appear in the plan.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { z } from "zod";
import { GatewayHttpError } from "../admin_http.ts";
import type { CredentialAuthType, DesiredCredential } from "../../sync/desired.ts";
import type { FieldChange } from "../../sync/plan.ts";
import { MASKED } from "../field_diff.ts";
import { deleteOp, type EntityOp, type KongCollection } from "./kong_operations.ts";
import { consumerUsername, mergeTags, ownedTags, ownerId, stableId } from "./kong_ownership.ts";
import { type PlannedItem, plannedItem } from "./kong_plan_item.ts";
import type { KongStateReader } from "./kong_state.ts";
import {
  KongBasicAuthSchema,
  type KongConsumer,
  KongConsumerSchema,
  KongKeyAuthSchema,
  KongOauth2Schema,
} from "./kong_types.ts";

/** Options of {@linkcode planCredentialItems}. */
export interface CredentialPlanOptions {
  /** Reads Kong. */
  readonly reader: KongStateReader;
  /** Enterprise workspace, part of generated ids. */
  readonly workspace?: string;
}

/** A credential as Kong has it, reduced to what is compared. */
interface ExistingCredential {
  readonly type: CredentialAuthType;
  readonly id: string;
  readonly key: string;
  /** basic-auth: the stored hash; oauth2: the secret (clear unless hash_secret). */
  readonly secret: string | null;
  readonly name: string | null;
  readonly hashed: boolean;
  readonly tags: readonly string[] | null;
  readonly consumer: string | undefined;
}

/** A credential Vault wants. */
interface WantedCredential {
  readonly type: CredentialAuthType;
  readonly key: string;
  readonly secret: string | undefined;
  readonly apis: string[];
}

const COLLECTIONS: Readonly<Record<CredentialAuthType, KongCollection>> = {
  "key-auth": "key-auths",
  "basic-auth": "basic-auths",
  "oauth2": "oauth2",
};

/**
 * Kong's basic-auth password hash (`kong/plugins/basic-auth/crypto.lua`): SHA-1 of the password
 * followed by the consumer id, in hex. Used to compare without knowing the stored password, and
 * to write DB-less documents, which Kong loads without hashing again (`_transform: false`).
 */
export function basicAuthHash(consumerId: string, password: string): string {
  return createHash("sha1").update(`${password}${consumerId}`).digest("hex");
}

/** Plans every consumer of the desired credentials, then deletes for owned consumers left over. */
export async function planCredentialItems(
  desired: readonly DesiredCredential[],
  options: CredentialPlanOptions,
): Promise<PlannedItem[]> {
  const { reader } = options;
  const consumers = new Map<string, KongConsumer[]>();
  for (const consumer of await reader.owned("consumers", KongConsumerSchema)) {
    const id = ownerId(consumer.tags, "consumer");
    if (id !== undefined) consumers.set(id, [...(consumers.get(id) ?? []), consumer]);
  }
  const { byConsumer: credentials, unavailable } = await readCredentials(reader);
  const wanted = new Map<string, DesiredCredential[]>();
  for (const credential of desired) {
    wanted.set(credential.consumerId, [...(wanted.get(credential.consumerId) ?? []), credential]);
  }
  // A key can authenticate one consumer only: the first consumer listing it keeps it.
  const keyOwners = new Map<string, string>();
  const planned: PlannedItem[] = [];
  for (const [consumerId, entries] of wanted) {
    const [consumer, ...extra] = consumers.get(consumerId) ?? [];
    consumers.delete(consumerId);
    planned.push(
      consumerItem({
        consumerId,
        entries,
        consumer,
        extra,
        credentials: credentials.get(consumerId) ?? [],
        keyOwners,
        unavailable,
        workspace: options.workspace,
      }),
    );
    credentials.delete(consumerId);
  }
  for (const consumerId of new Set([...consumers.keys(), ...credentials.keys()])) {
    planned.push(
      removalItem(consumerId, consumers.get(consumerId) ?? [], credentials.get(consumerId) ?? []),
    );
  }
  return planned;
}

/** Credentials Kong has, by consumer, and the types Kong does not serve at all. */
interface CredentialsOnKong {
  /** Owned credentials, by the Control Plane consumer id of their tag. */
  readonly byConsumer: Map<string, ExistingCredential[]>;
  /** Types whose plugin Kong does not load (its endpoints answer 404). */
  readonly unavailable: ReadonlySet<CredentialAuthType>;
}

/** Owned credentials of the three types; a type whose plugin Kong lacks has none. */
async function readCredentials(reader: KongStateReader): Promise<CredentialsOnKong> {
  const unavailable = new Set<CredentialAuthType>();
  const read = <T extends z.ZodType>(type: CredentialAuthType, schema: T) =>
    reader.owned(COLLECTIONS[type], schema).catch((error) => {
      // Kong serves credential endpoints only for loaded plugins (`plugins` in kong.conf).
      if (!(error instanceof GatewayHttpError) || error.status !== 404) throw error;
      unavailable.add(type);
      return [] as z.infer<T>[];
    });
  const [keyAuths, basicAuths, oauth2] = await Promise.all([
    read("key-auth", KongKeyAuthSchema),
    read("basic-auth", KongBasicAuthSchema),
    read("oauth2", KongOauth2Schema),
  ]);
  const base = (
    type: CredentialAuthType,
    credential: { id: string; tags?: readonly string[] | null; consumer?: { id: string } | null },
  ) => ({
    type,
    id: credential.id,
    tags: credential.tags ?? null,
    consumer: credential.consumer?.id,
  });
  const all: ExistingCredential[] = [
    ...keyAuths.map((c) => ({
      ...base("key-auth", c),
      key: c.key,
      secret: null,
      name: null,
      hashed: false,
    })),
    ...basicAuths.map((c) => ({
      ...base("basic-auth", c),
      key: c.username,
      secret: c.password ?? null,
      name: null,
      hashed: true,
    })),
    ...oauth2.map((c) => ({
      ...base("oauth2", c),
      key: c.client_id,
      secret: c.client_secret ?? null,
      name: c.name ?? null,
      hashed: c.hash_secret === true,
    })),
  ];
  const byConsumer = new Map<string, ExistingCredential[]>();
  for (const credential of all) {
    const id = ownerId(credential.tags, "consumer");
    if (id !== undefined) byConsumer.set(id, [...(byConsumer.get(id) ?? []), credential]);
  }
  return { byConsumer, unavailable };
}

function consumerItem(options: {
  readonly consumerId: string;
  readonly entries: readonly DesiredCredential[];
  readonly consumer: KongConsumer | undefined;
  readonly extra: readonly KongConsumer[];
  readonly credentials: readonly ExistingCredential[];
  readonly keyOwners: Map<string, string>;
  readonly unavailable: ReadonlySet<CredentialAuthType>;
  readonly workspace?: string;
}): PlannedItem {
  const { consumerId, consumer, credentials, workspace } = options;
  const username = consumerUsername(consumerId);
  const kongId = consumer?.id ?? stableId(workspace ?? "", "consumer", consumerId);
  const tags = ownedTags("consumer", consumerId);
  const { wanted, problems } = wantedCredentials(options.entries);
  for (const type of new Set(wanted.map((credential) => credential.type))) {
    if (options.unavailable.has(type)) {
      problems.push(
        `Kong does not serve ${type} credentials: the ${type} plugin is not loaded (add it to the plugins setting of kong.conf)`,
      );
    }
  }
  for (const credential of wanted) {
    const key = `${credential.type}|${credential.key}`;
    const holder = options.keyOwners.get(key);
    if (holder !== undefined && holder !== consumerId) {
      problems.push(
        `the ${credential.type} ${keyNoun(credential.type)} of ${
          credential.apis.join(", ")
        } is already used by consumer ${holder}; Kong matches a key to one consumer only`,
      );
    }
  }
  const facts = {
    kind: "credential" as const,
    id: consumerId,
    name: consumerId,
    target: `consumer ${username}`,
    exists: consumer !== undefined || credentials.length > 0,
    wanted: true,
  };
  if (problems.length > 0) {
    return plannedItem({ ...facts, ops: [], changes: [], error: problems.join("; ") });
  }
  for (const credential of wanted) {
    options.keyOwners.set(`${credential.type}|${credential.key}`, consumerId);
  }
  const consumerOps: EntityOp[] = [];
  const upserts: EntityOp[] = [];
  const changes: FieldChange[] = [];
  if (!consumer || consumer.username !== username) {
    consumerOps.push({
      kind: "upsert",
      collection: "consumers",
      id: kongId,
      body: { username, tags: mergeTags(tags, consumer?.tags) },
      what: `${consumer ? "update" : "create"} consumer ${username}`,
    });
    changes.push({
      field: "consumer.username",
      ...(consumer ? { before: consumer.username ?? null } : {}),
      after: username,
    });
  }
  const remaining = [...credentials];
  const deletes: EntityOp[] = [];
  // A key on another Kong consumer must go before it is created again (keys are unique).
  const moved: EntityOp[] = [];
  for (const credential of wanted) {
    const index = remaining.findIndex((existing) =>
      existing.type === credential.type && existing.key === credential.key &&
      existing.consumer === kongId
    );
    const existing = index >= 0 ? remaining.splice(index, 1)[0] : undefined;
    const field = `${credential.type} (${credential.apis.join(", ")})`;
    const change = credentialChange(credential, existing, kongId);
    if (change === undefined) continue;
    const id = existing?.id ??
      stableId(workspace ?? "", credential.type, consumerId, credential.key);
    upserts.push(credentialOp(credential, id, kongId, mergeTags(tags, existing?.tags), existing));
    changes.push({ field, ...change });
  }
  for (const existing of remaining) {
    const recreated = wanted.some((credential) =>
      credential.type === existing.type && credential.key === existing.key
    );
    (recreated ? moved : deletes).push(credentialDelete(existing));
    changes.push({
      field: existing.type,
      before: shown(existing.type, existing.key, existing.name),
    });
  }
  for (const extra of options.extra) {
    deletes.push(
      deleteOp("consumers", extra.id, `delete duplicate consumer ${extra.username ?? extra.id}`),
    );
  }
  // New credentials first, old ones after: a rotated key never leaves a gap.
  return plannedItem({
    ...facts,
    ops: [...consumerOps, ...moved, ...upserts, ...deletes],
    changes,
  });
}

/** Vault entries merged by key; the same key with two secrets cannot be expressed. */
function wantedCredentials(
  entries: readonly DesiredCredential[],
): { wanted: WantedCredential[]; problems: string[] } {
  const wanted: WantedCredential[] = [];
  const problems: string[] = [];
  for (const entry of entries) {
    if (entry.authType === "basic-auth" && !entry.secret) {
      problems.push(
        `the basic-auth credential of ${entry.apiName} has no password (secret) in Vault`,
      );
      continue;
    }
    const same = wanted.find((candidate) =>
      candidate.type === entry.authType && candidate.key === entry.key
    );
    if (!same) {
      wanted.push({
        type: entry.authType,
        key: entry.key,
        secret: entry.secret,
        apis: [entry.apiName],
      });
      continue;
    }
    if ((same.secret ?? "") !== (entry.secret ?? "")) {
      problems.push(
        `the ${entry.authType} ${keyNoun(entry.authType)} is given for ${
          same.apis.join(", ")
        } and ${entry.apiName} with different secrets; Kong keeps one secret per ${
          keyNoun(entry.authType)
        }`,
      );
      continue;
    }
    if (!same.apis.includes(entry.apiName)) same.apis.push(entry.apiName);
  }
  return { wanted, problems };
}

/** What changes for one credential, `undefined` when Kong already has it right. */
function credentialChange(
  wanted: WantedCredential,
  existing: ExistingCredential | undefined,
  kongConsumerId: string,
): Omit<FieldChange, "field"> | undefined {
  const after = shown(wanted.type, wanted.key, oauthName(wanted));
  if (!existing) return { after };
  if (wanted.type === "basic-auth") {
    return existing.secret === basicAuthHash(kongConsumerId, wanted.secret ?? "")
      ? undefined
      : { before: shown(existing.type, existing.key, null), after };
  }
  if (wanted.type === "oauth2") {
    const secretChanged = wanted.secret !== undefined &&
      (existing.hashed || existing.secret !== wanted.secret);
    if (!secretChanged && existing.name === oauthName(wanted) && !existing.hashed) return undefined;
    return { before: shown(existing.type, existing.key, existing.name), after };
  }
  return undefined;
}

function credentialOp(
  wanted: WantedCredential,
  id: string,
  kongConsumerId: string,
  tags: string[],
  existing: ExistingCredential | undefined,
): EntityOp {
  const consumer = { id: kongConsumerId };
  const what = `${existing ? "update" : "create"} ${wanted.type} credential of ${
    wanted.apis.join(", ")
  }`;
  const collection = COLLECTIONS[wanted.type];
  if (wanted.type === "key-auth") {
    const body = { key: wanted.key, consumer, tags };
    return { kind: "upsert", collection, id, body, what, secrets: [wanted.key] };
  }
  if (wanted.type === "basic-auth") {
    const body = { username: wanted.key, password: wanted.secret ?? "", consumer, tags };
    return {
      kind: "upsert",
      collection,
      id,
      body,
      stored: { ...body, password: basicAuthHash(kongConsumerId, wanted.secret ?? "") },
      what,
      secrets: [wanted.secret ?? ""],
    };
  }
  return {
    kind: "upsert",
    collection,
    id,
    body: {
      name: oauthName(wanted),
      client_id: wanted.key,
      ...(wanted.secret === undefined ? {} : { client_secret: wanted.secret }),
      hash_secret: false,
      consumer,
      tags,
    },
    what,
    secrets: [wanted.secret ?? ""],
  };
}

function credentialDelete(existing: ExistingCredential): EntityOp {
  return {
    kind: "delete",
    collection: COLLECTIONS[existing.type],
    id: existing.id,
    consumer: existing.consumer,
    what: `delete ${existing.type} credential ${existing.id}`,
  };
}

/** An owned consumer Vault no longer lists: deleting it deletes its credentials too (Kong). */
function removalItem(
  consumerId: string,
  consumers: readonly KongConsumer[],
  credentials: readonly ExistingCredential[],
): PlannedItem {
  const ops: EntityOp[] = [];
  const changes: FieldChange[] = [];
  const kongIds = new Set(consumers.map((consumer) => consumer.id));
  for (const credential of credentials.filter((c) => !c.consumer || !kongIds.has(c.consumer))) {
    ops.push(credentialDelete(credential));
  }
  for (const credential of credentials) {
    changes.push({
      field: credential.type,
      before: shown(credential.type, credential.key, credential.name),
    });
  }
  for (const consumer of consumers) {
    ops.push(
      deleteOp("consumers", consumer.id, `delete consumer ${consumer.username ?? consumer.id}`),
    );
    changes.push({ field: "consumer.username", before: consumer.username ?? null });
  }
  return plannedItem({
    kind: "credential",
    id: consumerId,
    name: consumerId,
    target: `consumer ${consumers[0]?.username ?? consumerUsername(consumerId)}`,
    exists: true,
    wanted: false,
    ops,
    changes,
  });
}

/** How a credential appears in the plan: identifiers in clear, secrets redacted. */
function shown(type: CredentialAuthType, key: string, name: string | null): unknown {
  if (type === "key-auth") return MASKED;
  if (type === "basic-auth") return { username: key, password: MASKED };
  return { name, client_id: key, client_secret: MASKED };
}

function oauthName(credential: WantedCredential): string {
  return [...credential.apis].sort().join(", ");
}

function keyNoun(type: CredentialAuthType): string {
  return type === "key-auth" ? "key" : type === "basic-auth" ? "username" : "client id";
}
