/**
 * The agent's validated configuration. Every variable is checked at once; all problems are reported
 * together in a {@linkcode ConfigError}.
 *
 * @module
 */

import { z } from "zod";
import type { GatewayType } from "../gateways/adapter.ts";
import { ConfigError, type ConfigProblem } from "./config_error.ts";
import { formatDuration, parseDuration } from "./duration.ts";
import { VARIABLES } from "./variables.ts";

/** Log verbosity. */
export type LogLevel = "debug" | "info" | "warn" | "error";
/** Log line format. */
export type LogFormat = "json" | "pretty";

/** Everything the agent needs, typed and validated. */
export interface Config {
  /** Control Plane base URL. */
  readonly controlPlaneUrl: URL;
  /** Gateway key sent as `X-Gateway-Key` (secret). */
  readonly gatewayApiKey: string;
  /** Configured gateway type, or `auto`. */
  readonly gatewayType: GatewayType | "auto";
  /** Gateway admin API URL. */
  readonly gatewayAdminUrl: URL;
  /** Admin token (secret). */
  readonly gatewayAdminToken?: string;
  /** Admin basic-auth user. */
  readonly gatewayAdminUser?: string;
  /** Admin basic-auth password (secret). */
  readonly gatewayAdminPassword?: string;
  /** Kong Enterprise workspace. */
  readonly kongWorkspace?: string;
  /** Gravitee organisation. */
  readonly graviteeOrganization: string;
  /** Gravitee environment. */
  readonly graviteeEnvironment: string;
  /** Name the agent registers under. */
  readonly instanceName: string;
  /** Environment reported at registration. */
  readonly environment: string;
  /** Tenant id sent at registration. */
  readonly tenantId?: string;
  /** Heartbeat period in ms. */
  readonly heartbeatIntervalMs: number;
  /** Discovery period in ms. */
  readonly discoveryIntervalMs: number;
  /** Policy sync period in ms. */
  readonly policySyncIntervalMs: number;
  /** Route poll period in ms. */
  readonly routeSyncIntervalMs: number;
  /** Use the Control Plane event stream for deployments. */
  readonly sseEnabled: boolean;
  /** Credential sync period in ms. */
  readonly credentialSyncIntervalMs: number;
  /** Vault address; with {@linkcode Config.tenantId} it turns credential sync on. */
  readonly vaultAddr?: URL;
  /** Static Vault token (secret). */
  readonly vaultToken?: string;
  /** AppRole role id. */
  readonly vaultRoleId?: string;
  /** AppRole secret id (secret). */
  readonly vaultSecretId?: string;
  /** KV v2 mount of the credentials, without surrounding slashes (default `stoa`). */
  readonly vaultKvPath: string;
  /** Gateway proxy URL shown in the Console. */
  readonly targetGatewayUrl?: string;
  /** Gateway public URL shown in the Console. */
  readonly publicUrl?: string;
  /** Gateway UI URL shown in the Console. */
  readonly uiUrl?: string;
  /** Local server bind address. */
  readonly connectHost: string;
  /** Local server port. */
  readonly connectPort: number;
  /** Bearer token for mutating local endpoints (secret). */
  readonly connectToken?: string;
  /** Directory for persisted state. */
  readonly stateDir: string;
  /** Log verbosity. */
  readonly logLevel: LogLevel;
  /** Log format. */
  readonly logFormat: LogFormat;
}

/** Facts about the machine that provide defaults. */
export interface ConfigDefaults {
  /** The machine's hostname (default instance name). */
  readonly hostname: string;
  /** Whether stdout is a terminal (default log format). */
  readonly stdoutIsTerminal: boolean;
}

const DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  VARIABLES.map((v) => [v.name, v.default]),
);

const optionalText = z.string().trim().optional().transform((v) => v === "" ? undefined : v);

function required(what: string) {
  return z.string({ error: `not set; expected ${what}` }).trim().min(1, {
    error: `not set; expected ${what}`,
  });
}

function httpUrl(what: string) {
  return z.string().trim().transform((value, ctx) => {
    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
      ctx.addIssue({
        code: "custom",
        message: `"${value}" is not a valid http(s) URL; expected ${what}`,
      });
      return z.NEVER;
    }
    return url;
  });
}

function duration(name: string) {
  return z.string().trim().default(DEFAULTS[name]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: "custom",
        message: `"${value}" is not a duration; use a number with a unit, e.g. 30s, 1m30s, 500ms`,
      });
      return z.NEVER;
    }
    if (ms <= 0) {
      ctx.addIssue({
        code: "custom",
        message: `"${value}" must be greater than zero, e.g. ${DEFAULTS[name]}`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

function oneOf<const T extends string>(values: readonly T[], fallback: T) {
  return z.string().trim().default(fallback).transform((value, ctx) => {
    const lower = value.toLowerCase() as T;
    if (!values.includes(lower)) {
      ctx.addIssue({
        code: "custom",
        message: `"${value}" is not supported; expected one of ${values.join(", ")}`,
      });
      return z.NEVER;
    }
    return lower;
  });
}

const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  "1": true,
  "0": false,
  yes: true,
  no: false,
  on: true,
  off: false,
};

const booleanFlag = z.string().trim().default("false").transform((value, ctx) => {
  const parsed = BOOLEAN_TEXT[value.toLowerCase()];
  if (parsed === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `"${value}" is not a boolean; expected true or false`,
    });
    return z.NEVER;
  }
  return parsed;
});

const port = z.string().trim().default("8090").transform((value, ctx) => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) {
    ctx.addIssue({ code: "custom", message: `"${value}" is not a port; expected 1 to 65535` });
    return z.NEVER;
  }
  return n;
});

const host = z.string().trim().default("0.0.0.0").refine(
  (value) => /^[A-Za-z0-9.:\-\[\]]+$/.test(value),
  { error: (issue) => `"${issue.input}" is not a host name or IP address` },
);

const kvMount = z.string().trim().default("stoa").transform((value, ctx) => {
  const mount = value.replace(/^\/+|\/+$/g, "");
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(mount) || /(^|\/)\.\.?(\/|$)/.test(mount)) {
    ctx.addIssue({
      code: "custom",
      message: `"${value}" is not a Vault mount path; expected e.g. stoa or secret/team-a`,
    });
    return z.NEVER;
  }
  return mount;
});

const schema = z.object({
  STOA_CONTROL_PLANE_URL: required("the STOA Control Plane URL, e.g. https://api.gostoa.dev").pipe(
    httpUrl("the STOA Control Plane URL, e.g. https://api.gostoa.dev"),
  ),
  STOA_GATEWAY_API_KEY: z.string({
    error: "not set; expected the gateway key issued by the STOA Control Plane",
  }).trim().min(1, { error: "not set; expected the gateway key issued by the STOA Control Plane" }),
  STOA_GATEWAY_TYPE: oneOf(["auto", "kong", "gravitee", "webmethods"] as const, "auto"),
  STOA_GATEWAY_ADMIN_URL: required("the gateway admin API URL, e.g. http://localhost:8001").pipe(
    httpUrl("the gateway admin API URL, e.g. http://localhost:8001"),
  ),
  STOA_GATEWAY_ADMIN_TOKEN: optionalText,
  STOA_GATEWAY_ADMIN_USER: optionalText,
  STOA_GATEWAY_ADMIN_PASSWORD: optionalText,
  STOA_KONG_WORKSPACE: optionalText,
  STOA_GRAVITEE_ORGANIZATION: z.string().trim().default("DEFAULT"),
  STOA_GRAVITEE_ENVIRONMENT: z.string().trim().default("DEFAULT"),
  STOA_INSTANCE_NAME: optionalText,
  STOA_ENVIRONMENT: z.string().trim().default("production").refine((v) => v.length <= 50, {
    error: "must be at most 50 characters (the Control Plane's limit)",
  }),
  STOA_TENANT_ID: optionalText,
  STOA_HEARTBEAT_INTERVAL: duration("STOA_HEARTBEAT_INTERVAL"),
  STOA_DISCOVERY_INTERVAL: duration("STOA_DISCOVERY_INTERVAL"),
  STOA_POLICY_SYNC_INTERVAL: duration("STOA_POLICY_SYNC_INTERVAL"),
  STOA_ROUTE_SYNC_INTERVAL: duration("STOA_ROUTE_SYNC_INTERVAL"),
  STOA_SSE_ENABLED: booleanFlag,
  STOA_CREDENTIAL_SYNC_INTERVAL: duration("STOA_CREDENTIAL_SYNC_INTERVAL"),
  VAULT_ADDR: httpUrl("the Vault address, e.g. https://vault.example.com:8200").optional(),
  VAULT_TOKEN: optionalText,
  VAULT_ROLE_ID: optionalText,
  VAULT_SECRET_ID: optionalText,
  VAULT_KV_PATH: kvMount,
  STOA_TARGET_GATEWAY_URL: httpUrl("the gateway proxy URL").optional(),
  STOA_PUBLIC_URL: httpUrl("the gateway public URL").optional(),
  STOA_UI_URL: httpUrl("the gateway UI URL").optional(),
  STOA_CONNECT_HOST: host,
  STOA_CONNECT_PORT: port,
  STOA_CONNECT_TOKEN: optionalText,
  STOA_STATE_DIR: z.string().trim().default(".stoa-connect"),
  LOG_LEVEL: oneOf(["debug", "info", "warn", "error"] as const, "info"),
  LOG_FORMAT: z.string().trim().optional().transform((value, ctx) => {
    if (value === undefined) return undefined;
    const lower = value.toLowerCase();
    if (lower !== "json" && lower !== "pretty") {
      ctx.addIssue({
        code: "custom",
        message: `"${value}" is not supported; expected json or pretty`,
      });
      return z.NEVER;
    }
    return lower as LogFormat;
  }),
});

/**
 * Validates raw variables into a {@linkcode Config}. Throws {@linkcode ConfigError} naming every
 * bad variable; `earlierProblems` (from reading files) are reported in the same error.
 */
export function parseConfig(
  values: Readonly<Record<string, string>>,
  defaults: ConfigDefaults,
  earlierProblems: readonly ConfigProblem[] = [],
): Config {
  const result = schema.safeParse(values);
  const problems: ConfigProblem[] = [...earlierProblems];
  const byVariable = new Map<string, string>();
  for (const issue of result.error?.issues ?? []) {
    const variable = String(issue.path[0] ?? "configuration");
    if (!byVariable.has(variable)) byVariable.set(variable, issue.message);
  }
  for (const problem of vaultProblems(values)) {
    if (!byVariable.has(problem.variable)) byVariable.set(problem.variable, problem.message);
  }
  if (byVariable.size > 0) {
    const order = VARIABLES.map((v) => v.name);
    const sorted = [...byVariable.entries()].sort(([a], [b]) =>
      order.indexOf(a) - order.indexOf(b)
    );
    for (const [variable, message] of sorted) problems.push({ variable, message });
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);

  const v = result.data;
  return {
    controlPlaneUrl: v.STOA_CONTROL_PLANE_URL,
    gatewayApiKey: v.STOA_GATEWAY_API_KEY,
    gatewayType: v.STOA_GATEWAY_TYPE,
    gatewayAdminUrl: v.STOA_GATEWAY_ADMIN_URL,
    gatewayAdminToken: v.STOA_GATEWAY_ADMIN_TOKEN,
    gatewayAdminUser: v.STOA_GATEWAY_ADMIN_USER,
    gatewayAdminPassword: v.STOA_GATEWAY_ADMIN_PASSWORD,
    kongWorkspace: v.STOA_KONG_WORKSPACE,
    graviteeOrganization: v.STOA_GRAVITEE_ORGANIZATION,
    graviteeEnvironment: v.STOA_GRAVITEE_ENVIRONMENT,
    instanceName: v.STOA_INSTANCE_NAME ?? defaults.hostname,
    environment: v.STOA_ENVIRONMENT,
    tenantId: v.STOA_TENANT_ID,
    heartbeatIntervalMs: v.STOA_HEARTBEAT_INTERVAL,
    discoveryIntervalMs: v.STOA_DISCOVERY_INTERVAL,
    policySyncIntervalMs: v.STOA_POLICY_SYNC_INTERVAL,
    routeSyncIntervalMs: v.STOA_ROUTE_SYNC_INTERVAL,
    sseEnabled: v.STOA_SSE_ENABLED,
    credentialSyncIntervalMs: v.STOA_CREDENTIAL_SYNC_INTERVAL,
    vaultAddr: v.VAULT_ADDR,
    vaultToken: v.VAULT_TOKEN,
    vaultRoleId: v.VAULT_ROLE_ID,
    vaultSecretId: v.VAULT_SECRET_ID,
    vaultKvPath: v.VAULT_KV_PATH,
    targetGatewayUrl: v.STOA_TARGET_GATEWAY_URL?.toString(),
    publicUrl: v.STOA_PUBLIC_URL?.toString(),
    uiUrl: v.STOA_UI_URL?.toString(),
    connectHost: v.STOA_CONNECT_HOST,
    connectPort: v.STOA_CONNECT_PORT,
    connectToken: v.STOA_CONNECT_TOKEN,
    stateDir: v.STOA_STATE_DIR,
    logLevel: v.LOG_LEVEL,
    logFormat: v.LOG_FORMAT ?? (defaults.stdoutIsTerminal ? "pretty" : "json"),
  };
}

/**
 * Problems between Vault variables: half an AppRole, or credential sync asked for (VAULT_ADDR and
 * STOA_TENANT_ID) without any way to authenticate.
 */
function vaultProblems(values: Readonly<Record<string, string>>): ConfigProblem[] {
  const set = (name: string) => (values[name] ?? "").trim() !== "";
  const problems: ConfigProblem[] = [];
  if (set("VAULT_ROLE_ID") && !set("VAULT_SECRET_ID")) {
    problems.push({
      variable: "VAULT_SECRET_ID",
      message: "not set; AppRole login needs it with VAULT_ROLE_ID",
    });
  }
  if (set("VAULT_SECRET_ID") && !set("VAULT_ROLE_ID")) {
    problems.push({
      variable: "VAULT_ROLE_ID",
      message: "not set; AppRole login needs it with VAULT_SECRET_ID",
    });
  }
  const approle = set("VAULT_ROLE_ID") || set("VAULT_SECRET_ID");
  if (set("VAULT_ADDR") && set("STOA_TENANT_ID") && !set("VAULT_TOKEN") && !approle) {
    problems.push({
      variable: "VAULT_TOKEN",
      message:
        "not set; credential sync (VAULT_ADDR and STOA_TENANT_ID are set) needs VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID",
    });
  }
  return problems;
}

/** True when credential sync is configured: a Vault address and a tenant. */
export function credentialSyncEnabled(config: Config): boolean {
  return config.vaultAddr !== undefined && config.tenantId !== undefined;
}

/** A one-line, secret-free summary of the configuration for the startup log. */
export function describeConfig(config: Config): Record<string, string | number | boolean> {
  return {
    control_plane_url: config.controlPlaneUrl.toString(),
    gateway_type: config.gatewayType,
    gateway_admin_url: config.gatewayAdminUrl.toString(),
    instance_name: config.instanceName,
    environment: config.environment,
    heartbeat_interval: formatDuration(config.heartbeatIntervalMs),
    discovery_interval: formatDuration(config.discoveryIntervalMs),
    listen: `${config.connectHost}:${config.connectPort}`,
  };
}
