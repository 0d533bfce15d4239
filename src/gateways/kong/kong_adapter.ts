/**
 * The Kong adapter: detection, probe, discovery and synchronisation (policies, deployed routes,
 * consumer credentials) over the Kong Admin API (3.x, OSS and Enterprise, database or DB-less).
 * What it maps and what it owns is described in the README (Gateways, Kong).
 *
 * @example
 * ```ts
 * const kong = createKongAdapter({ adminUrl: "http://localhost:8001" });
 * const info = await kong.probe();      // { type: "kong", version: "3.9.1", edition: "community", dbless: false }
 * const apis = await kong.discover();   // one DiscoveredApi per Kong service
 * const plan = await kong.planPolicies(policies, { discovered: apis });
 * const results = await kong.apply(plan); // one ItemResult per plan item
 * ```
 *
 * @module
 */

import type { z } from "zod";
import type {
  CallOptions,
  DiscoveredApi,
  GatewayInfo,
  SyncAdapter,
  SyncOptions,
} from "../adapter.ts";
import type { DesiredCredential, DesiredPolicy, DesiredRoute } from "../../sync/desired.ts";
import type { ItemResult, Plan, SyncKind } from "../../sync/plan.ts";
import { AdminHttpClient, type AdminResponse, GatewayHttpError } from "../admin_http.ts";
import { joinUrl } from "../../http/url.ts";
import { applyKongPlan, DeclarativeWriter } from "./kong_apply.ts";
import { readCollection } from "./kong_collection.ts";
import { planCredentialItems } from "./kong_credentials.ts";
import { toDiscoveredApis } from "./kong_discovery.ts";
import {
  describeCall,
  isKongAuthRefusal,
  type KongCallContext,
  kongStatusError,
  kongUnreachableError,
} from "./kong_errors.ts";
import { KongPlanRegistry, type PlannedItem } from "./kong_plan_item.ts";
import { planPolicyItems } from "./kong_policy_sync.ts";
import { planRouteItems } from "./kong_routes.ts";
import { type KongStateReader, openStateReader } from "./kong_state.ts";
import {
  KongPluginSummarySchema,
  type KongRoot,
  KongRootSchema,
  KongRouteSummarySchema,
  KongServiceSummarySchema,
} from "./kong_types.ts";

/** Header carrying the RBAC user token (Kong Enterprise). */
export const KONG_ADMIN_TOKEN_HEADER = "Kong-Admin-Token";

/** Options of {@linkcode createKongAdapter} and {@linkcode detectKong}. */
export interface KongAdapterOptions {
  /** Admin API base URL, e.g. `http://localhost:8001` (a path prefix is kept). */
  readonly adminUrl: string | URL;
  /** RBAC user token, sent as `Kong-Admin-Token` (Kong Enterprise). */
  readonly token?: string;
  /** Kong Enterprise workspace: entity paths become `/{workspace}/services`…. */
  readonly workspace?: string;
  /** The fetch implementation, for tests. */
  readonly fetch?: typeof fetch;
  /** Per-call timeout in milliseconds (default 10 s). */
  readonly timeoutMs?: number;
}

/** A connection to one Kong Admin API. */
export interface KongAdapter extends SyncAdapter {
  /** Always `"kong"`. */
  readonly type: "kong";
  /** The normalised Admin API base URL. */
  readonly adminUrl: URL;
  /** The Enterprise workspace, when configured. */
  readonly workspace?: string;
  /** Number of Admin API calls made so far (diagnostics, benchmarks). */
  readonly calls: number;
}

/**
 * Creates the adapter; no call is made until one of its methods is called. Planning reads Kong
 * (`GET /` for the mode, then the owned objects) and never writes; `apply` writes only the items
 * of plans this adapter made.
 */
export function createKongAdapter(options: KongAdapterOptions): KongAdapter {
  const client = createClient(options);
  const context: KongCallContext = {
    tokenSet: Boolean(options.token),
    workspace: options.workspace || undefined,
  };
  const registry = new KongPlanRegistry();
  const declarative = new DeclarativeWriter({ client, context });
  const probe = async (callOptions: CallOptions = {}): Promise<GatewayInfo> => {
    const { response, call } = await getRoot(client, callOptions.signal);
    if (response.status !== 200) {
      throw kongStatusError({ call, status: response.status, body: response.body, context });
    }
    const info = kongInfo(response.body);
    if (!info) {
      throw new GatewayHttpError(
        `${call} did not answer like Kong (no "Welcome to kong" tagline): check that STOA_GATEWAY_ADMIN_URL is the Kong Admin API (usually port 8001) and STOA_GATEWAY_TYPE`,
        { status: response.status, body: response.body },
      );
    }
    return info;
  };
  /** Reads the mode (it may change with a Kong restart), then plans with a fresh reader. */
  const plan = async (
    kind: SyncKind,
    callOptions: SyncOptions,
    build: (reader: KongStateReader) => Promise<PlannedItem[]>,
  ): Promise<Plan> => {
    const { dbless = false } = await probe(callOptions);
    const reader = await openStateReader({ client, context, dbless, signal: callOptions.signal });
    const planned = await build(reader);
    for (const { item, ops } of planned) registry.remember(item, { ops, dbless });
    return { kind, items: planned.map(({ item }) => item) };
  };
  return {
    type: "kong",
    adminUrl: client.baseUrl,
    workspace: context.workspace,
    get calls(): number {
      return client.calls;
    },
    probe,
    planPolicies(desired: readonly DesiredPolicy[], callOptions: SyncOptions = {}): Promise<Plan> {
      return plan("policy", callOptions, (reader) =>
        planPolicyItems(desired, {
          reader,
          discovered: callOptions.discovered,
          workspace: context.workspace,
        }));
    },
    planRoutes(desired: readonly DesiredRoute[], callOptions: SyncOptions = {}): Promise<Plan> {
      return plan(
        "route",
        callOptions,
        (reader) => planRouteItems(desired, { reader, workspace: context.workspace }),
      );
    },
    planCredentials(
      desired: readonly DesiredCredential[],
      callOptions: SyncOptions = {},
    ): Promise<Plan> {
      return plan(
        "credential",
        callOptions,
        (reader) => planCredentialItems(desired, { reader, workspace: context.workspace }),
      );
    },
    apply(toApply: Plan, callOptions: SyncOptions = {}): Promise<ItemResult[]> {
      return applyKongPlan(toApply, {
        client,
        context,
        registry,
        declarative,
        concurrency: callOptions.concurrency,
        signal: callOptions.signal,
      });
    },
    async discover(callOptions: CallOptions = {}): Promise<DiscoveredApi[]> {
      // The three collections are read side by side; the first failure stops the others.
      const failed = new AbortController();
      const signal = callOptions.signal
        ? AbortSignal.any([callOptions.signal, failed.signal])
        : failed.signal;
      const readAll = <T extends z.ZodType>(collection: string, item: T) =>
        readCollection({ client, collection, item, context, signal }).catch((error) => {
          failed.abort(error);
          throw error;
        });
      const [services, routes, plugins] = await Promise.all([
        readAll("services", KongServiceSummarySchema),
        readAll("routes", KongRouteSummarySchema),
        readAll("plugins", KongPluginSummarySchema),
      ]);
      return toDiscoveredApis({ services, routes, plugins });
    },
  };
}

/**
 * Tells whether `adminUrl` is a Kong Admin API: returns its {@linkcode GatewayInfo}, or `null`
 * when something else answers (another gateway, a web server, a non-Kong 401). Throws when nothing
 * answers, and when Kong itself refuses the token (detection cannot go on, the token must change).
 */
export async function detectKong(
  options: KongAdapterOptions & CallOptions,
): Promise<GatewayInfo | null> {
  const client = createClient(options);
  const { response, call } = await getRoot(client, options.signal);
  if (isKongAuthRefusal(response.status, response.body)) {
    throw kongStatusError({
      call,
      status: response.status,
      body: response.body,
      context: { tokenSet: Boolean(options.token), workspace: options.workspace },
    });
  }
  return response.status === 200 ? kongInfo(response.body) : null;
}

function createClient(options: KongAdapterOptions): AdminHttpClient {
  return new AdminHttpClient({
    baseUrl: options.adminUrl,
    headers: options.token ? { [KONG_ADMIN_TOKEN_HEADER]: options.token } : {},
    timeoutMs: options.timeoutMs,
    fetch: options.fetch,
  });
}

/** `GET /` — the node information lives at the Admin API root, outside any workspace. */
async function getRoot(
  client: AdminHttpClient,
  signal: AbortSignal | undefined,
): Promise<{ response: AdminResponse; call: string }> {
  const call = describeCall("GET", joinUrl(client.baseUrl, ""));
  try {
    return { response: await client.send("GET", "", { signal }), call };
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? error;
    throw kongUnreachableError(error);
  }
}

/** GatewayInfo from `GET /`, or null when the body is not Kong's. */
function kongInfo(body: unknown): GatewayInfo | null {
  const parsed = KongRootSchema.safeParse(body);
  if (!parsed.success || !/kong/i.test(parsed.data.tagline)) return null;
  const root: KongRoot = parsed.data;
  const version = root.version ?? "unknown";
  return {
    type: "kong",
    version,
    edition: root.edition ?? inferEdition(version),
    dbless: root.configuration?.database === "off",
  };
}

/** Before 3.6 `GET /` has no `edition`; Enterprise versions have four numbers (3.4.3.12). */
function inferEdition(version: string): string {
  return /^\d+\.\d+\.\d+\.\d+/.test(version) ? "enterprise" : "community";
}
