/**
 * Consumer credentials on webMethods: one owned application per consumer (`stoa-<consumer id>`),
 * carrying the identifiers webMethods recognises the consumer's requests by and registered with
 * the consumer's APIs. Reconciled like everything else (the Go agent only ever added, P-24):
 * created, updated, unregistered, deleted when the consumer is gone, duplicates removed.
 *
 * | STOA auth type | webMethods identifier                          | secret                         |
 * | -------------- | ---------------------------------------------- | ------------------------------ |
 * | `basic-auth`   | `httpBasicAuth` (the user name)                | checked by the IS user store   |
 * | `oauth2`       | `jwtClaims` `{"client_id": "<client id>"}`     | checked by the token's issuer  |
 * | `key-auth`     | not expressible: webMethods generates API keys itself and cannot import one |   |
 *
 * Secrets are never sent to the gateway and never appear in plans.
 *
 * @module
 */

import type { SyncOptions } from "../adapter.ts";
import type { DesiredCredential } from "../../sync/desired.ts";
import type { FieldChange, PlanItem } from "../../sync/plan.ts";
import {
  type AppIdentity,
  deleteApplication,
  identifierChanges,
  type OwnedApplication,
  sameIdentifiers,
  upsertApplication,
} from "./webmethods_applications.ts";
import type { WebMethodsClient } from "./webmethods_client.ts";
import { getRegisteredApis, listApis, listApplications } from "./webmethods_inventory.ts";
import { ownedMarker, ownedName } from "./webmethods_ownership.ts";
import { type PlannedItem, removeEvery } from "./webmethods_plan.ts";
import type { IdentifierSpec } from "./webmethods_policy_mapping.ts";
import type { ApiSummary } from "./webmethods_types.ts";

/** Plans one item per consumer and the removal of owned consumers no longer desired. */
export async function planCredentialSync(
  client: WebMethodsClient,
  desired: readonly DesiredCredential[],
  options: SyncOptions = {},
): Promise<PlannedItem[]> {
  const { signal } = options;
  const [apis, applications] = await Promise.all([
    listApis(client, signal),
    listApplications(client, signal),
  ]);
  const candidates = applications.flatMap((app) => {
    const marker = ownedMarker(app.name, app.description, "consumer");
    return marker ? [{ app, marker }] : [];
  });
  const registered = await Promise.all(
    candidates.map(({ app }) => getRegisteredApis(client, app.id, signal)),
  );
  const owned = new Map<string, OwnedApplication[]>();
  candidates.forEach(({ app, marker }, index) => {
    const list = owned.get(marker.id) ?? [];
    list.push({ app, marker, apiIds: registered[index] ?? [] });
    owned.set(marker.id, list);
  });
  const nameOf = new Map(apis.map((api) => [api.id, api.apiName]));

  const byConsumer = new Map<string, DesiredCredential[]>();
  for (const credential of desired) {
    byConsumer.set(credential.consumerId, [
      ...(byConsumer.get(credential.consumerId) ?? []),
      credential,
    ]);
  }
  const items: PlannedItem[] = [];
  for (const [consumerId, credentials] of byConsumer) {
    const mine = [...(owned.get(consumerId) ?? [])].sort((a, b) =>
      a.app.id.localeCompare(b.app.id)
    );
    items.push(planConsumer(client, consumerId, credentials, apis, mine, nameOf));
  }
  for (const [consumerId, list] of owned) {
    if (byConsumer.has(consumerId)) continue;
    items.push({
      item: {
        kind: "credential",
        id: consumerId,
        name: consumerId,
        action: "delete",
        target: `application ${list[0].app.name}`,
        changes: [
          { field: "application", before: list[0].app.name },
          ...identifierChanges(list[0].app.identifiers ?? [], [], "application"),
        ],
      },
      operation: async (signal) => {
        await removeEvery(
          list,
          `applications of consumer ${consumerId}`,
          ({ app }) => deleteApplication(client, app.id, signal),
          signal,
        );
      },
    });
  }
  return items;
}

function planConsumer(
  client: WebMethodsClient,
  consumerId: string,
  credentials: readonly DesiredCredential[],
  apis: readonly ApiSummary[],
  owned: readonly OwnedApplication[],
  nameOf: ReadonlyMap<string, string>,
): PlannedItem {
  const name = ownedName(consumerId);
  const base = {
    kind: "credential" as const,
    id: consumerId,
    name: consumerId,
    target: `application ${name}`,
  };
  const resolved = resolveConsumer(credentials, apis);
  if ("error" in resolved) {
    return {
      item: {
        ...base,
        action: owned.length > 0 ? "update" : "create",
        changes: [],
        error: resolved.error,
      },
    };
  }
  const identity: AppIdentity = {
    name,
    marker: { kind: "consumer", id: consumerId, attributes: {} },
    identifiers: resolved.identifiers,
    apiIds: resolved.apiIds,
  };
  const [primary, ...duplicates] = owned;
  const apiNames = (ids: readonly string[]) => ids.map((id) => nameOf.get(id) ?? id).sort();
  const changes: FieldChange[] = [];
  if (!primary) {
    changes.push({ field: "application", after: name });
    changes.push(...identifierChanges(undefined, identity.identifiers, "application"));
    changes.push({ field: "application.apis", after: apiNames(identity.apiIds) });
  } else {
    if (!sameIdentifiers(primary.app.identifiers ?? [], identity.identifiers)) {
      changes.push(
        ...identifierChanges(primary.app.identifiers ?? [], identity.identifiers, "application"),
      );
    }
    const before = apiNames(primary.apiIds);
    const after = apiNames(identity.apiIds);
    if (JSON.stringify(before) !== JSON.stringify(after)) {
      changes.push({ field: "application.apis", before, after });
    }
    if (primary.app.name !== name) {
      changes.push({ field: "application", before: primary.app.name, after: name });
    }
  }
  if (duplicates.length > 0) {
    changes.push({ field: "duplicate applications", before: duplicates.length, after: 0 });
  }
  if (changes.length === 0) return { item: { ...base, action: "unchanged", changes } };
  const item: PlanItem = { ...base, action: primary ? "update" : "create", changes };
  return {
    item,
    operation: async (signal) => {
      await removeEvery(
        duplicates,
        `duplicate applications of consumer ${consumerId}`,
        (duplicate) => deleteApplication(client, duplicate.app.id, signal),
        signal,
      );
      await upsertApplication(client, identity, primary, signal);
    },
  };
}

/** The identifiers and API ids of a consumer, or why its credentials cannot be expressed. */
function resolveConsumer(
  credentials: readonly DesiredCredential[],
  apis: readonly ApiSummary[],
): { identifiers: IdentifierSpec[]; apiIds: string[] } | { error: string } {
  const users = new Set<string>();
  const clients = new Set<string>();
  const apiIds = new Set<string>();
  for (const credential of credentials) {
    if (credential.key.trim() === "") {
      return {
        error:
          `the ${credential.authType} credential for API '${credential.apiName}' has an empty key`,
      };
    }
    switch (credential.authType) {
      case "key-auth":
        return {
          error:
            `key-auth cannot be expressed on webMethods: API Gateway generates each application's API key itself (sent as x-Gateway-APIKey) and cannot import the key kept in Vault; use basic-auth or oauth2 credentials for this gateway (API '${credential.apiName}')`,
        };
      case "basic-auth":
        users.add(credential.key);
        break;
      case "oauth2":
        clients.add(credential.key);
        break;
    }
    const ids = apiIdsNamed(credential.apiName, apis);
    if (ids.length === 0) {
      return {
        error:
          `API '${credential.apiName}' of the ${credential.authType} credential is not on the gateway (looked for '${credential.apiName}' and '${
            ownedName(credential.apiName)
          }')`,
      };
    }
    for (const id of ids) apiIds.add(id);
  }
  const identifiers: IdentifierSpec[] = [];
  if (users.size > 0) {
    identifiers.push({ key: "httpBasicAuth", name: "Username", value: [...users].sort() });
  }
  if (clients.size > 0) {
    identifiers.push({
      key: "jwtClaims",
      name: "OAuth2 clients",
      value: [...clients].sort().map((id) => JSON.stringify({ client_id: id })),
    });
  }
  return { identifiers, apiIds: [...apiIds].sort() };
}

/**
 * Every version of the API with that name, or, when there is none, of the API a deployed route made
 * from it (`stoa-<name>`): credentials name STOA APIs.
 */
function apiIdsNamed(name: string, apis: readonly ApiSummary[]): string[] {
  const exact = apis.filter((api) => api.apiName === name);
  const found = exact.length > 0 ? exact : apis.filter((api) => api.apiName === ownedName(name));
  return found.map((api) => api.id);
}
