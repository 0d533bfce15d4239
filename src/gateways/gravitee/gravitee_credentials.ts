/**
 * Consumer credentials from Vault as Gravitee applications and subscriptions:
 *
 * - one application per consumer (`[stoa-managed consumer=<id>]`, Management API v1, where
 *   applications live); an `oauth2` credential's key is the application's `client_id`, which
 *   Gravitee's OAuth2 and JWT plans authenticate (the secret stays with the identity provider);
 * - one subscription per credential to the target API's published plan of the matching security
 *   (`key-auth` → `API_KEY`, with the Vault key as custom API key; `oauth2` → `OAUTH2`, else `JWT`);
 * - a key that changed in Vault is rotated (`api-keys/_renew`); subscriptions and applications no
 *   longer desired are closed and deleted. `basic-auth` has no Gravitee plan: failed.
 *
 * @module
 */

import { z } from "zod";
import type { SyncOptions } from "../adapter.ts";
import type { DesiredCredential } from "../../sync/desired.ts";
import type { FieldChange, Plan, PlanItem } from "../../sync/plan.ts";
import type { GraviteeClient } from "./gravitee_client.ts";
import { listApis, listPlans } from "./gravitee_discovery.ts";
import { readAllPages } from "./gravitee_pagination.ts";
import { consumerDescription, consumerOwner, SUBSCRIPTION_MARK } from "./gravitee_ownership.ts";
import {
  type GraviteeApi,
  GraviteeApiKeySchema,
  type GraviteeApplication,
  GraviteeApplicationSchema,
  type GraviteePlan,
  GraviteeSubscriptionSchema,
  type GraviteeV1Subscription,
  GraviteeV1SubscriptionSchema,
} from "./gravitee_types.ts";
import { DEFAULT_CONCURRENCY, mapConcurrent } from "../concurrency.ts";
import { errorText } from "../error_text.ts";
import { diffFields, MASKED } from "../field_diff.ts";
import type { KeyedLock } from "../keyed_lock.ts";

/** Subscription statuses that grant access (or will, once accepted). */
const LIVE_SUBSCRIPTIONS = "ACCEPTED,PENDING,PAUSED";
/** Application type shown in the console for the applications stoa-connect creates. */
const APPLICATION_TYPE = "stoa-connect";
const V1_PAGE_SIZE = 1000;

/** What applying one credential item does. */
export type CredentialOperation =
  | {
    readonly type: "upsert";
    readonly consumerId: string;
    readonly applicationId?: string;
    /** The `client_id` to set on the application (`oauth2`), when it differs. */
    readonly clientId?: string;
    readonly apiId: string;
    readonly plan: GraviteePlan;
    readonly subscriptionId?: string;
    /** The API key to set (`key-auth`) when it differs from the active one. */
    readonly apiKey?: string;
  }
  | { readonly type: "close"; readonly apiId: string; readonly subscriptionId: string }
  | { readonly type: "delete-application"; readonly applicationId: string };

/** A plan and what each of its items does. */
export interface PlannedCredentials {
  /** The plan. */
  readonly plan: Plan;
  /** The operation of every item that writes. */
  readonly operations: Map<PlanItem, CredentialOperation>;
}

const ApplicationListSchema = z.array(GraviteeApplicationSchema);
const V1PageSchema = z.looseObject({
  data: z.array(GraviteeV1SubscriptionSchema),
  page: z.looseObject({ total_pages: z.number().int().optional() }).optional(),
});

/** Plans the credentials; reads owned applications, their subscriptions and the target APIs. */
export async function planCredentialSync(
  client: GraviteeClient,
  desired: readonly DesiredCredential[],
  options: SyncOptions = {},
): Promise<PlannedCredentials> {
  const { signal } = options;
  const applications = await client.call("GET", client.v1("applications"), {
    schema: ApplicationListSchema,
    signal,
  });
  const owned = new Map<string, GraviteeApplication>();
  for (const application of applications) {
    const consumerId = consumerOwner(application);
    if (consumerId !== undefined && !owned.has(consumerId)) owned.set(consumerId, application);
  }
  const ownedList = [...owned.values()];
  const subscriptionLists = await mapConcurrent(
    ownedList,
    options.concurrency ?? DEFAULT_CONCURRENCY,
    (application) => applicationSubscriptions(client, application.id, signal),
  );
  const subscriptionsOf = new Map(
    ownedList.map((application, index) => [application.id, subscriptionLists[index]]),
  );

  const apis = desired.length > 0 ? await listApis(client, { signal }) : [];
  const byName = new Map<string, GraviteeApi[]>();
  for (const api of apis) byName.set(api.name, [...(byName.get(api.name) ?? []), api]);
  const plansCache = new Map<string, Promise<GraviteePlan[]>>();
  const plansOf = (apiId: string) => {
    if (!plansCache.has(apiId)) {
      plansCache.set(apiId, listPlans(client, apiId, { signal, statuses: "PUBLISHED" }));
    }
    return plansCache.get(apiId)!;
  };

  const items: PlanItem[] = [];
  const operations = new Map<PlanItem, CredentialOperation>();
  const kept = new Set<string>(); // subscription ids still desired
  const clientIds = new Map<string, string>(); // consumer → the oauth2 key it gets
  for (const credential of desired) {
    const application = owned.get(credential.consumerId);
    const base = {
      kind: "credential" as const,
      id: credential.consumerId,
      name: `${credential.consumerId} → ${credential.apiName} (${credential.authType})`,
    };
    const fail = (error: string) =>
      items.push({ ...base, action: application ? "update" : "create", changes: [], error });
    if (credential.authType === "basic-auth") {
      fail(
        "basic-auth cannot be expressed on Gravitee: plans authenticate by API key, OAuth2, JWT or mTLS, not by user and password",
      );
      continue;
    }
    if (credential.key === "") {
      fail("the credential has no key");
      continue;
    }
    const found = byName.get(credential.apiName) ?? [];
    if (found.length !== 1) {
      fail(
        found.length === 0
          ? `API '${credential.apiName}' is not an API of this Gravitee environment`
          : `${found.length} Gravitee APIs are named '${credential.apiName}': rename them so the credential has one target`,
      );
      continue;
    }
    const api = found[0];
    const plans = await plansOf(api.id);
    const securities = credential.authType === "key-auth" ? ["API_KEY"] : ["OAUTH2", "JWT"];
    const plan = securities
      .map((security) => plans.find((candidate) => candidate.security?.type === security))
      .find((candidate) => candidate !== undefined);
    if (!plan) {
      fail(
        `API '${api.name}' has no published ${
          securities.join(" or ")
        } plan, so a ${credential.authType} credential gives no access there; publish one in Gravitee`,
      );
      continue;
    }
    if (credential.authType === "oauth2") {
      const taken = clientIds.get(credential.consumerId);
      if (taken !== undefined && taken !== credential.key) {
        fail(
          `consumer ${credential.consumerId} already has OAuth2 client id of another credential; a Gravitee application has one client_id`,
        );
        continue;
      }
      clientIds.set(credential.consumerId, credential.key);
    }
    const subscription = application
      ? (subscriptionsOf.get(application.id) ?? []).find((candidate) =>
        candidate.api === api.id && candidate.plan === plan.id
      )
      : undefined;
    if (subscription) kept.add(subscription.id);
    const activeKey = subscription && plan.security?.type === "API_KEY"
      ? await activeApiKey(client, api.id, subscription.id, signal)
      : undefined;
    const currentClientId = application?.settings?.app?.client_id ?? undefined;
    const wantedClientId = credential.authType === "oauth2" ? credential.key : currentClientId;
    const before = application
      ? {
        application: application.name,
        client_id: currentClientId,
        subscription: subscription ? `${plan.name} (${subscription.status})` : undefined,
        api_key: activeKey,
      }
      : undefined;
    const after = {
      application: application?.name ?? applicationName(credential.consumerId),
      client_id: wantedClientId,
      subscription: `${plan.name} (${subscription?.status ?? "ACCEPTED"})`,
      api_key: plan.security?.type === "API_KEY" ? credential.key : undefined,
    };
    const changes: FieldChange[] = diffFields(before, after, { secret: ["api_key"] });
    const action = !subscription ? "create" : changes.length > 0 ? "update" : "unchanged";
    const item: PlanItem = {
      ...base,
      action,
      target:
        `application ${after.application}, API '${api.name}' plan '${plan.name}' (${plan.security?.type})`,
      changes,
    };
    items.push(item);
    if (action !== "unchanged") {
      operations.set(item, {
        type: "upsert",
        consumerId: credential.consumerId,
        applicationId: application?.id,
        clientId: wantedClientId !== currentClientId ? wantedClientId : undefined,
        apiId: api.id,
        plan,
        subscriptionId: subscription?.id,
        apiKey: after.api_key !== undefined && after.api_key !== activeKey
          ? after.api_key
          : undefined,
      });
    }
  }

  const desiredConsumers = new Set(desired.map((credential) => credential.consumerId));
  for (const [consumerId, application] of owned) {
    if (!desiredConsumers.has(consumerId)) {
      const item: PlanItem = {
        kind: "credential",
        id: consumerId,
        name: `${consumerId} (application ${application.name})`,
        action: "delete",
        target: `application ${application.name} and its subscriptions`,
        changes: diffFields({ application: application.name }, undefined),
      };
      items.push(item);
      operations.set(item, { type: "delete-application", applicationId: application.id });
      continue;
    }
    for (const subscription of subscriptionsOf.get(application.id) ?? []) {
      if (kept.has(subscription.id)) continue;
      const apiName = apis.find((api) => api.id === subscription.api)?.name ?? subscription.api;
      const item: PlanItem = {
        kind: "credential",
        id: consumerId,
        name: `${consumerId} → ${apiName}`,
        action: "delete",
        target: `subscription ${subscription.id} of application ${application.name}`,
        changes: diffFields({ subscription: subscription.status }, undefined),
      };
      items.push(item);
      operations.set(item, {
        type: "close",
        apiId: subscription.api,
        subscriptionId: subscription.id,
      });
    }
  }
  return { plan: { kind: "credential", items }, operations };
}

/** What credential applies share across calls: one writer per consumer, created applications. */
export interface CredentialWriters {
  /** Serialises the items of one consumer (they share its application). */
  readonly locks: KeyedLock;
  /** Applications created since planning, by consumer id (a later item must reuse them). */
  readonly created: Map<string, string>;
}

/**
 * Applies credential items: items of one consumer run one after the other, even across calls
 * (the engine applies items one by one, side by side), consumers side by side, at most
 * `concurrency` at a time.
 */
export async function applyCredentialSync(
  client: GraviteeClient,
  work: readonly { readonly item: PlanItem; readonly operation: CredentialOperation }[],
  writers: CredentialWriters,
  options: SyncOptions = {},
): Promise<Map<PlanItem, string | undefined>> {
  const results = new Map<PlanItem, string | undefined>();
  await mapConcurrent(
    work,
    options.concurrency ?? DEFAULT_CONCURRENCY,
    ({ item, operation }) =>
      writers.locks.run(`consumer:${item.id}`, async () => {
        try {
          if (operation.type === "upsert") {
            const known = writers.created.get(operation.consumerId);
            const applicationId = await upsert(client, operation, known, options.signal);
            writers.created.set(operation.consumerId, applicationId);
          } else if (operation.type === "close") {
            await client.call(
              "POST",
              client.v2(
                `apis/${encodeURIComponent(operation.apiId)}/subscriptions/${
                  encodeURIComponent(operation.subscriptionId)
                }/_close`,
              ),
              { signal: options.signal },
            );
          } else {
            await client.call(
              "DELETE",
              client.v1(`applications/${encodeURIComponent(operation.applicationId)}`),
              { expected: [204], signal: options.signal },
            );
            writers.created.delete(item.id);
          }
          results.set(item, undefined);
        } catch (error) {
          // Gravitee quotes a refused custom API key in its message: never let a key out.
          const key = operation.type === "upsert" ? operation.apiKey : undefined;
          const text = errorText(error);
          results.set(item, key ? text.replaceAll(key, MASKED) : text);
        }
      }),
  );
  return results;
}

/** Creates or updates the application, subscribes it, accepts and rotates the key as needed. */
async function upsert(
  client: GraviteeClient,
  operation: Extract<CredentialOperation, { type: "upsert" }>,
  knownApplicationId: string | undefined,
  signal: AbortSignal | undefined,
): Promise<string> {
  let applicationId = operation.applicationId ?? knownApplicationId;
  const settings = (clientId: string | undefined) => ({
    app: { type: APPLICATION_TYPE, ...(clientId ? { client_id: clientId } : {}) },
  });
  const body = (clientId: string | undefined) => ({
    name: applicationName(operation.consumerId),
    description: consumerDescription(operation.consumerId),
    settings: settings(clientId),
  });
  if (!applicationId) {
    const created = await client.call("POST", client.v1("applications"), {
      body: body(operation.clientId),
      expected: [201],
      schema: GraviteeApplicationSchema,
      signal,
    });
    applicationId = created.id;
  } else if (operation.clientId !== undefined) {
    await client.call("PUT", client.v1(`applications/${encodeURIComponent(applicationId)}`), {
      body: body(operation.clientId),
      schema: GraviteeApplicationSchema,
      signal,
    });
  }
  const subscriptions = client.v2(`apis/${encodeURIComponent(operation.apiId)}/subscriptions`);
  if (!operation.subscriptionId) {
    const subscription = await client.call("POST", subscriptions, {
      body: {
        applicationId,
        planId: operation.plan.id,
        ...(operation.apiKey !== undefined ? { customApiKey: operation.apiKey } : {}),
        metadata: {
          [SUBSCRIPTION_MARK.managed]: "true",
          [SUBSCRIPTION_MARK.consumer]: operation.consumerId,
        },
      },
      expected: [201],
      schema: GraviteeSubscriptionSchema,
      signal,
    });
    if (subscription.status === "PENDING") {
      await client.call("POST", `${subscriptions}/${encodeURIComponent(subscription.id)}/_accept`, {
        // A manually validated plan issues the API key on acceptance.
        body: {
          reason: "Consumer credential synchronised by stoa-connect",
          ...(operation.apiKey !== undefined ? { customApiKey: operation.apiKey } : {}),
        },
        schema: GraviteeSubscriptionSchema,
        signal,
      });
    }
  } else if (operation.apiKey !== undefined) {
    await client.call(
      "POST",
      `${subscriptions}/${encodeURIComponent(operation.subscriptionId)}/api-keys/_renew`,
      { body: { customApiKey: operation.apiKey }, schema: GraviteeApiKeySchema, signal },
    );
  }
  return applicationId;
}

/** Name of the application of a consumer. */
export function applicationName(consumerId: string): string {
  return `stoa-${consumerId}`;
}

/** Live subscriptions of an application (v1, all pages). */
async function applicationSubscriptions(
  client: GraviteeClient,
  applicationId: string,
  signal: AbortSignal | undefined,
): Promise<GraviteeV1Subscription[]> {
  const path = client.v1(`applications/${encodeURIComponent(applicationId)}/subscriptions`);
  const all: GraviteeV1Subscription[] = [];
  for (let page = 1;; page++) {
    const answer = await client.call("GET", path, {
      query: { status: LIVE_SUBSCRIPTIONS, page, size: V1_PAGE_SIZE },
      schema: V1PageSchema,
      signal,
    });
    all.push(...answer.data);
    if (page >= (answer.page?.total_pages ?? 1)) return all;
  }
}

/** The subscription's current API key (not revoked, not expired, not being replaced), if any. */
async function activeApiKey(
  client: GraviteeClient,
  apiId: string,
  subscriptionId: string,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  const keys = await readAllPages({
    client,
    path: client.v2(
      `apis/${encodeURIComponent(apiId)}/subscriptions/${
        encodeURIComponent(subscriptionId)
      }/api-keys`,
    ),
    item: GraviteeApiKeySchema,
    signal,
  });
  // After a renewal the previous key stays valid until its expireAt: the current one has none.
  const live = keys.filter((key) => !key.revoked && !key.expired);
  return (live.find((key) => key.expireAt === undefined) ?? live[0])?.key;
}
