/**
 * STOA policy types → Kong's own plugins (Kong OSS 3.x), one function per type.
 *
 * Each mapping returns the plugins to run with every config field the agent manages set
 * explicitly (`null` = "unset", as Kong stores it). The same values are sent and compared with
 * what Kong answers, so an unchanged policy plans as `unchanged` and a field changed by hand on
 * an owned plugin is put back. A policy Kong cannot express gets an error that says why and what
 * would work instead; nothing is sent for it. The table of accepted keys and produced configs is
 * in the README (Gateways, Kong).
 *
 * @module
 */

import type { DesiredPolicy, StoaPolicyType } from "../../sync/desired.ts";
import {
  booleanValue,
  httpUrl,
  integerAtLeast,
  integerList,
  listOf,
  nonEmptyString,
  oneOf,
  type Parsed,
  PolicyConfigReader,
  stringList,
} from "../policy_config.ts";
import { mapTransform } from "./kong_policy_transform.ts";

/** One Kong plugin a policy turns into. */
export interface KongPluginSpec {
  /** Kong plugin name, e.g. `rate-limiting`. */
  readonly name: string;
  /** Every managed `config` field; `null` means unset. */
  readonly config: Readonly<Record<string, unknown>>;
}

/** The plugins for a policy, or why Kong cannot express it. */
export type PolicyMapping =
  | { readonly plugins: readonly KongPluginSpec[] }
  | { readonly error: string };

/** HTTP methods Kong's cors plugin accepts (its default is all of them). */
export const CORS_METHODS = [
  "GET",
  "HEAD",
  "PUT",
  "PATCH",
  "POST",
  "DELETE",
  "OPTIONS",
  "TRACE",
  "CONNECT",
] as const;

/**
 * The config fields each produced plugin sets (and is compared on); what a removed plugin shows
 * in the plan. Kept in step with the mappings by `kong_policies_test.ts`.
 */
export const MANAGED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  "rate-limiting": ["second", "minute", "hour", "day", "month", "year"],
  "cors": ["origins", "methods", "headers", "exposed_headers", "max_age", "credentials"],
  "ip-restriction": ["allow", "deny"],
  "jwt": [
    "uri_param_names",
    "cookie_names",
    "header_names",
    "claims_to_verify",
    "key_claim_name",
    "secret_is_base64",
    "run_on_preflight",
    "maximum_expiration",
  ],
  "file-log": ["path", "reopen"],
  "http-log": ["http_endpoint", "method"],
  "proxy-cache": [
    "strategy",
    "cache_ttl",
    "request_method",
    "response_code",
    "content_type",
    "cache_control",
  ],
  "request-transformer": ["http_method", "remove", "rename", "replace", "add", "append"],
  "response-transformer": ["remove", "rename", "replace", "add", "append"],
};

/** Kong's rate-limiting windows, by the STOA `intervalSeconds` that means each. */
const RATE_WINDOWS: Readonly<Record<number, string>> = {
  1: "second",
  60: "minute",
  3600: "hour",
  86400: "day",
};
const WINDOW_ORDER = ["second", "minute", "hour", "day", "month", "year"] as const;
/** Default of the contract (§7.3): 100 requests per 60 seconds. */
const DEFAULT_MAX_REQUESTS = 100;
const DEFAULT_INTERVAL_SECONDS = 60;
/** Where `logging` writes when no destination is given: Kong's own stdout (container logs). */
const DEFAULT_LOG_PATH = "/dev/stdout";
/** Kong's file-log path check (`kong/plugins/file-log/schema.lua`). */
const LOG_PATH = /^[^*&%\\`]+$/;
const PROXY_CACHE_METHODS = ["GET", "HEAD", "POST", "PATCH", "PUT"] as const;

type Mapper = (reader: PolicyConfigReader) => KongPluginSpec[];

const MAPPERS: Readonly<Record<StoaPolicyType, Mapper>> = {
  rate_limit: mapRateLimit,
  cors: mapCors,
  ip_filter: mapIpFilter,
  jwt_validation: mapJwtValidation,
  logging: mapLogging,
  caching: mapCaching,
  transform: mapTransform,
};

/**
 * Maps one policy to Kong plugins, or explains why it cannot be mapped (every problem of the
 * config at once, so one round of fixes is enough).
 */
export function mapPolicy(policy: Pick<DesiredPolicy, "type" | "config">): PolicyMapping {
  const mapper = MAPPERS[policy.type];
  if (!mapper) {
    return { error: `policy type '${policy.type}' has no Kong mapping` };
  }
  const reader = new PolicyConfigReader(policy.config);
  const plugins = mapper(reader);
  const problems = reader.problems();
  if (problems.length > 0) {
    return { error: `${policy.type} cannot be applied on Kong: ${problems.join("; ")}` };
  }
  return { plugins };
}

/**
 * rate_limit → `rate-limiting`. `maxRequests` per `intervalSeconds` (defaults 100 per 60 s) goes
 * to the matching fixed window; `requests_per_minute`, `dailyLimit` and `monthlyLimit` add the
 * minute, day and month windows. Kong counts only in whole seconds, minutes, hours, days, months
 * and years, and refuses a longer window with a smaller limit.
 */
function mapRateLimit(reader: PolicyConfigReader): KongPluginSpec[] {
  const max = reader.read(["maxRequests", "max_requests", "limit"], integerAtLeast(1));
  const interval = reader.read(["intervalSeconds", "window_seconds"], integerAtLeast(1));
  const perMinute = reader.read(["requests_per_minute", "rpm"], integerAtLeast(1));
  const daily = reader.read(["dailyLimit", "daily_limit"], integerAtLeast(1));
  const monthly = reader.read(["monthlyLimit", "monthly_limit"], integerAtLeast(1));
  const windows: Record<string, number | null> = Object.fromEntries(
    WINDOW_ORDER.map((window) => [window, null]),
  );
  const sources: Record<string, string> = {};
  const set = (window: string, value: number, source: string) => {
    const current = windows[window];
    if (current !== null && current !== value) {
      reader.problem(
        `${
          sources[window]
        } (${current}) and ${source} (${value}) both set the per-${window} limit; keep one`,
      );
      return;
    }
    windows[window] = value;
    sources[window] = source;
  };
  const othersOnly = max === undefined && interval === undefined &&
    (perMinute !== undefined || daily !== undefined || monthly !== undefined);
  if (!othersOnly) {
    const seconds = interval ?? DEFAULT_INTERVAL_SECONDS;
    const window = RATE_WINDOWS[seconds];
    if (window === undefined) {
      reader.problem(
        `intervalSeconds ${seconds} is not a window Kong's rate-limiting counts in: use 1 (second), 60 (minute), 3600 (hour) or 86400 (day), or dailyLimit/monthlyLimit; other windows need Kong Enterprise rate-limiting-advanced`,
      );
    } else {
      set(window, max ?? DEFAULT_MAX_REQUESTS, "maxRequests");
    }
  }
  if (perMinute !== undefined) set("minute", perMinute, "requests_per_minute");
  if (daily !== undefined) set("day", daily, "dailyLimit");
  if (monthly !== undefined) set("month", monthly, "monthlyLimit");
  WINDOW_ORDER.forEach((shorter, index) => {
    for (const longer of WINDOW_ORDER.slice(index + 1)) {
      const small = windows[shorter];
      const large = windows[longer];
      if (small !== null && large !== null && large < small) {
        reader.problem(
          `the per-${longer} limit (${large}) is lower than the per-${shorter} limit (${small}); Kong refuses a longer window with a smaller limit`,
        );
      }
    }
  });
  return [{ name: "rate-limiting", config: windows }];
}

/**
 * cors → `cors`. Kong- and webMethods-style names are both accepted; unset settings get Kong's
 * defaults (every method, no credentials).
 */
function mapCors(reader: PolicyConfigReader): KongPluginSpec[] {
  const origins = reader.read(
    ["origins", "allowedOrigins", "allow_origins", "allowOrigins"],
    corsOrigins,
  );
  const methods = reader.read(
    ["methods", "allowedMethods", "allow_methods", "allowMethods"],
    listOf(CORS_METHODS),
  );
  const headers = reader.read(
    ["headers", "allowedHeaders", "allow_headers", "allowHeaders"],
    stringList,
  );
  const exposed = reader.read(
    ["exposed_headers", "exposeHeaders", "exposedHeaders", "expose_headers"],
    stringList,
  );
  const maxAge = reader.read(["max_age", "maxAge"], integerAtLeast(0));
  const credentials = reader.read(
    ["credentials", "allowCredentials", "allow_credentials"],
    booleanValue,
  );
  return [{
    name: "cors",
    config: {
      origins: nullWhenEmpty(origins),
      methods: methods && methods.length > 0 ? methods : [...CORS_METHODS],
      headers: nullWhenEmpty(headers),
      exposed_headers: nullWhenEmpty(exposed),
      max_age: maxAge ?? null,
      credentials: credentials ?? false,
    },
  }];
}

/**
 * ip_filter → `ip-restriction`. `ip_list`/`cidrs` go to the side named by `mode` (allow by
 * default); `allowlist`/`allowed_cidrs` and `denylist`/`denied_cidrs` name their side. Every entry
 * must be an IPv4 or IPv6 address or CIDR block.
 */
function mapIpFilter(reader: PolicyConfigReader): KongPluginSpec[] {
  const mode = reader.read(["mode"], oneOf(["allow", "deny"] as const));
  const list = reader.read(["ip_list", "cidrs", "ips"], addressList);
  const allow = reader.read(["allowlist", "allowed_cidrs", "allow"], addressList);
  const deny = reader.read(["denylist", "denied_cidrs", "deny"], addressList);
  if (mode === "deny" && allow !== undefined) {
    reader.problem("mode is deny but an allow list is given; use denylist or mode allow");
  }
  if (mode === "allow" && deny !== undefined) {
    reader.problem("mode is allow but a deny list is given; use allowlist or mode deny");
  }
  if (mode !== undefined && list === undefined) {
    reader.problem("mode is given without ip_list");
  }
  const allowed = [...(allow ?? []), ...(list !== undefined && mode !== "deny" ? list : [])];
  const denied = [...(deny ?? []), ...(list !== undefined && mode === "deny" ? list : [])];
  if (allowed.length === 0 && denied.length === 0) {
    reader.problem(
      "needs at least one address: ip_list (with mode allow or deny), allowlist or denylist",
    );
  }
  return [{
    name: "ip-restriction",
    config: {
      allow: nullWhenEmpty([...new Set(allowed)]),
      deny: nullWhenEmpty([...new Set(denied)]),
    },
  }];
}

/**
 * jwt_validation → `jwt`. Kong OSS verifies a token's signature with the JWT credential of the
 * consumer named by its `iss` claim (credentials are managed in Kong); it cannot fetch a JWKS,
 * pin an issuer or check an audience, so those settings fail with the Enterprise alternative.
 */
function mapJwtValidation(reader: PolicyConfigReader): KongPluginSpec[] {
  const jwks = reader.read(["jwks_url", "jwksUrl", "jwks_uri"], nonEmptyString);
  const issuer = reader.read(["issuer", "iss"], nonEmptyString);
  const audience = reader.read(["audience", "aud"], (value) => ({ value }));
  if (jwks !== undefined) {
    reader.problem(
      "jwks_url needs Kong Enterprise openid-connect: Kong OSS jwt verifies tokens only against JWT credentials stored on consumers",
    );
  }
  if (issuer !== undefined) {
    reader.problem(
      "issuer cannot be pinned by Kong OSS jwt: it accepts every issuer for which a consumer has a JWT credential (key = iss); manage those credentials in Kong, or use Kong Enterprise openid-connect",
    );
  }
  if (audience !== undefined) {
    reader.problem(
      "audience cannot be checked by Kong OSS jwt (only exp and nbf); use Kong Enterprise openid-connect",
    );
  }
  const claims = reader.read(
    ["required_claims", "claims_to_verify", "requiredClaims"],
    verifiableClaims,
  );
  const maxExpiration = reader.read(
    ["maximum_expiration", "max_expiration", "maxExpiration"],
    integerAtLeast(0),
  );
  const headerNames = reader.read(["header_names", "headerNames"], stringList);
  const uriParams = reader.read(["uri_param_names", "uriParamNames"], stringList);
  const cookies = reader.read(["cookie_names", "cookieNames"], stringList);
  const keyClaim = reader.read(["key_claim_name", "keyClaimName"], nonEmptyString);
  const base64 = reader.read(["secret_is_base64", "secretIsBase64"], booleanValue);
  const preflight = reader.read(["run_on_preflight", "runOnPreflight"], booleanValue);
  if (maxExpiration !== undefined && maxExpiration > 31_536_000) {
    reader.problem(
      `maximum_expiration ${maxExpiration} is above Kong's limit of 31536000 (a year)`,
    );
  }
  // A maximum lifetime is checked through exp: Kong requires exp among the verified claims.
  const verified = maxExpiration ? [...new Set([...(claims ?? []), "exp"])] : claims;
  return [{
    name: "jwt",
    config: {
      uri_param_names: uriParams ?? ["jwt"],
      cookie_names: cookies ?? [],
      header_names: headerNames && headerNames.length > 0 ? headerNames : ["authorization"],
      claims_to_verify: nullWhenEmpty(verified),
      key_claim_name: keyClaim ?? "iss",
      secret_is_base64: base64 ?? false,
      run_on_preflight: preflight ?? true,
      maximum_expiration: maxExpiration ?? 0,
    },
  }];
}

/**
 * logging → `http-log` when an endpoint is given, else `file-log` (default `/dev/stdout`, Kong's
 * container log). Kong's log plugins record request and response metadata together and never
 * bodies, so `logRequest`/`logResponse` can only be true.
 */
function mapLogging(reader: PolicyConfigReader): KongPluginSpec[] {
  for (const names of [["logRequest", "log_request"], ["logResponse", "log_response"]]) {
    if (reader.read(names, booleanValue) === false) {
      reader.problem(
        `${
          names[0]
        } false cannot be expressed: Kong's log plugins always record the request and the response together (metadata only, never bodies)`,
      );
    }
  }
  const endpoint = reader.read(["http_endpoint", "endpoint", "url", "httpEndpoint"], httpUrl);
  const method = reader.read(["method"], oneOf(["POST", "PUT", "PATCH"] as const));
  const path = reader.read(["path", "file", "file_path"], logPath);
  if (endpoint !== undefined && path !== undefined) {
    reader.problem("give either an http_endpoint or a path, not both");
  }
  if (method !== undefined && endpoint === undefined) {
    reader.problem("method applies only to an http_endpoint");
  }
  if (endpoint !== undefined) {
    return [{ name: "http-log", config: { http_endpoint: endpoint, method: method ?? "POST" } }];
  }
  return [{ name: "file-log", config: { path: path ?? DEFAULT_LOG_PATH, reopen: false } }];
}

/**
 * caching → `proxy-cache` with the in-memory strategy (the only one of Kong OSS). Unset settings
 * get Kong's defaults, written out so that the plan compares like with like.
 */
function mapCaching(reader: PolicyConfigReader): KongPluginSpec[] {
  const ttl = reader.read(
    ["ttl", "ttl_seconds", "ttlSeconds", "cache_ttl", "cacheTtl"],
    integerAtLeast(1),
  );
  const methods = reader.read(
    ["methods", "request_method", "requestMethods"],
    listOf(PROXY_CACHE_METHODS),
  );
  const codes = reader.read(
    ["status_codes", "statusCodes", "response_code", "responseCodes"],
    integerList(100, 900),
  );
  const types = reader.read(["content_types", "contentTypes", "content_type"], stringList);
  const cacheControl = reader.read(
    ["cache_control", "cacheControl", "respect_cache_control"],
    booleanValue,
  );
  return [{
    name: "proxy-cache",
    config: {
      strategy: "memory",
      cache_ttl: ttl ?? 300,
      request_method: methods && methods.length > 0 ? methods : ["GET", "HEAD"],
      response_code: codes ?? [200, 301, 404],
      content_type: types && types.length > 0 ? types : ["text/plain", "application/json"],
      cache_control: cacheControl ?? false,
    },
  }];
}

/** `null` for a missing or empty list (Kong stores unset lists as `null`). */
export function nullWhenEmpty<T>(list: readonly T[] | undefined): T[] | null {
  return list && list.length > 0 ? [...list] : null;
}

/**
 * Origins for Kong: `*` alone allows every origin; an origin with a `*` inside is a wildcard
 * (`https://*.example.com`) and becomes the regular expression Kong needs
 * (`https://[A-Za-z0-9.-]+\.example\.com`), since Kong would read the `*` as a repetition.
 */
function corsOrigins(value: unknown): Parsed<string[]> {
  const list = stringList(value);
  if ("problem" in list) return list;
  const origins: string[] = [];
  for (const origin of list.value) {
    if (origin === "*") {
      origins.push(origin);
      continue;
    }
    const pattern = !origin.includes("*")
      ? origin
      : origin.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[A-Za-z0-9.-]+");
    try {
      new RegExp(pattern);
    } catch {
      return {
        problem:
          `has '${origin}', which is neither '*', an origin, nor a regular expression Kong can read`,
      };
    }
    origins.push(pattern);
  }
  return { value: [...new Set(origins)] };
}

function addressList(value: unknown): Parsed<string[]> {
  const list = stringList(value);
  if ("problem" in list) return list;
  const bad = list.value.find((entry) => !isIpOrCidr(entry));
  return bad === undefined
    ? list
    : { problem: `has '${bad}', which is not an IPv4/IPv6 address or CIDR block` };
}

function verifiableClaims(value: unknown): Parsed<string[]> {
  const list = stringList(value);
  if ("problem" in list) return list;
  const other = list.value.filter((claim) => claim !== "exp" && claim !== "nbf");
  return other.length === 0 ? list : {
    problem: `has ${
      other.map((claim) => `'${claim}'`).join(", ")
    }: Kong OSS jwt can verify only exp and nbf`,
  };
}

function logPath(value: unknown): Parsed<string> {
  const path = nonEmptyString(value);
  if ("problem" in path) return path;
  return LOG_PATH.test(path.value) && path.value.startsWith("/")
    ? path
    : { problem: `must be an absolute file path without *, &, %, \\ or \`, got '${path.value}'` };
}

/** IPv4 or IPv6 address, with an optional prefix length (Kong's `ip_or_cidr`). */
export function isIpOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split("/");
  if (rest.length > 0) return false;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (v4) {
    if (v4.slice(1).some((octet) => Number(octet) > 255)) return false;
    return prefix === undefined || (/^\d{1,2}$/.test(prefix) && Number(prefix) <= 32);
  }
  if (!/^[0-9a-f:.]+$/i.test(address) || !address.includes(":")) return false;
  if ((address.match(/::/g) ?? []).length > 1) return false;
  const groups = address.split(":");
  if (groups.length > 8 || groups.some((group) => group.length > 4 && !group.includes("."))) {
    return false;
  }
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= 128);
}
