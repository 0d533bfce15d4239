/**
 * The contract every gateway adapter fulfils. Adapters know nothing about the Control Plane: they
 * translate between the agent's gateway-neutral types and one gateway's admin API.
 *
 * @module
 */

import type { DesiredCredential, DesiredPolicy, DesiredRoute } from "../sync/desired.ts";
import type { ItemResult, Plan } from "../sync/plan.ts";

/** Gateway products stoa-connect can drive. */
export type GatewayType = "kong" | "gravitee" | "webmethods";

/** Every gateway type, in auto-detection order (Kong, then Gravitee, then webMethods). */
export const GATEWAY_TYPES: readonly GatewayType[] = ["kong", "gravitee", "webmethods"];

/** What a probe learnt about the gateway behind the admin URL. */
export interface GatewayInfo {
  /** The detected or configured gateway product. */
  readonly type: GatewayType;
  /** Product version as the gateway reports it, or `"unknown"`. */
  readonly version: string;
  /** Edition when the gateway reports one (Kong: `community` or `enterprise`). */
  readonly edition?: string;
  /** Kong only: true when the node runs without a database (`configuration.database = off`). */
  readonly dbless?: boolean;
}

/**
 * One API found on the gateway, in the Control Plane's discovered-API shape (contract §5). Every
 * field is always set so the report never carries `null`.
 */
export interface DiscoveredApi {
  /** API or service name. */
  readonly name: string;
  /** API version, `""` when the gateway has none. */
  readonly version: string;
  /** Upstream URL, `""` when unknown. */
  readonly backend_url: string;
  /** Request paths the gateway routes to this API. */
  readonly paths: readonly string[];
  /** HTTP methods accepted, empty when every method is. */
  readonly methods: readonly string[];
  /** Names of the plugins or policies attached to the API. */
  readonly policies: readonly string[];
  /** Whether the gateway serves the API. */
  readonly is_active: boolean;
}

/** Options accepted by every adapter call. */
export interface CallOptions {
  /** Aborts the call, for shutdown. */
  readonly signal?: AbortSignal;
}

/** A connection to one gateway's admin API. */
export interface GatewayAdapter {
  /** The gateway product this adapter drives. */
  readonly type: GatewayType;
  /** Reads version and mode; throws when the admin API cannot be reached or refuses. */
  probe(options?: CallOptions): Promise<GatewayInfo>;
  /** Lists every API on the gateway (all pages). */
  discover(options?: CallOptions): Promise<DiscoveredApi[]>;
}

/** Options of planning and applying. */
export interface SyncOptions extends CallOptions {
  /** APIs found by the last discovery (to resolve policy targets by name). */
  readonly discovered?: readonly DiscoveredApi[];
  /** Most items written at once (default 8). */
  readonly concurrency?: number;
}

/**
 * An adapter that can make the gateway match the desired state. Planning reads only objects the
 * agent owns (ownership is recorded on the gateway) and never writes; applying writes only what
 * the plan says, item by item, and reports one result per item.
 */
export interface SyncAdapter extends GatewayAdapter {
  /** Plan for policies: every desired policy plus owned policies no longer desired (deleted). */
  planPolicies(desired: readonly DesiredPolicy[], options?: SyncOptions): Promise<Plan>;
  /** Plan for deployed routes: the desired list is authoritative (owned routes not in it go). */
  planRoutes(desired: readonly DesiredRoute[], options?: SyncOptions): Promise<Plan>;
  /** Plan for consumer credentials. */
  planCredentials(desired: readonly DesiredCredential[], options?: SyncOptions): Promise<Plan>;
  /** Applies a plan; never throws for one item, returns one result per plan item. */
  apply(plan: Plan, options?: SyncOptions): Promise<ItemResult[]>;
}

/** True when the adapter can synchronise (not only discover). */
export function canSync(adapter: GatewayAdapter): adapter is SyncAdapter {
  const candidate = adapter as Partial<SyncAdapter>;
  return typeof candidate.planPolicies === "function" && typeof candidate.apply === "function";
}
