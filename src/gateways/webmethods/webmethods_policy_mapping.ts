/**
 * STOA policy types → webMethods policy actions. Pure: a {@linkcode DesiredPolicy} becomes the
 * actions to enforce on each target API (or in one global policy), or a reason why webMethods
 * cannot express it.
 *
 * | STOA            | webMethods                                                     | stage              |
 * | --------------- | -------------------------------------------------------------- | ------------------ |
 * | `rate_limit`    | `throttle` (Traffic Optimization), per minute/hour/day/week    | LMT                |
 * | `cors`          | `cors` (`corsAttributes`)                                      | responseProcessing |
 * | `logging`       | `logInvocation`, destination API Gateway                       | LMT                |
 * | `caching`       | `serviceResultCache` (`ttl`, `max-payload-size`)               | LMT                |
 * | `ip_filter`     | allow mode: `evaluatePolicy` by `ipAddressRange` + application | IAM                |
 * | `jwt_validation`| `evaluatePolicy` by `jwtClaims` + application (claims)         | IAM                |
 * | `transform`     | not expressible (no agreed configuration)                      |                    |
 *
 * Values are always arrays of strings on the wire. Unknown configuration keys are refused, so a
 * typo is reported instead of silently ignored.
 *
 * @module
 */

import type { DesiredPolicy } from "../../sync/desired.ts";
import type { ActionParameter } from "./webmethods_types.ts";

/** Template of "Identify & Authorize Application" (one per API at most). */
export const IDENTIFY_TEMPLATE = "evaluatePolicy";
/** Template of "Traffic Optimization" (needs an identify action on the same API). */
export const THROTTLE_TEMPLATE = "throttle";

/** One policy action to enforce. */
export interface ActionSpec {
  /** webMethods template, e.g. `throttle`. */
  readonly templateKey: string;
  /** Stage of the policy the action is enforced in. */
  readonly stageKey: string;
  /** Parameters, as sent. */
  readonly parameters: readonly ActionParameter[];
}

/** An application identifier to create (webMethods recognises requests by it). */
export interface IdentifierSpec {
  /** Identifier type, e.g. `ipAddressRange`, `jwtClaims`, `httpBasicAuth`. */
  readonly key: string;
  /** Display name. */
  readonly name: string;
  /** Values. */
  readonly value: readonly string[];
}

/** What one STOA policy becomes on webMethods. */
export interface PolicyMapping {
  /** Actions to enforce on each target API, or in the global policy. */
  readonly actions: readonly ActionSpec[];
  /**
   * Identifiers of an application registered with each target API (the addresses or tokens the
   * identify action admits); absent when the policy needs none.
   */
  readonly identifiers?: readonly IdentifierSpec[];
  /** Set when the policy can only target APIs (no gateway-wide form), with the reason. */
  readonly gatewayWideError?: string;
}

/** Why a policy cannot be expressed. */
export interface MappingError {
  /** A reason a person understands. */
  readonly error: string;
}

/**
 * The identify action webMethods requires next to a throttle when the API has none: it admits
 * anonymous callers, so it changes nothing for them.
 */
export const SUPPORT_IDENTIFY_ACTION: ActionSpec = identifyAction({
  allowAnonymous: true,
  lookup: "open",
  identificationType: "apiKey",
});

type Config = Readonly<Record<string, unknown>>;

/** Maps one policy; the result is the same for the same input (plans compare it). */
export function mapPolicy(policy: DesiredPolicy): PolicyMapping | MappingError {
  try {
    switch (policy.type) {
      case "rate_limit":
        return rateLimit(policy.config);
      case "cors":
        return cors(policy.config);
      case "logging":
        return logging(policy.config);
      case "caching":
        return caching(policy.config);
      case "ip_filter":
        return ipFilter(policy.config);
      case "jwt_validation":
        return jwtValidation(policy.config);
      case "transform":
        return {
          error:
            "transform cannot be expressed on webMethods: STOA has no agreed transform configuration and webMethods request/response transformations need explicit rules; configure the transformation on the gateway",
        };
    }
  } catch (error) {
    if (error instanceof ConfigError) return { error: `${policy.type}: ${error.message}` };
    throw error;
  }
}

class ConfigError extends Error {}

function rateLimit(config: Config): PolicyMapping {
  allowOnly(config, [
    "maxRequests",
    "max_requests",
    "requests_per_minute",
    "intervalSeconds",
    "window_seconds",
    "dailyLimit",
    "monthlyLimit",
  ]);
  if (config.monthlyLimit !== undefined && config.monthlyLimit !== null) {
    throw new ConfigError(
      "monthlyLimit cannot be expressed: webMethods throttling intervals are minutes, hours, days or weeks",
    );
  }
  const perMinute = positiveInteger(config, ["requests_per_minute"]);
  const limit = perMinute ?? positiveInteger(config, ["maxRequests", "max_requests"]) ?? 100;
  const seconds = perMinute !== undefined
    ? 60
    : positiveInteger(config, ["intervalSeconds", "window_seconds"]) ?? 60;
  const actions = [throttleAction(limit, seconds, "intervalSeconds")];
  const daily = positiveInteger(config, ["dailyLimit"]);
  if (daily !== undefined) actions.push(throttleAction(daily, 86_400, "dailyLimit"));
  return { actions };
}

const INTERVAL_UNITS: readonly (readonly [string, number])[] = [
  ["weeks", 604_800],
  ["days", 86_400],
  ["hours", 3_600],
  ["minutes", 60],
];

function throttleAction(limit: number, seconds: number, key: string): ActionSpec {
  const unit = INTERVAL_UNITS.find(([, size]) => seconds % size === 0);
  if (!unit) {
    throw new ConfigError(
      `${key}=${seconds} cannot be expressed: webMethods throttles per whole minutes, hours, days or weeks (use a multiple of 60 seconds)`,
    );
  }
  const count = seconds / unit[1];
  return {
    templateKey: THROTTLE_TEMPLATE,
    stageKey: "LMT",
    parameters: [
      group("throttleRule", [
        value("throttleRuleName", "requestCount"),
        value("monitorRuleOperator", "GT"),
        value("value", String(limit)),
      ]),
      value("alertInterval", String(count)),
      value("alertIntervalUnit", unit[0]),
      value("alertFrequency", "once"),
      value(
        "alertMessage",
        `STOA rate limit: more than ${limit} requests per ${period(count, unit[0])}`,
      ),
      group("destination", [value("destinationType", "GATEWAY")]),
    ],
  };
}

/** `minute`, `2 hours`… */
function period(count: number, unit: string): string {
  return count === 1 ? unit.replace(/s$/, "") : `${count} ${unit}`;
}

const CORS_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

function cors(config: Config): PolicyMapping {
  const keys = {
    origins: ["allowedOrigins", "origins", "allow_origins"],
    methods: ["allowedMethods", "methods", "allow_methods"],
    headers: ["allowedHeaders", "headers", "allow_headers"],
    expose: ["exposeHeaders", "exposed_headers", "expose_headers"],
    maxAge: ["maxAge", "max_age"],
    credentials: ["allowCredentials", "credentials", "allow_credentials"],
  };
  allowOnly(config, Object.values(keys).flat());
  const origins = strings(config, keys.origins) ?? ["*"];
  const methods = (strings(config, keys.methods) ?? ["GET", "POST", "PUT", "DELETE", "PATCH"])
    .map((method) => method.toUpperCase());
  const unsupported = methods.filter((method) => !CORS_METHODS.includes(method));
  if (unsupported.length > 0) {
    throw new ConfigError(
      `method ${unsupported.join(", ")} is not allowed in a webMethods CORS policy (allowed: ${
        CORS_METHODS.join(", ")
      })`,
    );
  }
  const attributes = [
    value("allowedOrigins", ...origins),
    optionalValues("allowHeaders", strings(config, keys.headers)),
    optionalValues("exposeHeaders", strings(config, keys.expose)),
    value("allowCredentials", String(boolean(config, keys.credentials) ?? false)),
    value("allowMethods", ...unique(methods)),
    value("maxAge", String(nonNegativeInteger(config, keys.maxAge) ?? 3600)),
  ].filter((parameter): parameter is ActionParameter => parameter !== undefined);
  return {
    actions: [{
      templateKey: "cors",
      stageKey: "responseProcessing",
      parameters: [group("corsAttributes", attributes)],
    }],
  };
}

function logging(config: Config): PolicyMapping {
  allowOnly(config, ["logRequest", "logResponse"]);
  const request = boolean(config, ["logRequest"]) ?? true;
  const response = boolean(config, ["logResponse"]) ?? true;
  if (!request && !response) {
    throw new ConfigError(
      "logRequest and logResponse are both false, so there is nothing to log; disable the policy instead",
    );
  }
  return {
    actions: [{
      templateKey: "logInvocation",
      stageKey: "LMT",
      parameters: [
        value("storeRequestHeaders", String(request)),
        value("storeRequestPayload", String(request)),
        value("storeResponseHeaders", String(response)),
        value("storeResponsePayload", String(response)),
        value("storeAsZip", "false"),
        value("logGenerationFrequency", "Always"),
        group("destination", [value("destinationType", "GATEWAY")]),
      ],
    }],
  };
}

function caching(config: Config): PolicyMapping {
  const ttlKeys = ["ttl", "ttlSeconds", "cache_ttl"];
  const sizeKeys = ["maxPayloadSize", "max_payload_size"];
  allowOnly(config, [...ttlKeys, ...sizeKeys]);
  const ttl = positiveInteger(config, ttlKeys) ?? 300;
  if (ttl % 60 !== 0) {
    throw new ConfigError(
      `ttl=${ttl} cannot be expressed: the webMethods service result cache keeps entries for whole minutes (use a multiple of 60 seconds)`,
    );
  }
  const size = positiveInteger(config, sizeKeys);
  return {
    actions: [{
      templateKey: "serviceResultCache",
      stageKey: "LMT",
      parameters: [
        value("ttl", cacheDuration(ttl)),
        ...(size === undefined ? [] : [value("max-payload-size", String(size))]),
      ],
    }],
  };
}

/** Seconds (a multiple of 60) in the cache's `5d 4h 1m` notation. */
export function cacheDuration(seconds: number): string {
  const parts: string[] = [];
  let rest = seconds / 60;
  for (const [unit, minutes] of [["d", 1440], ["h", 60], ["m", 1]] as const) {
    const count = Math.floor(rest / minutes);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * minutes;
  }
  return parts.join(" ");
}

const API_ONLY =
  "webMethods admits callers through applications registered API by API, so this policy needs target APIs (config.apis)";

function ipFilter(config: Config): PolicyMapping {
  const listKeys = ["ip_list", "allowlist", "allowed_cidrs", "cidrs", "ips"];
  allowOnly(config, ["mode", ...listKeys]);
  const mode = config.mode === undefined ? "allow" : config.mode;
  if (typeof mode !== "string" || !["allow", "deny"].includes(mode.toLowerCase())) {
    throw new ConfigError(`mode must be allow or deny, not ${JSON.stringify(mode)}`);
  }
  if (mode.toLowerCase() === "deny") {
    throw new ConfigError(
      "mode deny cannot be expressed per API: webMethods identifies allowed address ranges, it cannot refuse a list; use mode allow, or the port's IP access mode on the gateway",
    );
  }
  const addresses = strings(config, listKeys);
  if (!addresses || addresses.length === 0) {
    throw new ConfigError(`no addresses: set ip_list to the allowed addresses or CIDR ranges`);
  }
  return {
    actions: [identifyAction({
      allowAnonymous: false,
      lookup: "strict",
      identificationType: "ipAddressRange",
    })],
    identifiers: [{
      key: "ipAddressRange",
      name: "Allowed addresses",
      value: addresses.map(addressRange),
    }],
    gatewayWideError: `ip_filter without target APIs cannot be expressed: ${API_ONLY}`,
  };
}

function jwtValidation(config: Config): PolicyMapping {
  allowOnly(config, ["issuer", "audience", "required_claims", "jwks_url", "jwksUri"]);
  if (config.jwks_url !== undefined || config.jwksUri !== undefined) {
    throw new ConfigError(
      "jwks_url cannot be set per API: webMethods verifies JWT signatures with the keys configured gateway-wide (Administration > Security > JWT, or an authorization server alias); configure it there and remove jwks_url from the policy",
    );
  }
  const claims: Record<string, string> = {};
  const issuer = text(config, ["issuer"]);
  const audience = text(config, ["audience"]);
  if (issuer !== undefined) claims.iss = issuer;
  if (audience !== undefined) claims.aud = audience;
  const required = config.required_claims;
  if (required !== undefined && required !== null) {
    if (typeof required !== "object" || Array.isArray(required)) {
      throw new ConfigError("required_claims must be an object of claim names and values");
    }
    for (const [name, claim] of Object.entries(required)) {
      if (!["string", "number", "boolean"].includes(typeof claim)) {
        throw new ConfigError(`required_claims.${name} must be a string, number or boolean`);
      }
      claims[name] = String(claim);
    }
  }
  if (Object.keys(claims).length === 0) {
    throw new ConfigError(
      "set issuer, audience or required_claims: webMethods admits a token by the claims of an application registered with the API",
    );
  }
  return {
    actions: [identifyAction({
      allowAnonymous: false,
      lookup: "strict",
      identificationType: "jwtClaims",
    })],
    identifiers: [{ key: "jwtClaims", name: "Required claims", value: [JSON.stringify(claims)] }],
    gatewayWideError: `jwt_validation without target APIs cannot be expressed: ${API_ONLY}`,
  };
}

function identifyAction(options: {
  readonly allowAnonymous: boolean;
  readonly lookup: "open" | "strict";
  readonly identificationType: string;
}): ActionSpec {
  return {
    templateKey: IDENTIFY_TEMPLATE,
    stageKey: "IAM",
    parameters: [
      value("logicalConnector", "OR"),
      value("allowAnonymous", String(options.allowAnonymous)),
      group("IdentificationRule", [
        value("applicationLookup", options.lookup),
        value("identificationType", options.identificationType),
      ]),
    ],
  };
}

/**
 * An address (`10.0.0.1`), a CIDR range (`10.0.0.0/24`, `2001:db8::/32`) or a range
 * (`10.0.0.1-10.0.0.9`) in webMethods' `first-last` notation.
 */
export function addressRange(entry: string): string {
  const trimmed = entry.trim();
  const range = /^([^-\s]+)-([^-\s]+)$/.exec(trimmed);
  if (range) {
    const [first, last] = [parseAddress(range[1]), parseAddress(range[2])];
    if (first && last && first.version === last.version && first.value <= last.value) {
      return `${formatAddress(first)}-${formatAddress(last)}`;
    }
    throw new ConfigError(`'${entry}' is not an address range (first-last, same IP version)`);
  }
  const [base, prefixText] = trimmed.split("/");
  const address = parseAddress(base);
  if (!address) throw new ConfigError(`'${entry}' is not an IP address or CIDR range`);
  const bits = address.version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits || !/^\d*$/.test(prefixText ?? "")) {
    throw new ConfigError(`'${entry}' has an invalid prefix length`);
  }
  const hostBits = BigInt(bits - prefix);
  const mask = (1n << hostBits) - 1n;
  const first = address.value & ~mask & ((1n << BigInt(bits)) - 1n);
  const last = first | mask;
  return `${formatAddress({ ...address, value: first })}-${
    formatAddress({ ...address, value: last })
  }`;
}

interface Address {
  readonly version: 4 | 6;
  readonly value: bigint;
}

function parseAddress(text: string): Address | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const octets = text.split(".").map(Number);
    if (octets.some((octet) => octet > 255)) return undefined;
    return { version: 4, value: octets.reduce((sum, octet) => (sum << 8n) + BigInt(octet), 0n) };
  }
  if (!/^[0-9a-f:]+$/i.test(text) || !text.includes(":")) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) {
    return undefined;
  }
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (groups.some((group) => !/^[0-9a-f]{1,4}$/i.test(group))) return undefined;
  return {
    version: 6,
    value: groups.reduce((sum, group) => (sum << 16n) + BigInt(`0x${group}`), 0n),
  };
}

function formatAddress(address: Address): string {
  if (address.version === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((address.value >> shift) & 255n)).join(".");
  }
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) {
    groups.push(((address.value >> shift) & 0xffffn).toString(16));
  }
  return groups.join(":");
}

function value(templateKey: string, ...values: string[]): ActionParameter {
  return { templateKey, values };
}

function optionalValues(
  templateKey: string,
  values: readonly string[] | undefined,
): ActionParameter | undefined {
  return values && values.length > 0 ? { templateKey, values: [...values] } : undefined;
}

function group(templateKey: string, parameters: ActionParameter[]): ActionParameter {
  return { templateKey, parameters };
}

function allowOnly(config: Config, keys: readonly string[]): void {
  const unknown = Object.keys(config).filter((key) => !keys.includes(key));
  if (unknown.length > 0) {
    throw new ConfigError(
      `unknown configuration ${unknown.length === 1 ? "key" : "keys"} ${
        unknown.map((key) => `'${key}'`).join(", ")
      } (accepted: ${keys.join(", ")})`,
    );
  }
}

/** The first of `keys` present (and not null) in `config`. */
function pick(config: Config, keys: readonly string[]): [string, unknown] | undefined {
  for (const key of keys) {
    if (config[key] !== undefined && config[key] !== null) return [key, config[key]];
  }
  return undefined;
}

function positiveInteger(config: Config, keys: readonly string[]): number | undefined {
  const found = pick(config, keys);
  if (!found) return undefined;
  const [key, raw] = found;
  const number = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 1) {
    throw new ConfigError(`${key} must be a positive integer, not ${JSON.stringify(raw)}`);
  }
  return number;
}

function nonNegativeInteger(config: Config, keys: readonly string[]): number | undefined {
  const found = pick(config, keys);
  if (!found) return undefined;
  const [key, raw] = found;
  if (typeof raw !== "number" || !Number.isSafeInteger(raw) || raw < 0) {
    throw new ConfigError(`${key} must be a non-negative integer, not ${JSON.stringify(raw)}`);
  }
  return raw;
}

function boolean(config: Config, keys: readonly string[]): boolean | undefined {
  const found = pick(config, keys);
  if (!found) return undefined;
  const [key, raw] = found;
  if (typeof raw !== "boolean") {
    throw new ConfigError(`${key} must be true or false, not ${JSON.stringify(raw)}`);
  }
  return raw;
}

function text(config: Config, keys: readonly string[]): string | undefined {
  const found = pick(config, keys);
  if (!found) return undefined;
  const [key, raw] = found;
  if (typeof raw !== "string" || raw.trim() === "") {
    throw new ConfigError(`${key} must be a non-empty string`);
  }
  return raw;
}

/** A list of strings; a comma-separated string is accepted too. */
function strings(config: Config, keys: readonly string[]): string[] | undefined {
  const found = pick(config, keys);
  if (!found) return undefined;
  const [key, raw] = found;
  const list = typeof raw === "string" ? raw.split(",") : raw;
  if (!Array.isArray(list) || list.some((item) => typeof item !== "string")) {
    throw new ConfigError(`${key} must be a list of strings`);
  }
  return list.map((item: string) => item.trim()).filter((item) => item !== "");
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
