/**
 * Owned applications: the consumers made from credentials, and the applications that hold the
 * addresses or claims of `ip_filter` and `jwt_validation` policies. Creating, updating (identifiers
 * and registered APIs), deleting, and comparing them for plans.
 *
 * @module
 */

import { GatewayHttpError } from "../admin_http.ts";
import { segment } from "../../http/url.ts";
import type { FieldChange } from "../../sync/plan.ts";
import type { WebMethodsClient } from "./webmethods_client.ts";
import { ownedDescription, type OwnershipMarker } from "./webmethods_ownership.ts";
import type { IdentifierSpec } from "./webmethods_policy_mapping.ts";
import { type Application, type Identifier, readApplications } from "./webmethods_types.ts";

/** What an owned application must be. */
export interface AppIdentity {
  /** Application name (`stoa-…`). */
  readonly name: string;
  /** Ownership marker written in the description. */
  readonly marker: OwnershipMarker;
  /** Identifiers webMethods recognises the application's requests by. */
  readonly identifiers: readonly IdentifierSpec[];
  /** APIs the application is registered with. */
  readonly apiIds: readonly string[];
}

/** An owned application as found on the gateway. */
export interface OwnedApplication {
  /** The application. */
  readonly app: Application;
  /** Its ownership marker. */
  readonly marker: OwnershipMarker;
  /** APIs it is registered with. */
  readonly apiIds: readonly string[];
}

/**
 * Makes the gateway hold `identity`: creates the application, or updates the current one where it
 * differs (identifiers, name), then sets its registered APIs. Returns the application id.
 */
export async function upsertApplication(
  client: WebMethodsClient,
  identity: AppIdentity,
  current: OwnedApplication | undefined,
  signal: AbortSignal | undefined,
): Promise<string> {
  const body = {
    name: identity.name,
    description: ownedDescription(identity.marker),
    version: "1.0",
    identifiers: identity.identifiers.map(({ key, name, value }) => ({
      key,
      name,
      value: [...value],
    })),
    contactEmails: [],
    siteURLs: [],
    jsOrigins: [],
  };
  let id: string;
  if (!current) {
    const answer = await client.call("POST", "applications", {
      body,
      signal,
      expected: [200, 201],
    });
    const created = readApplications(answer)?.[0];
    if (!created) {
      throw new GatewayHttpError(
        `webMethods API Gateway created application ${identity.name} but its answer has no id; the next sync finds and reuses it`,
        { status: 200, body: answer },
      );
    }
    id = created.id;
  } else {
    id = current.app.id;
    const sameDescription = current.app.description === body.description;
    if (
      current.app.name !== identity.name || !sameDescription ||
      !sameIdentifiers(current.app.identifiers ?? [], identity.identifiers)
    ) {
      await client.call("PUT", `applications/${segment(id)}`, { body: { ...body, id }, signal });
    }
  }
  const registered = current ? sorted(current.apiIds) : [];
  if (JSON.stringify(registered) !== JSON.stringify(sorted(identity.apiIds))) {
    await client.call("PUT", `applications/${segment(id)}/apis`, {
      body: { apiIDs: [...identity.apiIds] },
      signal,
    });
  }
  return id;
}

/** Deletes an application; one that is already gone counts as deleted. */
export async function deleteApplication(
  client: WebMethodsClient,
  id: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  await client.call("DELETE", `applications/${segment(id)}`, {
    signal,
    expected: [200, 204, 404],
  });
}

/** True when the application has exactly the desired identifier values, key by key. */
export function sameIdentifiers(
  current: readonly Identifier[],
  desired: readonly IdentifierSpec[],
): boolean {
  return JSON.stringify(identifierMap(current)) === JSON.stringify(identifierMap(desired));
}

/** Field changes between current and desired identifiers, one per identifier type. */
export function identifierChanges(
  current: readonly Identifier[] | undefined,
  desired: readonly IdentifierSpec[],
  prefix: string,
): FieldChange[] {
  const before = identifierMap(current ?? []);
  const after = identifierMap(desired);
  const changes: FieldChange[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    changes.push({
      field: `${prefix}.identifiers.${key}`,
      ...(before[key] ? { before: before[key] } : {}),
      ...(after[key] ? { after: after[key] } : {}),
    });
  }
  return changes;
}

/** Identifier values by type, sorted, for comparisons. */
function identifierMap(
  identifiers: readonly { readonly key: string; readonly value?: readonly string[] | null }[],
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const identifier of identifiers) {
    out[identifier.key] = sorted([...(out[identifier.key] ?? []), ...(identifier.value ?? [])]);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

function sorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
