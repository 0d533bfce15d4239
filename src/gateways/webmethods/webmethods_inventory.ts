/**
 * Reading what is on the gateway: APIs (every page), API details, policies, policy actions,
 * applications. Shared by discovery and the three sync planners; every reader checks the answer's
 * shape and fails with a message naming the call.
 *
 * @module
 */

import { GatewayHttpError } from "../admin_http.ts";
import { forEachBounded } from "../concurrency.ts";
import type { WebMethodsClient } from "./webmethods_client.ts";
import {
  type ApiDetail,
  type ApiSummary,
  type Application,
  type Policy,
  type PolicyAction,
  readApiDetail,
  readApiList,
  readApplications,
  readPolicies,
  readPolicyActions,
  RegisteredApisSchema,
} from "./webmethods_types.ts";
import { segment } from "../../http/url.ts";

/** APIs asked for per `GET /apis` page (`from`/`size` are indexes). */
export const API_PAGE_SIZE = 500;
/** API details read at once. */
export const DETAIL_CONCURRENCY = 16;
/** Ids per `?policyIds=` / `?policyActionIds=` call, so URLs stay far below server limits. */
export const ID_BATCH_SIZE = 50;

/**
 * Every API, following `from`/`size` pages until a short page. A gateway that ignores paging and
 * answers everything each time is noticed (a page that starts with an API already read) and read
 * once.
 */
export async function listApis(
  client: WebMethodsClient,
  signal?: AbortSignal,
): Promise<ApiSummary[]> {
  const apis = new Map<string, ApiSummary>();
  for (let from = 0;; from += API_PAGE_SIZE) {
    const query = { from, size: API_PAGE_SIZE };
    const body = await client.call("GET", "apis", { query, signal });
    const page = readApiList(body);
    if (!page) throw malformed(client, "GET", `apis?from=${from}`, "a list of APIs", body);
    const repeated = page.length > 0 && apis.has(page[0].id);
    for (const api of page) apis.set(api.id, api);
    if (repeated || page.length < API_PAGE_SIZE) return [...apis.values()];
  }
}

/** One API with its definition, or `undefined` when the gateway no longer has it (404). */
export async function getApi(
  client: WebMethodsClient,
  id: string,
  signal?: AbortSignal,
): Promise<ApiDetail | undefined> {
  const path = `apis/${segment(id)}`;
  const response = await client.send("GET", path, { signal });
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw client.statusError("GET", path, response);
  const api = readApiDetail(response.body);
  if (!api) throw malformed(client, "GET", path, "an API", response.body);
  return api;
}

/** Details of several APIs, `concurrency` at once; APIs that vanished are left out. */
export async function getApis(
  client: WebMethodsClient,
  ids: readonly string[],
  options: { readonly signal?: AbortSignal; readonly concurrency?: number } = {},
): Promise<Map<string, ApiDetail>> {
  const details = new Map<string, ApiDetail>();
  await forEachBounded(ids, options.concurrency ?? DETAIL_CONCURRENCY, async (id) => {
    const api = await getApi(client, id, options.signal);
    if (api) details.set(id, api);
  });
  return details;
}

/** Every policy action, or only those of `ids` (read in batches). */
export async function listPolicyActions(
  client: WebMethodsClient,
  options: { readonly ids?: readonly string[]; readonly signal?: AbortSignal } = {},
): Promise<PolicyAction[]> {
  if (options.ids === undefined) {
    const body = await client.call("GET", "policyActions", { signal: options.signal });
    return readOrThrow(client, "policyActions", body, readPolicyActions, "policy actions");
  }
  return await inBatches(options.ids, async (batch) => {
    const query = { policyActionIds: batch.join(",") };
    const body = await client.call("GET", "policyActions", { query, signal: options.signal });
    return readOrThrow(client, "policyActions", body, readPolicyActions, "policy actions");
  });
}

/** Policies by id (read in batches). */
export async function getPolicies(
  client: WebMethodsClient,
  ids: readonly string[],
  signal?: AbortSignal,
): Promise<Policy[]> {
  return await inBatches(ids, async (batch) => {
    const body = await client.call("GET", "policies", {
      query: { policyIds: batch.join(",") },
      signal,
    });
    return readOrThrow(client, "policies", body, readPolicies, "policies");
  });
}

/** One policy, or `undefined` when it is gone (404). */
export async function getPolicy(
  client: WebMethodsClient,
  id: string,
  signal?: AbortSignal,
): Promise<Policy | undefined> {
  const path = `policies/${segment(id)}`;
  const response = await client.send("GET", path, { signal });
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw client.statusError("GET", path, response);
  return readOrThrow(client, path, response.body, readPolicies, "a policy")[0];
}

/** Every global policy. */
export async function listGlobalPolicies(
  client: WebMethodsClient,
  signal?: AbortSignal,
): Promise<Policy[]> {
  const body = await client.call("GET", "policies", { query: { policyType: "global" }, signal });
  return readOrThrow(client, "policies?policyType=global", body, readPolicies, "policies");
}

/** Every application. */
export async function listApplications(
  client: WebMethodsClient,
  signal?: AbortSignal,
): Promise<Application[]> {
  const body = await client.call("GET", "applications", { signal });
  return readOrThrow(client, "applications", body, readApplications, "applications");
}

/** Ids of the APIs an application is registered with, `undefined` when the application is gone. */
export async function getRegisteredApis(
  client: WebMethodsClient,
  applicationId: string,
  signal?: AbortSignal,
): Promise<string[] | undefined> {
  const path = `applications/${segment(applicationId)}/apis`;
  const response = await client.send("GET", path, { signal });
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw client.statusError("GET", path, response);
  const parsed = RegisteredApisSchema.safeParse(response.body ?? {});
  if (!parsed.success) throw malformed(client, "GET", path, "registered APIs", response.body);
  return parsed.data.apiIDs ?? [];
}

async function inBatches<T>(
  ids: readonly string[],
  read: (batch: readonly string[]) => Promise<T[]>,
): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < ids.length; start += ID_BATCH_SIZE) {
    out.push(...await read(ids.slice(start, start + ID_BATCH_SIZE)));
  }
  return out;
}

function readOrThrow<T>(
  client: WebMethodsClient,
  path: string,
  body: unknown,
  reader: (body: unknown) => T[] | undefined,
  what: string,
): T[] {
  const items = reader(body);
  if (!items) throw malformed(client, "GET", path, what, body);
  return items;
}

function malformed(
  client: WebMethodsClient,
  method: string,
  path: string,
  what: string,
  body: unknown,
): GatewayHttpError {
  return new GatewayHttpError(
    `webMethods API Gateway answered ${
      client.describe(method, path)
    } with something that is not ${what}; check that STOA_GATEWAY_ADMIN_URL points at the API Gateway`,
    { status: 200, body },
  );
}
