/**
 * STOA policies mapped to Gravitee's own constructs (pure; no I/O):
 *
 * | STOA             | Gravitee                                                                 |
 * | ---------------- | ------------------------------------------------------------------------ |
 * | `rate_limit`     | `rate-limit` step (+ `quota` steps for `dailyLimit` / `monthlyLimit`)    |
 * | `ip_filter`      | `ip-filtering` step (`whitelistIps` / `blacklistIps`)                    |
 * | `jwt_validation` | `jwt` step (JWKS URL or given key; scopes)                               |
 * | `cors`           | the HTTP listener's `cors` settings (CORS is not a policy in v4)         |
 * | `logging`, `caching`, `transform` | not expressible: failed with the reason                 |
 *
 * The STOA config is read with the same reader and spellings as the Kong adapter (contract §7.3:
 * several names per setting; two names with different values, and keys nobody reads, are
 * errors). Anything that cannot be expressed faithfully is an error rather than a weaker policy.
 *
 * @module
 */

import type { DesiredPolicy } from "../../sync/desired.ts";
import type { GraviteeCors } from "./gravitee_types.ts";
import {
  booleanValue,
  httpUrl,
  integerAtLeast,
  nonEmptyString,
  oneOf,
  type Parsed,
  PolicyConfigReader,
  stringList,
} from "../policy_config.ts";

/** A policy step to put in a flow's `request` phase. */
export interface StepTemplate {
  /** Gravitee policy id, e.g. `rate-limit`. */
  readonly policy: string;
  /** The policy configuration (validated against the policy's schema-form in tests). */
  readonly configuration: Readonly<Record<string, unknown>>;
}

/** Where a STOA policy goes on a Gravitee API. */
export type GraviteePlacement =
  | { readonly kind: "steps"; readonly steps: readonly StepTemplate[] }
  | { readonly kind: "cors"; readonly cors: GraviteeCors };

/** The mapping of one policy, or why it cannot be mapped. */
export type MappedPolicy =
  | { readonly placement: GraviteePlacement; readonly error?: undefined }
  | { readonly placement?: undefined; readonly error: string };

/** Maps one STOA policy; never throws. */
export function mapPolicy(policy: DesiredPolicy): MappedPolicy {
  const reader = new PolicyConfigReader(policy.config);
  let placement: GraviteePlacement;
  switch (policy.type) {
    case "rate_limit":
      placement = { kind: "steps", steps: rateLimitSteps(reader) };
      break;
    case "ip_filter":
      placement = { kind: "steps", steps: ipFilterSteps(reader) };
      break;
    case "jwt_validation":
      placement = { kind: "steps", steps: jwtSteps(reader) };
      break;
    case "cors":
      placement = { kind: "cors", cors: corsSettings(reader) };
      break;
    case "logging":
      return {
        error:
          "logging cannot be expressed on Gravitee: request logging is the API's analytics setting, not a policy; configure it in the API's Reporter settings",
      };
    case "caching":
      return {
        error:
          "caching cannot be expressed on Gravitee: its cache policy needs a cache resource declared on each API, which STOA policies do not describe",
      };
    case "transform":
      return {
        error:
          "transform cannot be expressed on Gravitee: STOA transform policies have no defined configuration to map to a Gravitee transformation policy",
      };
    default:
      return { error: `unknown policy type ${String(policy.type)}` };
  }
  const problems = reader.problems();
  return problems.length > 0 ? { error: `${policy.type}: ${problems.join("; ")}` } : { placement };
}

/** `{maxRequests, intervalSeconds, dailyLimit?, monthlyLimit?}` (and legacy spellings). */
function rateLimitSteps(reader: PolicyConfigReader): StepTemplate[] {
  const max = reader.read(["maxRequests", "max_requests", "limit"], integerAtLeast(1));
  const interval = reader.read(["intervalSeconds", "window_seconds"], integerAtLeast(1));
  const perMinute = reader.read(["requests_per_minute", "rpm"], integerAtLeast(1));
  const daily = reader.read(["dailyLimit", "daily_limit"], integerAtLeast(1));
  const monthly = reader.read(["monthlyLimit", "monthly_limit"], integerAtLeast(1));
  if (perMinute !== undefined && (max !== undefined || interval !== undefined)) {
    reader.problem("requests_per_minute cannot be combined with maxRequests/intervalSeconds");
  }
  const limit = max ?? perMinute;
  const seconds = perMinute !== undefined ? 60 : interval ?? 60;
  if (limit === undefined && daily === undefined && monthly === undefined) {
    reader.problem(
      "needs maxRequests (with intervalSeconds, default 60), dailyLimit or monthlyLimit",
    );
  }
  const steps: StepTemplate[] = [];
  if (limit !== undefined) {
    // Gravitee counts per second or per minute: whole minutes are expressed in minutes.
    const minutes = seconds % 60 === 0;
    steps.push({
      policy: "rate-limit",
      configuration: {
        errorStrategy: "FALLBACK_PASS_TROUGH",
        addHeaders: true,
        rate: {
          limit,
          periodTime: minutes ? seconds / 60 : seconds,
          periodTimeUnit: minutes ? "MINUTES" : "SECONDS",
        },
      },
    });
  }
  for (const [quota, unit] of [[daily, "DAYS"], [monthly, "MONTHS"]] as const) {
    if (quota === undefined) continue;
    steps.push({
      policy: "quota",
      configuration: {
        errorStrategy: "FALLBACK_PASS_TROUGH",
        addHeaders: true,
        quota: { limit: quota, periodTime: 1, periodTimeUnit: unit },
      },
    });
  }
  return steps;
}

const IPV4_OR_CIDR =
  /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/(3[0-2]|[12]?\d))?$/;
const IPV6_OR_CIDR = /^[0-9a-f:]*:[0-9a-f:.]*(\/(12[0-8]|1[01]\d|\d?\d))?$/i;

/** IPv4/IPv6 addresses or CIDR blocks. */
function addresses(value: unknown): Parsed<string[]> {
  const list = stringList(value);
  if ("problem" in list) return list;
  const invalid = list.value.filter((ip) => !IPV4_OR_CIDR.test(ip) && !IPV6_OR_CIDR.test(ip));
  return invalid.length > 0
    ? { problem: `has invalid addresses: ${invalid.join(", ")} (IPs or CIDRs only)` }
    : list;
}

/** `{mode: allow|deny, ip_list}`, or `allowlist`/`allowed_cidrs`, `denylist`/`denied_cidrs`. */
function ipFilterSteps(reader: PolicyConfigReader): StepTemplate[] {
  const mode = reader.read(["mode"], oneOf(["allow", "deny"] as const));
  const list = reader.read(["ip_list", "cidrs", "ips"], addresses);
  const allow = reader.read(["allowlist", "allowed_cidrs", "allow"], addresses);
  const deny = reader.read(["denylist", "denied_cidrs", "deny"], addresses);
  const allowed = [...(allow ?? []), ...(list !== undefined && mode !== "deny" ? list : [])];
  const denied = [...(deny ?? []), ...(list !== undefined && mode === "deny" ? list : [])];
  if (allowed.length === 0 && denied.length === 0) {
    reader.problem(
      "needs at least one address: ip_list (with mode allow or deny), allowlist or denylist",
    );
  }
  const configuration: Record<string, unknown> = {
    matchAllFromXForwardedFor: false,
    lookupIpVersion: "ALL",
  };
  if (allowed.length > 0) configuration.whitelistIps = [...new Set(allowed)];
  if (denied.length > 0) configuration.blacklistIps = [...new Set(denied)];
  return [{ policy: "ip-filtering", configuration }];
}

const JWT_SIGNATURES = {
  RS256: "RSA_RS256",
  RS384: "RSA_RS384",
  RS512: "RSA_RS512",
  HS256: "HMAC_HS256",
  HS384: "HMAC_HS384",
  HS512: "HMAC_HS512",
} as const;

/** `{jwks_url | public_key, algorithm?, scopes?}`; issuer and audience checks cannot be expressed. */
function jwtSteps(reader: PolicyConfigReader): StepTemplate[] {
  const jwksUrl = reader.read(["jwks_url", "jwksUrl", "jwks_uri"], httpUrl);
  const publicKey = reader.read(["public_key", "publicKey"], nonEmptyString);
  const algorithm = reader.read(
    ["algorithm", "alg"],
    oneOf(Object.keys(JWT_SIGNATURES) as (keyof typeof JWT_SIGNATURES)[]),
  );
  const scopes = reader.read(["required_scopes", "scopes"], stringList);
  const unsupported = [
    reader.read(["issuer", "iss"], nonEmptyString) !== undefined ? "issuer" : undefined,
    reader.read(["audience", "aud"], (value) => ({ value })) !== undefined ? "audience" : undefined,
    reader.read(["required_claims", "claims_to_verify", "requiredClaims"], stringList) !==
        undefined
      ? "required_claims"
      : undefined,
  ].filter((name) => name !== undefined);
  if (unsupported.length > 0) {
    reader.problem(
      `${
        unsupported.join(", ")
      } cannot be expressed on Gravitee: its jwt policy checks the signature and expiry only; remove them or enforce them in the identity provider`,
    );
  }
  if (jwksUrl === undefined && publicKey === undefined) {
    reader.problem("needs jwks_url or public_key to verify signatures");
  }
  const configuration: Record<string, unknown> = {
    signature: JWT_SIGNATURES[algorithm ?? "RS256"],
    publicKeyResolver: jwksUrl !== undefined ? "JWKS_URL" : "GIVEN_KEY",
    resolverParameter: jwksUrl ?? publicKey ?? "",
    extractClaims: false,
    propagateAuthHeader: true,
    userClaim: "sub",
  };
  if (scopes !== undefined && scopes.length > 0) {
    configuration.checkRequiredScopes = true;
    configuration.requiredScopes = scopes;
  }
  return [{ policy: "jwt", configuration }];
}

/** Kong-style `origins, methods, headers, max_age` or webMethods-style `allowedOrigins…`. */
function corsSettings(reader: PolicyConfigReader): GraviteeCors {
  const list = (names: readonly string[]) => reader.read(names, stringList);
  const origins = list(["origins", "allowedOrigins", "allow_origins", "allowOrigins"]);
  const methods = list(["methods", "allowedMethods", "allow_methods", "allowMethods"]);
  const headers = list(["headers", "allowedHeaders", "allow_headers", "allowHeaders"]);
  const exposed = list(["exposed_headers", "exposeHeaders", "exposedHeaders", "expose_headers"]);
  const maxAge = reader.read(["max_age", "maxAge"], integerAtLeast(0));
  const credentials = reader.read(
    ["credentials", "allowCredentials", "allow_credentials"],
    booleanValue,
  );
  if (origins === undefined || origins.length === 0) {
    reader.problem("needs origins (allowed origins, or ['*'])");
  } else if (credentials === true && origins.includes("*")) {
    reader.problem("cannot allow credentials for every origin ('*'): list the origins");
  }
  return {
    enabled: true,
    allowOrigin: origins ?? [],
    allowMethods: (methods ?? []).map((method) => method.toUpperCase()),
    allowHeaders: headers ?? [],
    exposeHeaders: exposed ?? [],
    allowCredentials: credentials ?? false,
    maxAge: maxAge ?? -1,
    runPolicies: false,
  };
}
