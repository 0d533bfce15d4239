/**
 * The STOA → Gravitee policy mapping: every configuration it produces is valid against the
 * policy's official schema-form (`shared/specs/gravitee/policy-schemas/`), every STOA spelling of
 * contract §7.3 is read, and what cannot be expressed is an error.
 *
 * @module
 */

import assert from "node:assert/strict";
import { mapPolicy } from "../../../src/gateways/gravitee/gravitee_policy_mapping.ts";
import type { DesiredPolicy } from "../../../src/sync/desired.ts";
import { schemaPolicyValidator } from "../../fakes/gravitee_emulator_contract.ts";
import { loadGraviteeSpecs } from "../../fakes/gravitee_emulator_contract.ts";
import { assertValid } from "../../support/openapi.ts";
import { specTest } from "../../support/specs.ts";
import { HARNESS_SPECS, policy } from "./gravitee_harness.ts";

/** Configurations that must map, with the Gravitee steps expected. */
const MAPPED: readonly [DesiredPolicy, readonly [string, Record<string, unknown>][]][] = [
  [policy("r1", "rate_limit", { maxRequests: 100, intervalSeconds: 60 }), [[
    "rate-limit",
    {
      errorStrategy: "FALLBACK_PASS_TROUGH",
      addHeaders: true,
      rate: { limit: 100, periodTime: 1, periodTimeUnit: "MINUTES" },
    },
  ]]],
  [policy("r2", "rate_limit", { max_requests: 7, window_seconds: 45 }), [[
    "rate-limit",
    {
      errorStrategy: "FALLBACK_PASS_TROUGH",
      addHeaders: true,
      rate: { limit: 7, periodTime: 45, periodTimeUnit: "SECONDS" },
    },
  ]]],
  [policy("r3", "rate_limit", { rpm: 30, dailyLimit: 1000, monthlyLimit: 20000 }), [
    ["rate-limit", {
      errorStrategy: "FALLBACK_PASS_TROUGH",
      addHeaders: true,
      rate: { limit: 30, periodTime: 1, periodTimeUnit: "MINUTES" },
    }],
    ["quota", {
      errorStrategy: "FALLBACK_PASS_TROUGH",
      addHeaders: true,
      quota: { limit: 1000, periodTime: 1, periodTimeUnit: "DAYS" },
    }],
    ["quota", {
      errorStrategy: "FALLBACK_PASS_TROUGH",
      addHeaders: true,
      quota: { limit: 20000, periodTime: 1, periodTimeUnit: "MONTHS" },
    }],
  ]],
  [policy("r4", "rate_limit", { maxRequests: 3600, intervalSeconds: 3600 }), [[
    "rate-limit",
    {
      errorStrategy: "FALLBACK_PASS_TROUGH",
      addHeaders: true,
      rate: { limit: 3600, periodTime: 60, periodTimeUnit: "MINUTES" },
    },
  ]]],
  [policy("i1", "ip_filter", { mode: "allow", ip_list: ["10.0.0.0/8", "192.168.1.7"] }), [[
    "ip-filtering",
    {
      matchAllFromXForwardedFor: false,
      lookupIpVersion: "ALL",
      whitelistIps: ["10.0.0.0/8", "192.168.1.7"],
    },
  ]]],
  [policy("i2", "ip_filter", { mode: "DENY", ip_list: "203.0.113.9, 2001:db8::/32" }), [[
    "ip-filtering",
    {
      matchAllFromXForwardedFor: false,
      lookupIpVersion: "ALL",
      blacklistIps: ["203.0.113.9", "2001:db8::/32"],
    },
  ]]],
  [policy("i3", "ip_filter", { allowed_cidrs: ["10.1.0.0/16"], denylist: ["10.1.2.3"] }), [[
    "ip-filtering",
    {
      matchAllFromXForwardedFor: false,
      lookupIpVersion: "ALL",
      whitelistIps: ["10.1.0.0/16"],
      blacklistIps: ["10.1.2.3"],
    },
  ]]],
  [policy("j1", "jwt_validation", { jwks_url: "https://idp.example.com/.well-known/jwks.json" }), [[
    "jwt",
    {
      signature: "RSA_RS256",
      publicKeyResolver: "JWKS_URL",
      resolverParameter: "https://idp.example.com/.well-known/jwks.json",
      extractClaims: false,
      propagateAuthHeader: true,
      userClaim: "sub",
    },
  ]]],
  [
    policy("j2", "jwt_validation", {
      public_key: "-----BEGIN PUBLIC KEY-----x",
      algorithm: "rs512",
      required_scopes: ["read", "write"],
    }),
    [[
      "jwt",
      {
        signature: "RSA_RS512",
        publicKeyResolver: "GIVEN_KEY",
        resolverParameter: "-----BEGIN PUBLIC KEY-----x",
        extractClaims: false,
        propagateAuthHeader: true,
        userClaim: "sub",
        checkRequiredScopes: true,
        requiredScopes: ["read", "write"],
      },
    ]],
  ],
];

specTest({
  name: "every mapped step configuration is valid against the policy's official schema-form",
  requires: HARNESS_SPECS,
  fn: async () => {
    const validate = await schemaPolicyValidator();
    for (const [desired, expected] of MAPPED) {
      const mapped = mapPolicy(desired);
      assert.equal(mapped.error, undefined, desired.id);
      assert.equal(mapped.placement!.kind, "steps");
      const steps = mapped.placement!.kind === "steps" ? mapped.placement!.steps : [];
      assert.deepEqual(
        steps.map((step) => [step.policy, step.configuration]),
        expected,
        desired.id,
      );
      for (const step of steps) {
        assert.deepEqual(
          validate(step.policy, step.configuration),
          [],
          `${desired.id} ${step.policy}`,
        );
      }
    }
  },
});

specTest({
  name: "CORS maps to the listener's Cors settings, valid against the OpenAPI Cors schema",
  requires: HARNESS_SPECS,
  fn: async () => {
    const specs = await loadGraviteeSpecs();
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ origins: ["https://a.example"], methods: ["get"], headers: ["x-id"], max_age: 60 }, {
        enabled: true,
        allowOrigin: ["https://a.example"],
        allowMethods: ["GET"],
        allowHeaders: ["x-id"],
        exposeHeaders: [],
        allowCredentials: false,
        maxAge: 60,
        runPolicies: false,
      }],
      [{
        allowedOrigins: ["*"],
        allowedMethods: ["GET", "POST"],
        exposeHeaders: ["x-trace"],
        maxAge: 5,
      }, {
        enabled: true,
        allowOrigin: ["*"],
        allowMethods: ["GET", "POST"],
        allowHeaders: [],
        exposeHeaders: ["x-trace"],
        allowCredentials: false,
        maxAge: 5,
        runPolicies: false,
      }],
      [{ allow_origins: "https://b.example", credentials: true }, {
        enabled: true,
        allowOrigin: ["https://b.example"],
        allowMethods: [],
        allowHeaders: [],
        exposeHeaders: [],
        allowCredentials: true,
        maxAge: -1,
        runPolicies: false,
      }],
    ];
    for (const [config, expected] of cases) {
      const mapped = mapPolicy(policy("c", "cors", config));
      assert.deepEqual(mapped.placement, { kind: "cors", cors: expected });
      assertValid(
        specs.apis.validateAgainst("#/components/schemas/Cors", expected),
        JSON.stringify(config),
      );
    }
  },
});

Deno.test("what Gravitee cannot express, and invalid configurations, are errors that say why", () => {
  const cases: [DesiredPolicy, RegExp][] = [
    [policy("a", "rate_limit", {}), /^rate_limit: needs maxRequests/],
    [
      policy("b", "rate_limit", { maxRequests: 0 }),
      /maxRequests must be a whole number of at least 1, got 0/,
    ],
    [policy("c", "rate_limit", { maxRequests: 1.5 }), /at least 1, got 1\.5/],
    [policy("d", "ip_filter", {}), /needs at least one address: ip_list/],
    [
      policy("e", "ip_filter", { mode: "block", ip_list: ["1.2.3.4"] }),
      /mode must be one of allow, deny, got "block"/,
    ],
    [
      policy("f", "ip_filter", { ip_list: ["999.1.1.1", "10.0.0.0/33"] }),
      /ip_list has invalid addresses: 999\.1\.1\.1, 10\.0\.0\.0\/33/,
    ],
    [policy("g", "ip_filter", { ip_list: [1, 2] }), /ip_list must be a list of strings/],
    [policy("h", "jwt_validation", {}), /needs jwks_url or public_key/],
    [
      policy("i", "jwt_validation", { jwks_url: "ftp://x" }),
      /jwks_url must be an http:\/\/ or https:\/\/ URL/,
    ],
    [
      policy("j", "jwt_validation", { public_key: "k", algorithm: "ES256" }),
      /algorithm must be one of RS256, RS384, RS512, HS256, HS384, HS512, got "ES256"/,
    ],
    [
      policy("k", "jwt_validation", {
        jwks_url: "https://x",
        audience: "api",
        required_claims: ["tenant"],
      }),
      /audience, required_claims cannot be expressed on Gravitee/,
    ],
    [policy("l", "cors", {}), /^cors: needs origins/],
    [
      policy("p", "rate_limit", { maxRequests: 5, burst: 2 }),
      /unknown key 'burst' \(accepted: maxRequests/,
    ],
    [
      policy("q", "rate_limit", { maxRequests: 5, max_requests: 6 }),
      /maxRequests and max_requests both set the same thing/,
    ],
    [policy("m", "logging", {}), /analytics setting, not a policy/],
    [policy("n", "caching", {}), /needs a cache resource/],
    [policy("o", "transform", {}), /no defined configuration/],
  ];
  for (const [desired, reason] of cases) {
    const mapped = mapPolicy(desired);
    assert.equal(mapped.placement, undefined, desired.id);
    assert.match(mapped.error!, reason, desired.id);
  }
});
