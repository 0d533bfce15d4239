/**
 * The catalogue of environment variables stoa-connect reads. It is the one list behind
 * `stoa-connect --help`, `.env.example` and the README table (tests keep them in step).
 *
 * @module
 */

/** Description of one environment variable. */
export interface VariableSpec {
  /** Variable name. */
  readonly name: string;
  /** Default as written in documentation, `""` when there is none. */
  readonly default: string;
  /** One-line meaning. */
  readonly description: string;
  /** Required to start the agent. */
  readonly required?: boolean;
  /** A secret: never echoed; also accepted as `<NAME>_FILE` (path of a file holding the value). */
  readonly secret?: boolean;
  /** Example value for `.env.example`. */
  readonly example?: string;
}

/** Every variable, in the order they are documented. */
export const VARIABLES: readonly VariableSpec[] = [
  {
    name: "STOA_CONTROL_PLANE_URL",
    default: "",
    required: true,
    description: "Base URL of the STOA Control Plane API.",
    example: "https://api.gostoa.dev",
  },
  {
    name: "STOA_GATEWAY_API_KEY",
    default: "",
    required: true,
    secret: true,
    description: "Gateway key issued by the Control Plane (sent as X-Gateway-Key).",
    example: "gw_production_change_me",
  },
  {
    name: "STOA_GATEWAY_TYPE",
    default: "auto",
    description:
      "Gateway product: auto, kong, gravitee or webmethods (auto probes Kong, then Gravitee, then webMethods).",
  },
  {
    name: "STOA_GATEWAY_ADMIN_URL",
    default: "",
    required: true,
    description: "Admin API of the local gateway (Kong :8001, Gravitee :8083, webMethods :5555).",
    example: "http://localhost:8001",
  },
  {
    name: "STOA_GATEWAY_ADMIN_TOKEN",
    default: "",
    secret: true,
    description: "Admin API token (Kong Enterprise Kong-Admin-Token, Gravitee bearer token).",
  },
  {
    name: "STOA_GATEWAY_ADMIN_USER",
    default: "",
    description: "Admin API user for basic authentication (Gravitee, webMethods).",
  },
  {
    name: "STOA_GATEWAY_ADMIN_PASSWORD",
    default: "",
    secret: true,
    description: "Admin API password for basic authentication (Gravitee, webMethods).",
  },
  {
    name: "STOA_KONG_WORKSPACE",
    default: "",
    description: "Kong Enterprise workspace; prefixes every Kong admin path.",
  },
  {
    name: "STOA_GRAVITEE_ORGANIZATION",
    default: "DEFAULT",
    description: "Gravitee organisation the Management API paths use.",
  },
  {
    name: "STOA_GRAVITEE_ENVIRONMENT",
    default: "DEFAULT",
    description: "Gravitee environment the Management API paths use.",
  },
  {
    name: "STOA_INSTANCE_NAME",
    default: "hostname",
    description: "Name this agent registers under (the machine's hostname by default).",
  },
  {
    name: "STOA_ENVIRONMENT",
    default: "production",
    description: "Environment reported to the Control Plane.",
  },
  {
    name: "STOA_TENANT_ID",
    default: "",
    description:
      "Tenant this gateway belongs to (sent at registration; names the Vault credentials to sync).",
  },
  {
    name: "STOA_HEARTBEAT_INTERVAL",
    default: "30s",
    description: "How often a heartbeat is sent (durations: 500ms, 30s, 1m30s).",
  },
  {
    name: "STOA_DISCOVERY_INTERVAL",
    default: "60s",
    description: "How often the gateway's APIs are discovered and reported.",
  },
  {
    name: "STOA_POLICY_SYNC_INTERVAL",
    default: "60s",
    description: "How often policies are fetched from the Control Plane and applied.",
  },
  {
    name: "STOA_ROUTE_SYNC_INTERVAL",
    default: "30s",
    description: "How often deployed routes are pulled when the event stream is off.",
  },
  {
    name: "STOA_SSE_ENABLED",
    default: "false",
    description:
      "true: receive deployments on the Control Plane's event stream instead of polling.",
  },
  {
    name: "STOA_CREDENTIAL_SYNC_INTERVAL",
    default: "60s",
    description: "How often consumer credentials are read from Vault and applied.",
  },
  {
    name: "VAULT_ADDR",
    default: "",
    description:
      "Vault address; with STOA_TENANT_ID it turns credential sync on (e.g. https://vault.example.com:8200).",
  },
  {
    name: "VAULT_TOKEN",
    default: "",
    secret: true,
    description:
      "Vault token (renewed before it expires); or use VAULT_ROLE_ID and VAULT_SECRET_ID.",
  },
  {
    name: "VAULT_ROLE_ID",
    default: "",
    description: "AppRole role id: login when VAULT_TOKEN is unset, or refused or expiring.",
  },
  {
    name: "VAULT_SECRET_ID",
    default: "",
    secret: true,
    description: "AppRole secret id, used with VAULT_ROLE_ID.",
  },
  {
    name: "VAULT_KV_PATH",
    default: "stoa",
    description:
      "Vault KV v2 mount holding credentials; they are read from <mount>/data/consumers/<STOA_TENANT_ID>.",
  },
  {
    name: "STOA_TARGET_GATEWAY_URL",
    default: "",
    description: "URL of the gateway's proxy, shown in the Console.",
  },
  {
    name: "STOA_PUBLIC_URL",
    default: "",
    description: "Public URL of the gateway, shown in the Console.",
  },
  {
    name: "STOA_UI_URL",
    default: "",
    description: "URL of the gateway's own UI, shown in the Console.",
  },
  {
    name: "STOA_CONNECT_HOST",
    default: "0.0.0.0",
    description: "Address the local HTTP server binds to.",
  },
  {
    name: "STOA_CONNECT_PORT",
    default: "8090",
    description: "Port of the local HTTP server (/health, /metrics, /status).",
  },
  {
    name: "STOA_CONNECT_TOKEN",
    default: "",
    secret: true,
    description:
      "Bearer token that lets non-loopback callers use POST /discover and /sync (loopback only when unset).",
  },
  {
    name: "STOA_STATE_DIR",
    default: ".stoa-connect",
    description: "Directory for state kept across restarts (undelivered acknowledgements).",
  },
  {
    name: "LOG_LEVEL",
    default: "info",
    description: "debug, info, warn or error.",
  },
  {
    name: "LOG_FORMAT",
    default: "json",
    description: "json (default when not a terminal) or pretty (default on a terminal).",
  },
];

/** The variables whose values are secrets. */
export const SECRET_VARIABLES: readonly string[] = VARIABLES.filter((v) => v.secret).map((v) =>
  v.name
);
