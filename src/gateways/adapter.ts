/**
 * The contract every gateway adapter fulfils. Adapters know nothing about the Control Plane: they
 * translate between the agent's gateway-neutral types and one gateway's admin API.
 *
 * @module
 */

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
