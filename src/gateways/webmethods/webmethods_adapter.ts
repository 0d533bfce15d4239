/**
 * The webMethods API Gateway adapter (REST API under `/rest/apigateway`, 10.15 and 11.x, HTTP Basic
 * authentication): detection, probe, discovery, and synchronisation of policies, deployed routes
 * and consumer credentials.
 *
 * webMethods has no tags: everything the agent creates is named `stoa-…` and carries an ownership
 * marker in its description (see `webmethods_ownership.ts`); planning reads only such objects, plus
 * the policies of the APIs it targets.
 *
 * @example
 * ```ts
 * const wm = createWebMethodsAdapter({
 *   adminUrl: "http://gateway:5555",
 *   user: "Administrator",
 *   password: "manage",
 * });
 * const info = await wm.probe();                 // { type: "webmethods", version: "10.15.0.0.0" }
 * const apis = await wm.discover();
 * const plan = await wm.planRoutes(routes);      // never writes
 * const results = await wm.apply(plan);          // one result per item
 * ```
 *
 * @module
 */

import type {
  CallOptions,
  DiscoveredApi,
  GatewayInfo,
  SyncAdapter,
  SyncOptions,
} from "../adapter.ts";
import type { DesiredCredential, DesiredPolicy, DesiredRoute } from "../../sync/desired.ts";
import type { ItemResult, Plan } from "../../sync/plan.ts";
import { WebMethodsClient, type WebMethodsConnection } from "./webmethods_client.ts";
import { planCredentialSync } from "./webmethods_credentials.ts";
import { identifyWebMethods, probeWebMethods } from "./webmethods_detection.ts";
import { discoverApis } from "./webmethods_discovery.ts";
import { KeyedLock } from "../keyed_lock.ts";
import { OperationBook } from "./webmethods_plan.ts";
import { planPolicySync } from "./webmethods_policy_sync.ts";
import { planRouteSync } from "./webmethods_routes.ts";

/** Options of {@linkcode createWebMethodsAdapter} and {@linkcode detectWebMethods}. */
export interface WebMethodsAdapterOptions extends WebMethodsConnection {
  /** API details read at once during discovery (default 16). */
  readonly discoveryConcurrency?: number;
}

/** A connection to one webMethods API Gateway. */
export interface WebMethodsAdapter extends SyncAdapter {
  /** Always `"webmethods"`. */
  readonly type: "webmethods";
  /** The REST API base URL (`…/rest/apigateway/`). */
  readonly adminUrl: URL;
  /** Number of REST calls made so far (diagnostics, benchmarks). */
  readonly calls: number;
}

/** Creates the adapter; no call is made until a method is called. */
export function createWebMethodsAdapter(options: WebMethodsAdapterOptions): WebMethodsAdapter {
  const client = new WebMethodsClient(options);
  const book = new OperationBook();
  const locks = new KeyedLock();
  return {
    type: "webmethods",
    adminUrl: client.baseUrl,
    get calls(): number {
      return client.calls;
    },
    probe(callOptions: CallOptions = {}): Promise<GatewayInfo> {
      return probeWebMethods(client, callOptions.signal);
    },
    discover(callOptions: CallOptions = {}): Promise<DiscoveredApi[]> {
      return discoverApis(client, {
        signal: callOptions.signal,
        concurrency: options.discoveryConcurrency,
      });
    },
    async planPolicies(
      desired: readonly DesiredPolicy[],
      syncOptions?: SyncOptions,
    ): Promise<Plan> {
      return book.record("policy", await planPolicySync({ client, locks }, desired, syncOptions));
    },
    async planRoutes(desired: readonly DesiredRoute[], syncOptions?: SyncOptions): Promise<Plan> {
      return book.record("route", await planRouteSync(client, desired, syncOptions));
    },
    async planCredentials(
      desired: readonly DesiredCredential[],
      syncOptions?: SyncOptions,
    ): Promise<Plan> {
      return book.record("credential", await planCredentialSync(client, desired, syncOptions));
    },
    apply(plan: Plan, syncOptions?: SyncOptions): Promise<ItemResult[]> {
      return book.apply(plan, syncOptions);
    },
  };
}

/**
 * Tells whether `adminUrl` is a webMethods API Gateway: its {@linkcode GatewayInfo}, or `null` when
 * something else answers. Throws when nothing answers, and when webMethods refuses the credentials
 * (detection cannot go on: the user or password must change).
 */
export function detectWebMethods(
  options: WebMethodsConnection & CallOptions,
): Promise<GatewayInfo | null> {
  return identifyWebMethods(new WebMethodsClient(options), options.signal);
}
