/**
 * Reading the consumer credentials a tenant keeps in Vault (contract §10): the KV v2 secret
 * `consumers/<tenant>` holds `credentials`, a list of `{consumer_id, api_name, auth_type, key,
 * secret}`. Entries without `consumer_id` or `key` cannot be anything and are dropped (as the Go
 * agent does); entries with an auth type the agent does not know, or without the secret their
 * type needs, become failures with the reason. Every key and secret read is registered for
 * redaction.
 *
 * @module
 */

import { registerSecret } from "../observability/redact.ts";
import type { CredentialAuthType, DesiredCredential } from "../sync/desired.ts";
import type { InvalidItem } from "../sync/reconcile.ts";

/** Authentication types a credential can have. */
export const AUTH_TYPES: readonly CredentialAuthType[] = ["key-auth", "basic-auth", "oauth2"];

/** The credentials of one tenant, read entry by entry. */
export interface ReadCredentials {
  /** Valid credentials. */
  readonly desired: DesiredCredential[];
  /** Entries that cannot be applied (keyed by consumer id), with the reason. */
  readonly invalid: InvalidItem[];
  /** Entries dropped for lack of `consumer_id` or `key`. */
  readonly dropped: number;
}

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

/** Reads the `credentials` of a KV secret's data (`null`: no secret, no credentials). */
export function readCredentials(secret: Readonly<Record<string, unknown>> | null): ReadCredentials {
  const desired: DesiredCredential[] = [];
  const invalid: InvalidItem[] = [];
  let dropped = 0;
  const list = secret?.credentials;
  if (!Array.isArray(list)) return { desired, invalid, dropped };
  const seen = new Set<string>();
  for (const entry of list) {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      dropped++;
      continue;
    }
    const raw = entry as Record<string, unknown>;
    const consumerId = text(raw.consumer_id);
    const key = text(raw.key);
    if (consumerId === "" || key === "") {
      dropped++;
      continue;
    }
    const apiName = text(raw.api_name);
    const authType = text(raw.auth_type);
    const secretValue = text(raw.secret);
    registerSecret(key);
    registerSecret(secretValue);
    const name = apiName === "" ? consumerId : `${consumerId} (${apiName})`;
    if (!AUTH_TYPES.includes(authType as CredentialAuthType)) {
      invalid.push({
        id: consumerId,
        name,
        error: authType === ""
          ? `auth_type is missing; expected ${AUTH_TYPES.join(", ")}`
          : `unsupported auth_type "${authType}"; expected ${AUTH_TYPES.join(", ")}`,
      });
      continue;
    }
    if (authType !== "key-auth" && secretValue === "") {
      invalid.push({
        id: consumerId,
        name,
        error: `a ${authType} credential needs a secret (${
          authType === "basic-auth" ? "the password" : "the client secret"
        })`,
      });
      continue;
    }
    const identity = JSON.stringify([consumerId, authType, apiName, key]);
    if (seen.has(identity)) continue;
    seen.add(identity);
    desired.push({
      consumerId,
      apiName,
      authType: authType as CredentialAuthType,
      key,
      ...(secretValue === "" ? {} : { secret: secretValue }),
    });
  }
  return { desired, invalid, dropped };
}
