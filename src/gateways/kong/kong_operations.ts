/**
 * The writes a plan item needs, in one form for both Kong modes: "make entity X look like this"
 * (upsert by id) and "remove entity X". With a database each becomes one Admin API call
 * (`PUT /{collection}/{id}`, `DELETE …`); without one, they edit the declarative document.
 *
 * @module
 */

import type { AdminHttpClient, AdminResponse } from "../admin_http.ts";
import { joinUrl, segment } from "../../http/url.ts";
import {
  describeCall,
  type KongCallContext,
  kongUnreachableError,
  kongWriteError,
} from "./kong_errors.ts";

/** The Kong collections the agent writes, by their Admin API path. */
export type KongCollection =
  | "services"
  | "routes"
  | "plugins"
  | "consumers"
  | "key-auths"
  | "basic-auths"
  | "oauth2";

/** Foreign-key fields of the entities the agent writes. */
export const FOREIGN_FIELDS = ["service", "route", "consumer"] as const;

/** One write. */
export type EntityOp =
  | {
    /** Create or replace the entity with this id (Kong's PUT semantics: unset fields reset). */
    readonly kind: "upsert";
    /** Collection of the entity. */
    readonly collection: KongCollection;
    /** Entity id (deterministic for new entities). */
    readonly id: string;
    /** The entity without its id; foreign keys as `{id}`. */
    readonly body: Readonly<Record<string, unknown>>;
    /**
     * The entity as Kong stores it, when that differs from what is sent (basic-auth passwords
     * are hashed on write); DB-less documents carry the stored form.
     */
    readonly stored?: Readonly<Record<string, unknown>>;
    /** What the write does, for messages: `create plugin rate-limiting (global)`. */
    readonly what: string;
    /** Values that must never appear in a message (keys and secrets Kong may echo back). */
    readonly secrets?: readonly string[];
  }
  | {
    /** Remove the entity (Kong cascades to its plugins, credentials…). */
    readonly kind: "delete";
    /** Collection of the entity. */
    readonly collection: KongCollection;
    /** Entity id. */
    readonly id: string;
    /** Consumer id of a credential (OAuth2 credentials are deleted below their consumer). */
    readonly consumer?: string;
    /** What the write does, for messages. */
    readonly what: string;
  };

/**
 * `text` with every secret of `ops` replaced by `[REDACTED]`: Kong quotes unique values in its
 * errors (`UNIQUE violation detected on '{key="…"}'`), and an API key is one.
 */
export function withoutSecrets(text: string, ops: readonly EntityOp[]): string {
  const secrets = ops.flatMap((op) => op.kind === "upsert" ? op.secrets ?? [] : [])
    .filter((secret) => secret !== "")
    .sort((a, b) => b.length - a.length);
  return secrets.reduce((out, secret) => out.replaceAll(secret, "[REDACTED]"), text);
}

/** A delete operation. */
export function deleteOp(collection: KongCollection, id: string, what: string): EntityOp {
  return { kind: "delete", collection, id, what };
}

/** Options of {@linkcode sendOp}. */
export interface SendOpOptions {
  /** Client bound to the Admin API. */
  readonly client: AdminHttpClient;
  /** Connection facts (workspace prefix, token) for paths and messages. */
  readonly context: KongCallContext;
  /** Aborts the call. */
  readonly signal?: AbortSignal;
}

/**
 * Performs one write with a database: `PUT /{collection}/{id}` or `DELETE` (Kong answers 204 for
 * an entity that is already gone, which counts as done). Throws an error saying what failed and
 * what to do.
 */
export async function sendOp(op: EntityOp, options: SendOpOptions): Promise<void> {
  const { client, context, signal } = options;
  const path = opPath(op, context.workspace);
  const method = op.kind === "upsert" ? "PUT" : "DELETE";
  let response: AdminResponse;
  try {
    response = await client.send(method, path, {
      body: op.kind === "upsert" ? op.body : undefined,
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? error;
    throw kongUnreachableError(error);
  }
  const done = op.kind === "upsert" ? [200, 201] : [200, 204, 404];
  if (done.includes(response.status)) return;
  throw kongWriteError({
    what: op.what,
    call: describeCall(method, joinUrl(client.baseUrl, path)),
    status: response.status,
    body: response.body,
    context,
  });
}

/** The Admin API path of an operation, below the workspace prefix when one is set. */
export function opPath(op: EntityOp, workspace?: string): string {
  const prefix = workspace ? `${segment(workspace)}/` : "";
  if (op.kind === "delete" && op.collection === "oauth2" && op.consumer) {
    // The oauth2 plugin API documents deletes only below the consumer (plugin-apis/oauth2).
    return `${prefix}consumers/${segment(op.consumer)}/oauth2/${segment(op.id)}`;
  }
  return `${prefix}${op.collection}/${segment(op.id)}`;
}
