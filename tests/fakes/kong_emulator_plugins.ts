/**
 * The plugins the Kong emulator knows: execution priority, default protocols and, for the plugins
 * the agent maps STOA policies to, the `config` schema (types, defaults, enums, entity checks).
 *
 * Kong stores every `config` field, unset ones as `null`, and answers with the full record; the
 * agent diffs against that, so the emulator must do the same. The schemas here are written from
 * `shared/specs/kong/plugin-schemas/3.9/*.json` and checked against those files by
 * `kong_emulator_test.ts` (same fields, same defaults, same types), so they cannot drift silently.
 *
 * @module
 */

import type { FieldError } from "./kong_emulator_errors.ts";

/** The type of one config field, with Kong's default. */
export type ConfigField =
  | { readonly type: "number" | "integer"; readonly default?: number }
  | {
    readonly type: "string";
    readonly default?: string;
    readonly one_of?: readonly string[];
    /** Kong's `match`, with its message (`err`) when it has one. */
    readonly match?: { readonly pattern: RegExp; readonly error?: string };
  }
  | { readonly type: "boolean"; readonly default: boolean }
  | {
    readonly type: "array";
    readonly default?: readonly unknown[];
    readonly elements?: "string" | "number" | "integer";
    readonly one_of?: readonly string[];
    /** Kong's `match` on every element. */
    readonly match?: RegExp;
  }
  | { readonly type: "map" }
  | { readonly type: "record"; readonly fields: ConfigSchema };

/** A `config` record: field name → type. */
export type ConfigSchema = Readonly<Record<string, ConfigField>>;

/** What the emulator knows about one plugin. */
export interface PluginDefinition {
  /** Execution priority, reported by `GET /` (`plugins.available_on_server`). */
  readonly priority: number;
  /** Default `protocols` of a new plugin entity. */
  readonly protocols: readonly string[];
  /** Protocols the plugin accepts, when more than the defaults. */
  readonly supportedProtocols?: readonly string[];
  /** The `config` schema; absent when the emulator keeps the given config unchecked. */
  readonly config?: ConfigSchema;
  /** Deprecated flat field → path inside the config (Kong 3.6 moved `redis_*` into `redis`). */
  readonly shorthands?: Readonly<Record<string, readonly string[]>>;
  /** Cross-field checks (Kong `entity_checks`), run on the filled config. */
  readonly checks?: (config: Readonly<Record<string, unknown>>) => FieldError[];
  /** Fields Kong generates when they are left unset (oauth2 `provision_key`). */
  readonly generated?: Readonly<Record<string, () => unknown>>;
  /** Only offered by Kong Enterprise. */
  readonly enterprise?: boolean;
}

const HTTP_PROTOCOLS = ["grpc", "grpcs", "http", "https"] as const;
const HTTP_WS_PROTOCOLS = ["grpc", "grpcs", "http", "https", "ws", "wss"] as const;
const HTTP_METHODS = [
  "CONNECT",
  "DELETE",
  "GET",
  "HEAD",
  "OPTIONS",
  "PATCH",
  "POST",
  "PUT",
  "TRACE",
];
const HMAC_ALGORITHMS = ["hmac-sha1", "hmac-sha256", "hmac-sha384", "hmac-sha512"];

const num = (value?: number): ConfigField => ({ type: "number", default: value });
const int = (value?: number): ConfigField => ({ type: "integer", default: value });
const str = (value?: string, oneOf?: readonly string[]): ConfigField => ({
  type: "string",
  default: value,
  one_of: oneOf,
});
const bool = (value: boolean): ConfigField => ({ type: "boolean", default: value });
const arr = (value?: readonly unknown[], oneOf?: readonly string[]): ConfigField => ({
  type: "array",
  default: value,
  elements: "string",
  one_of: oneOf,
});

/** Lists whose elements are `name:value` (transformer plugins). */
const colonList = (): ConfigField => ({
  type: "array",
  default: [],
  elements: "string",
  match: /^[^:]+:.*$/,
});
const lists = (fields: Readonly<Record<string, ConfigField>>): ConfigField => ({
  type: "record",
  fields,
});
const JSON_TYPES: ConfigField = arr([], ["boolean", "number", "string"]);

const REDIS: ConfigField = {
  type: "record",
  fields: {
    host: str(),
    port: int(6379),
    timeout: int(2000),
    username: str(),
    password: str(),
    database: int(0),
    ssl: bool(false),
    ssl_verify: bool(false),
    server_name: str(),
  },
};

const REDIS_SHORTHANDS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  [
    "host",
    "port",
    "timeout",
    "username",
    "password",
    "database",
    "ssl",
    "ssl_verify",
    "server_name",
  ]
    .map((field) => [`redis_${field}`, ["redis", field]]),
);

function atLeastOneOf(...fields: string[]): PluginDefinition["checks"] {
  return (config) =>
    fields.some((field) => isSet(config[field])) ? [] : [[
      "@entity",
      `at least one of these fields must be non-empty: ${
        fields.map((field) => `'config.${field}'`).join(", ")
      }`,
    ]];
}

function required(...fields: string[]): PluginDefinition["checks"] {
  return (config) =>
    fields.filter((field) => config[field] === null || config[field] === undefined)
      .map((field) => [`config.${field}`, "required field missing"]);
}

/** rate-limiting's `custom_validator` (`validate_periods_order`, Kong 3.9). */
function ratePeriodsOrdered(config: Readonly<Record<string, unknown>>): FieldError[] {
  const periods = ["second", "minute", "hour", "day", "month", "year"];
  for (const [index, lower] of periods.entries()) {
    const small = config[lower];
    if (typeof small !== "number") continue;
    for (const upper of periods.slice(index + 1)) {
      const large = config[upper];
      if (typeof large === "number" && large < small) {
        return [[
          "config",
          `The limit for ${upper}(${
            large.toFixed(1)
          }) cannot be lower than the limit for ${lower}(${small.toFixed(1)})`,
        ]];
      }
    }
  }
  if (config.policy !== "redis" && config.sync_rate !== -1) {
    return [["config", "sync_rate can only be used with the redis policy"]];
  }
  return [];
}

function onlyOneOf(...fields: string[]): PluginDefinition["checks"] {
  return (config) =>
    fields.filter((field) => isSet(config[field])).length > 1
      ? [[
        "@entity",
        `only one of these fields must be non-empty: ${
          fields.map((field) => `'config.${field}'`).join(", ")
        }`,
      ]]
      : [];
}

function isSet(value: unknown): boolean {
  return value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0);
}

function combine(...checks: PluginDefinition["checks"][]): PluginDefinition["checks"] {
  return (config) => checks.flatMap((check) => check ? check(config) : []);
}

/** Plugins bundled with Kong 3.9 (plus a few Enterprise ones), by name. */
export const KONG_PLUGINS: Readonly<Record<string, PluginDefinition>> = {
  "acl": {
    priority: 950,
    protocols: HTTP_PROTOCOLS,
    config: {
      allow: arr(),
      deny: arr(),
      hide_groups_header: bool(false),
      always_use_authenticated_groups: bool(false),
      include_consumer_groups: bool(false),
    },
    checks: combine(onlyOneOf("allow", "deny"), atLeastOneOf("allow", "deny")),
  },
  "basic-auth": {
    priority: 1100,
    protocols: HTTP_WS_PROTOCOLS,
    config: { anonymous: str(), hide_credentials: bool(false), realm: str("service") },
  },
  "bot-detection": {
    priority: 2500,
    protocols: HTTP_PROTOCOLS,
    config: { allow: arr([]), deny: arr([]) },
  },
  "cors": {
    priority: 2000,
    protocols: HTTP_PROTOCOLS,
    config: {
      origins: arr(),
      headers: arr(),
      exposed_headers: arr(),
      methods: arr(HTTP_METHODS, HTTP_METHODS),
      max_age: num(),
      credentials: bool(false),
      private_network: bool(false),
      preflight_continue: bool(false),
    },
  },
  "hmac-auth": {
    priority: 1030,
    protocols: HTTP_WS_PROTOCOLS,
    config: {
      hide_credentials: bool(false),
      clock_skew: num(300),
      anonymous: str(),
      validate_request_body: bool(false),
      enforce_headers: arr([]),
      algorithms: arr(HMAC_ALGORITHMS, HMAC_ALGORITHMS),
      realm: str(),
    },
  },
  "ip-restriction": {
    priority: 990,
    protocols: ["grpc", "grpcs", "http", "https", "tcp", "tls"],
    supportedProtocols: [
      "grpc",
      "grpcs",
      "http",
      "https",
      "tcp",
      "tls",
      "tls_passthrough",
      "udp",
      "ws",
      "wss",
    ],
    config: { allow: arr(), deny: arr(), status: num(), message: str() },
    checks: atLeastOneOf("allow", "deny"),
  },
  "jwt": {
    priority: 1450,
    protocols: HTTP_PROTOCOLS,
    config: {
      uri_param_names: arr(["jwt"]),
      cookie_names: arr([]),
      key_claim_name: str("iss"),
      secret_is_base64: bool(false),
      claims_to_verify: arr(undefined, ["exp", "nbf"]),
      anonymous: str(),
      run_on_preflight: bool(true),
      maximum_expiration: num(0),
      header_names: arr(["authorization"]),
      realm: str(),
    },
  },
  "key-auth": {
    priority: 1250,
    protocols: HTTP_WS_PROTOCOLS,
    config: {
      key_names: arr(["apikey"]),
      hide_credentials: bool(false),
      anonymous: str(),
      key_in_header: bool(true),
      key_in_query: bool(true),
      key_in_body: bool(false),
      run_on_preflight: bool(true),
      realm: str(),
    },
  },
  "oauth2": {
    priority: 1400,
    protocols: HTTP_WS_PROTOCOLS,
    config: {
      scopes: arr(),
      mandatory_scope: bool(false),
      provision_key: str(),
      token_expiration: num(7200),
      enable_authorization_code: bool(false),
      enable_implicit_grant: bool(false),
      enable_client_credentials: bool(false),
      enable_password_grant: bool(false),
      hide_credentials: bool(false),
      accept_http_if_already_terminated: bool(false),
      anonymous: str(),
      global_credentials: bool(false),
      auth_header_name: str("authorization"),
      refresh_token_ttl: num(1209600),
      reuse_refresh_token: bool(false),
      persistent_refresh_token: bool(false),
      pkce: str("lax", ["none", "lax", "strict"]),
      realm: str(),
    },
    generated: { provision_key: () => crypto.randomUUID().replaceAll("-", "") },
  },
  "rate-limiting": {
    priority: 910,
    protocols: HTTP_PROTOCOLS,
    config: {
      second: num(),
      minute: num(),
      hour: num(),
      day: num(),
      month: num(),
      year: num(),
      limit_by: str("consumer", [
        "consumer",
        "consumer-group",
        "credential",
        "header",
        "ip",
        "path",
        "service",
      ]),
      header_name: str(),
      path: str(),
      policy: str("local", ["cluster", "local", "redis"]),
      fault_tolerant: bool(true),
      redis: REDIS,
      hide_client_headers: bool(false),
      error_code: num(429),
      error_message: str("API rate limit exceeded"),
      sync_rate: num(-1),
    },
    shorthands: REDIS_SHORTHANDS,
    checks: combine(
      atLeastOneOf("second", "minute", "hour", "day", "month", "year"),
      ratePeriodsOrdered,
    ),
  },
  "request-size-limiting": {
    priority: 951,
    protocols: HTTP_PROTOCOLS,
    config: {
      allowed_payload_size: int(128),
      size_unit: str("megabytes", ["megabytes", "kilobytes", "bytes"]),
      require_content_length: bool(false),
    },
  },
  "request-termination": {
    priority: 2,
    protocols: HTTP_PROTOCOLS,
    config: {
      status_code: int(503),
      message: str(),
      content_type: str(),
      body: str(),
      echo: bool(false),
      trigger: str(),
    },
  },
  "response-ratelimiting": {
    priority: 900,
    protocols: HTTP_PROTOCOLS,
    config: {
      header_name: str("x-kong-limit"),
      limit_by: str("consumer", ["consumer", "credential", "ip"]),
      policy: str("local", ["local", "cluster", "redis"]),
      fault_tolerant: bool(true),
      redis: REDIS,
      block_on_first_violation: bool(false),
      hide_client_headers: bool(false),
      limits: { type: "map" },
    },
    shorthands: REDIS_SHORTHANDS,
  },
  // Bundled plugins whose config the emulator keeps as given.
  "correlation-id": { priority: 100001, protocols: HTTP_PROTOCOLS },
  "pre-function": { priority: 1000000, protocols: HTTP_WS_PROTOCOLS },
  "post-function": { priority: -1000, protocols: HTTP_WS_PROTOCOLS },
  "session": { priority: 1900, protocols: HTTP_PROTOCOLS },
  "request-transformer": {
    priority: 801,
    protocols: HTTP_PROTOCOLS,
    config: {
      http_method: { type: "string", match: { pattern: /^[A-Z]+$/ } },
      remove: lists({ body: arr([]), headers: arr([]), querystring: arr([]) }),
      rename: lists({ body: colonList(), headers: colonList(), querystring: colonList() }),
      replace: lists({
        body: colonList(),
        headers: colonList(),
        querystring: colonList(),
        uri: str(),
      }),
      add: lists({ body: colonList(), headers: colonList(), querystring: colonList() }),
      append: lists({ body: colonList(), headers: colonList(), querystring: colonList() }),
    },
  },
  "response-transformer": {
    priority: 800,
    protocols: HTTP_PROTOCOLS,
    config: {
      remove: lists({ json: arr([]), headers: arr([]) }),
      rename: lists({ json: colonList(), headers: colonList() }),
      replace: lists({ json: colonList(), json_types: JSON_TYPES, headers: colonList() }),
      add: lists({ json: colonList(), json_types: JSON_TYPES, headers: colonList() }),
      append: lists({ json: colonList(), json_types: JSON_TYPES, headers: colonList() }),
    },
  },
  "proxy-cache": {
    priority: 100,
    protocols: HTTP_PROTOCOLS,
    config: {
      response_code: { type: "array", default: [200, 301, 404], elements: "integer" },
      request_method: arr(["GET", "HEAD"], ["HEAD", "GET", "POST", "PATCH", "PUT"]),
      content_type: arr(["text/plain", "application/json"]),
      cache_ttl: int(300),
      strategy: str(undefined, ["memory"]),
      cache_control: bool(false),
      ignore_uri_case: bool(false),
      storage_ttl: int(),
      memory: { type: "record", fields: { dictionary_name: str("kong_db_cache") } },
      vary_query_params: arr(),
      vary_headers: arr(),
      response_headers: {
        type: "record",
        fields: { age: bool(true), "X-Cache-Status": bool(true), "X-Cache-Key": bool(true) },
      },
    },
    checks: required("strategy"),
  },
  "prometheus": { priority: 13, protocols: HTTP_WS_PROTOCOLS },
  "http-log": {
    priority: 12,
    protocols: HTTP_WS_PROTOCOLS,
    config: {
      http_endpoint: { type: "string", match: { pattern: /^https?:\/\/[^\s/]+/ } },
      method: str("POST", ["POST", "PUT", "PATCH"]),
      content_type: str("application/json", [
        "application/json",
        "application/json; charset=utf-8",
      ]),
      timeout: num(10000),
      keepalive: num(60000),
      retry_count: int(),
      queue_size: int(),
      flush_timeout: num(),
      headers: { type: "map" },
      queue: {
        type: "record",
        fields: {
          max_batch_size: int(1),
          max_coalescing_delay: num(1),
          max_entries: int(10000),
          max_bytes: int(),
          max_retry_time: num(60),
          initial_retry_delay: num(0.01),
          max_retry_delay: num(60),
          concurrency_limit: int(1),
        },
      },
      custom_fields_by_lua: { type: "map" },
    },
    checks: required("http_endpoint"),
  },
  "file-log": {
    priority: 9,
    protocols: HTTP_WS_PROTOCOLS,
    config: {
      path: {
        type: "string",
        match: { pattern: /^[^*&%\\`]+$/, error: "not a valid filename" },
      },
      reopen: bool(false),
      custom_fields_by_lua: { type: "map" },
    },
    checks: required("path"),
  },
  "opentelemetry": { priority: 14, protocols: HTTP_WS_PROTOCOLS },
  // Enterprise-only plugins.
  "rate-limiting-advanced": { priority: 910, protocols: HTTP_PROTOCOLS, enterprise: true },
  "openid-connect": { priority: 1050, protocols: HTTP_PROTOCOLS, enterprise: true },
  "request-validator": { priority: 999, protocols: HTTP_PROTOCOLS, enterprise: true },
};

/** The complete default config of a schema: every field, unset ones `null`. */
export function defaultConfig(schema: ConfigSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema)) {
    if (field.type === "record") out[name] = defaultConfig(field.fields);
    else if ("default" in field && field.default !== undefined) {
      out[name] = structuredClone(field.default);
    } else out[name] = null;
  }
  return out;
}

/**
 * Fills `given` with defaults and checks it, the way Kong does on insert (`base` = defaults) or
 * on PATCH (`base` = the stored config; records are merged, not replaced).
 */
export function fillConfig(
  definition: PluginDefinition,
  given: Readonly<Record<string, unknown>>,
  base?: Readonly<Record<string, unknown>>,
): { readonly config: Record<string, unknown>; readonly errors: FieldError[] } {
  if (!definition.config) {
    return { config: { ...(base ?? {}), ...structuredClone(given) }, errors: [] };
  }
  const input = expandShorthands(given, definition.shorthands ?? {});
  const errors: FieldError[] = [];
  const config = mergeRecord(
    definition.config,
    input,
    base ? structuredClone(base) : defaultConfig(definition.config),
    "config",
    errors,
  );
  for (const [field, generate] of Object.entries(definition.generated ?? {})) {
    if (config[field] === null || config[field] === undefined) config[field] = generate();
  }
  if (errors.length === 0 && definition.checks) errors.push(...definition.checks(config));
  return { config, errors };
}

function expandShorthands(
  given: Readonly<Record<string, unknown>>,
  shorthands: Readonly<Record<string, readonly string[]>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    const target = shorthands[key];
    if (!target) {
      out[key] = value;
      continue;
    }
    if (value === null || value === undefined) continue;
    const [record, field] = target;
    const existing = out[record];
    out[record] = {
      ...(existing !== null && typeof existing === "object" ? existing : {}),
      [field]: value,
    };
  }
  return out;
}

function mergeRecord(
  schema: ConfigSchema,
  input: Readonly<Record<string, unknown>>,
  base: Record<string, unknown>,
  prefix: string,
  errors: FieldError[],
): Record<string, unknown> {
  const out = base;
  for (const [name, value] of Object.entries(input)) {
    const path = `${prefix}.${name}`;
    const field = schema[name];
    if (!field) {
      errors.push([path, "unknown field"]);
      continue;
    }
    if (value === null) {
      out[name] = field.type === "record" ? defaultConfig(field.fields) : null;
      continue;
    }
    if (field.type === "record") {
      if (typeof value !== "object" || Array.isArray(value)) {
        errors.push([path, "expected a record"]);
        continue;
      }
      const current = out[name];
      out[name] = mergeRecord(
        field.fields,
        value as Record<string, unknown>,
        current !== null && typeof current === "object"
          ? current as Record<string, unknown>
          : defaultConfig(field.fields),
        path,
        errors,
      );
      continue;
    }
    const problem = checkValue(field, value);
    if (problem) errors.push([path, problem]);
    else out[name] = structuredClone(value);
  }
  return out;
}

function checkValue(field: ConfigField, value: unknown): string | undefined {
  switch (field.type) {
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "expected a number";
    case "integer":
      return Number.isInteger(value) ? undefined : "expected an integer";
    case "boolean":
      return typeof value === "boolean" ? undefined : "expected a boolean";
    case "string":
      if (typeof value !== "string") return "expected a string";
      if (field.one_of && !field.one_of.includes(value)) {
        return `expected one of: ${field.one_of.join(", ")}`;
      }
      if (field.match && !field.match.pattern.test(value)) {
        return field.match.error ?? `invalid value: ${value}`;
      }
      return undefined;
    case "map":
      return typeof value === "object" && !Array.isArray(value) ? undefined : "expected a map";
    case "array": {
      if (!Array.isArray(value)) return "expected an array";
      for (const item of value) {
        if (field.elements === "integer" || field.elements === "number") {
          if (
            typeof item !== "number" || (field.elements === "integer" && !Number.isInteger(item))
          ) {
            return `expected ${field.elements === "integer" ? "an integer" : "a number"}`;
          }
          continue;
        }
        if (typeof item !== "string") return "expected a string";
        if (field.one_of && !field.one_of.includes(item)) {
          return `expected one of: ${field.one_of.join(", ")}`;
        }
        if (field.match && !field.match.test(item)) return `invalid value: ${item}`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
