/**
 * Desired state in the agent's own, gateway-neutral terms. The sync engine builds these from the
 * Control Plane's answers and from Vault (validating each item); adapters receive only these types
 * and never see the Control Plane's wire format.
 *
 * @module
 */

/** STOA policy types the Control Plane can send (contract §7.2). */
export const STOA_POLICY_TYPES = [
  "rate_limit",
  "cors",
  "ip_filter",
  "jwt_validation",
  "logging",
  "caching",
  "transform",
] as const;

/** A STOA policy type. */
export type StoaPolicyType = (typeof STOA_POLICY_TYPES)[number];

/** A policy the Control Plane wants present (enabled) or absent (disabled). */
export interface DesiredPolicy {
  /** Control Plane policy id (the ownership tag on the gateway). */
  readonly id: string;
  /** Policy name. */
  readonly name: string;
  /** STOA type (validated against {@linkcode STOA_POLICY_TYPES}). */
  readonly type: StoaPolicyType;
  /** Type-specific configuration, targeting keys removed. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Lower runs first. */
  readonly priority: number;
  /** `false` means: make sure it is absent. */
  readonly enabled: boolean;
  /**
   * Names of discovered APIs the policy applies to (`config.apis`); empty means gateway-wide.
   */
  readonly targets: readonly string[];
}

/** A deployed route the Control Plane wants on the gateway. */
export interface DesiredRoute {
  /** Deployment id (the ownership tag and the key of the acknowledgement). */
  readonly id: string;
  /** API name. */
  readonly name: string;
  /** API id in the catalog. */
  readonly apiId: string;
  /** Catalog id. */
  readonly catalogId: string;
  /** Path prefix the gateway routes, e.g. `/apis/orders`. */
  readonly pathPrefix: string;
  /** Upstream URL. */
  readonly backendUrl: string;
  /** Upper-case HTTP methods. */
  readonly methods: readonly string[];
  /** `false`: the API exists but must not serve traffic. */
  readonly activated: boolean;
  /** Generation to echo in the acknowledgement. */
  readonly generation?: number;
  /** Hash of the spec, `""` when none. */
  readonly specHash: string;
  /** OpenAPI document, `null` when none. */
  readonly openapiSpec: Readonly<Record<string, unknown>> | null;
}

/** Authentication types a credential can have (Vault entries, contract §10). */
export type CredentialAuthType = "key-auth" | "basic-auth" | "oauth2";

/** A consumer credential from Vault. */
export interface DesiredCredential {
  /** Consumer id (the ownership tag). */
  readonly consumerId: string;
  /** API the credential is for. */
  readonly apiName: string;
  /** Authentication type. */
  readonly authType: CredentialAuthType;
  /** API key, basic-auth user or OAuth2 client id. */
  readonly key: string;
  /** Basic-auth password or OAuth2 client secret. */
  readonly secret?: string;
}
