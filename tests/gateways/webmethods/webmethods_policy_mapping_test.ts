/**
 * STOA policy types → webMethods policy actions: parameters, accepted spellings, defaults, what
 * cannot be expressed, and the request bodies against the Swagger `PolicyAction` schema and the
 * official Postman request bodies of each template.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  actionBody,
  flattenParameters,
} from "../../../src/gateways/webmethods/webmethods_policy_actions.ts";
import {
  type ActionSpec,
  addressRange,
  cacheDuration,
  mapPolicy,
  type PolicyMapping,
  SUPPORT_IDENTIFY_ACTION,
} from "../../../src/gateways/webmethods/webmethods_policy_mapping.ts";
import type { DesiredPolicy, StoaPolicyType } from "../../../src/sync/desired.ts";
import type { ActionParameter } from "../../../src/gateways/webmethods/webmethods_types.ts";
import { loadContract, swaggerRequirements } from "../../fakes/webmethods_emulator_specs.ts";
import { readSpecJson, specTest } from "../../support/specs.ts";
import { policy } from "./webmethods_harness.ts";

function mapped(type: StoaPolicyType, config: Record<string, unknown>): PolicyMapping {
  const result = mapPolicy(policy({ type, config }));
  if ("error" in result) throw new Error(result.error);
  return result;
}

function refused(type: StoaPolicyType, config: Record<string, unknown>): string {
  const result = mapPolicy(policy({ type, config }));
  assert.ok("error" in result, `${type} ${JSON.stringify(config)} should be refused`);
  return result.error;
}

function flat(action: ActionSpec): Record<string, readonly string[]> {
  return flattenParameters(action.parameters);
}

Deno.test("rate_limit → throttle in LMT: count, interval in the largest exact unit", () => {
  const [throttle] = mapped("rate_limit", { maxRequests: 200, intervalSeconds: 30 * 60 }).actions;
  assert.equal(throttle.templateKey, "throttle");
  assert.equal(throttle.stageKey, "LMT");
  assert.deepEqual(flat(throttle), {
    "throttleRule.throttleRuleName": ["requestCount"],
    "throttleRule.monitorRuleOperator": ["GT"],
    "throttleRule.value": ["200"],
    "alertInterval": ["30"],
    "alertIntervalUnit": ["minutes"],
    "alertFrequency": ["once"],
    "alertMessage": ["STOA rate limit: more than 200 requests per 30 minutes"],
    "destination.destinationType": ["GATEWAY"],
  });
  const unit = (intervalSeconds: number) => {
    const values = flat(mapped("rate_limit", { intervalSeconds }).actions[0]);
    return `${values.alertInterval[0]} ${values.alertIntervalUnit[0]}`;
  };
  assert.deepEqual([60, 3600, 7200, 86_400, 604_800, 1_209_600].map(unit), [
    "1 minutes",
    "1 hours",
    "2 hours",
    "1 days",
    "1 weeks",
    "2 weeks",
  ]);
  assert.equal(
    flat(mapped("rate_limit", {}).actions[0])["throttleRule.value"][0],
    "100",
    "CP default",
  );
  assert.deepEqual(
    flat(mapped("rate_limit", { requests_per_minute: 5 }).actions[0]).alertIntervalUnit,
    ["minutes"],
  );
  assert.equal(
    flat(
      mapped("rate_limit", { max_requests: "7", window_seconds: 120 }).actions[0],
    )["alertInterval"][0],
    "2",
  );
  const withDaily = mapped("rate_limit", { maxRequests: 10, dailyLimit: 1000 }).actions;
  assert.deepEqual(withDaily.map((action) => flat(action)["alertIntervalUnit"][0]), [
    "minutes",
    "days",
  ]);
});

Deno.test("rate_limit values webMethods cannot hold are refused with the reason", () => {
  assert.match(
    refused("rate_limit", { intervalSeconds: 90 }),
    /intervalSeconds=90 cannot be expressed: .* multiple of 60/,
  );
  assert.match(refused("rate_limit", { monthlyLimit: 5 }), /monthlyLimit cannot be expressed/);
  assert.match(
    refused("rate_limit", { maxRequests: 0 }),
    /maxRequests must be a positive integer, not 0/,
  );
  assert.match(refused("rate_limit", { maxRequests: "lots" }), /not "lots"/);
  assert.match(
    refused("rate_limit", { maxRequests: 5, policy: "local" }),
    /^rate_limit: unknown configuration key 'policy' \(accepted: maxRequests, max_requests/,
  );
});

Deno.test("cors → corsAttributes in responseProcessing, Kong and webMethods spellings", () => {
  const kongStyle = mapped("cors", {
    origins: ["https://a.example"],
    methods: ["get", "post"],
    headers: "Authorization, X-Trace",
    max_age: 600,
    credentials: true,
  }).actions[0];
  assert.equal(kongStyle.stageKey, "responseProcessing");
  assert.deepEqual(flat(kongStyle), {
    "corsAttributes.allowedOrigins": ["https://a.example"],
    "corsAttributes.allowHeaders": ["Authorization", "X-Trace"],
    "corsAttributes.allowCredentials": ["true"],
    "corsAttributes.allowMethods": ["GET", "POST"],
    "corsAttributes.maxAge": ["600"],
  });
  const wmStyle = mapped("cors", {
    allowedOrigins: ["*"],
    allowedMethods: ["PUT"],
    exposeHeaders: ["X-Id"],
    allowCredentials: false,
    maxAge: 0,
  }).actions[0];
  assert.deepEqual(flat(wmStyle)["corsAttributes.exposeHeaders"], ["X-Id"]);
  assert.deepEqual(flat(wmStyle)["corsAttributes.maxAge"], ["0"]);
  assert.deepEqual(flat(mapped("cors", {}).actions[0]), {
    "corsAttributes.allowedOrigins": ["*"],
    "corsAttributes.allowCredentials": ["false"],
    "corsAttributes.allowMethods": ["GET", "POST", "PUT", "DELETE", "PATCH"],
    "corsAttributes.maxAge": ["3600"],
  });
  assert.match(refused("cors", { methods: ["TRACE"] }), /method TRACE is not allowed/);
  assert.match(refused("cors", { credentials: "yes" }), /credentials must be true or false/);
});

Deno.test("logging → logInvocation; caching → serviceResultCache", () => {
  assert.deepEqual(flat(mapped("logging", { logRequest: true, logResponse: false }).actions[0]), {
    storeRequestHeaders: ["true"],
    storeRequestPayload: ["true"],
    storeResponseHeaders: ["false"],
    storeResponsePayload: ["false"],
    storeAsZip: ["false"],
    logGenerationFrequency: ["Always"],
    "destination.destinationType": ["GATEWAY"],
  });
  assert.match(refused("logging", { logRequest: false, logResponse: false }), /nothing to log/);
  assert.deepEqual(flat(mapped("caching", { ttl: 90_060, maxPayloadSize: 2048 }).actions[0]), {
    ttl: ["1d 1h 1m"],
    "max-payload-size": ["2048"],
  });
  assert.deepEqual(flat(mapped("caching", {}).actions[0]), { ttl: ["5m"] });
  assert.equal(cacheDuration(3600), "1h");
  assert.match(refused("caching", { ttl: 30 }), /ttl=30 cannot be expressed/);
});

Deno.test("ip_filter allow → identify by address range + an application; deny is refused", () => {
  const result = mapped("ip_filter", {
    mode: "ALLOW",
    ip_list: ["10.1.2.3", "10.1.0.0/16", "192.168.1.10-192.168.1.20", "2001:db8::/126"],
  });
  assert.deepEqual(flat(result.actions[0]), {
    logicalConnector: ["OR"],
    allowAnonymous: ["false"],
    "IdentificationRule.applicationLookup": ["strict"],
    "IdentificationRule.identificationType": ["ipAddressRange"],
  });
  assert.deepEqual(result.identifiers, [{
    key: "ipAddressRange",
    name: "Allowed addresses",
    value: [
      "10.1.2.3-10.1.2.3",
      "10.1.0.0-10.1.255.255",
      "192.168.1.10-192.168.1.20",
      "2001:db8:0:0:0:0:0:0-2001:db8:0:0:0:0:0:3",
    ],
  }]);
  assert.match(result.gatewayWideError!, /needs target APIs/);
  assert.match(
    refused("ip_filter", { mode: "deny", ip_list: ["10.0.0.1"] }),
    /mode deny cannot be expressed per API/,
  );
  assert.match(refused("ip_filter", { ip_list: [] }), /no addresses/);
  for (const bad of ["10.0.0.300", "10.0.0.0/33", "10.0.0.9-10.0.0.1", "::1::2", "host.example"]) {
    assert.throws(() => addressRange(bad), /not an|invalid prefix|not an address range/, bad);
  }
});

Deno.test("jwt_validation → identify by JWT claims + an application; jwks_url is gateway-wide", () => {
  const result = mapped("jwt_validation", {
    issuer: "https://idp.example/realms/stoa",
    audience: "orders",
    required_claims: { tier: "gold", level: 3 },
  });
  assert.deepEqual(flat(result.actions[0])["IdentificationRule.identificationType"], ["jwtClaims"]);
  assert.deepEqual(result.identifiers, [{
    key: "jwtClaims",
    name: "Required claims",
    value: ['{"iss":"https://idp.example/realms/stoa","aud":"orders","tier":"gold","level":"3"}'],
  }]);
  assert.match(
    refused("jwt_validation", { issuer: "x", jwks_url: "https://idp/jwks" }),
    /jwks_url cannot be set per API/,
  );
  assert.match(refused("jwt_validation", {}), /set issuer, audience or required_claims/);
  assert.match(
    refused("jwt_validation", { required_claims: { a: {} } }),
    /required_claims\.a must be/,
  );
  assert.match(refused("transform", {}), /transform cannot be expressed on webMethods/);
});

Deno.test("mapping is deterministic: the same policy maps to equal actions", () => {
  const desired: DesiredPolicy = policy({ type: "cors", config: { origins: ["https://x"] } });
  assert.deepEqual(mapPolicy(desired), mapPolicy(structuredClone(desired)));
});

/** Template keys of a parameter tree, as `a.b` paths (repetitions collapsed). */
function keyTree(
  parameters: readonly ActionParameter[] | null | undefined,
  prefix = "",
): Set<string> {
  const out = new Set<string>();
  for (const parameter of parameters ?? []) {
    const path = prefix === "" ? parameter.templateKey : `${prefix}.${parameter.templateKey}`;
    out.add(path);
    for (const inner of keyTree(parameter.parameters, path)) out.add(inner);
  }
  return out;
}

const FIXTURES: Readonly<Record<string, string>> = {
  throttle: "policyAction_throttle.json",
  cors: "policyAction_cors.json",
  evaluatePolicy: "policyAction_evaluatePolicy.json",
  logInvocation: "policyAction_logInvocation.json",
};

specTest({
  name: "every action body matches the Swagger PolicyAction schema and the Postman request bodies",
  requires: [
    ...swaggerRequirements(),
    ...Object.values(FIXTURES).map((file) => `webmethods/fixtures/requests/${file}`),
  ],
  fn: async () => {
    const specs: ActionSpec[] = [
      ...mapped("rate_limit", { maxRequests: 5, dailyLimit: 50 }).actions,
      ...mapped("cors", { origins: ["https://x"], headers: ["a"], expose_headers: ["b"] }).actions,
      ...mapped("logging", {}).actions,
      ...mapped("caching", { ttl: 600, maxPayloadSize: 10 }).actions,
      ...mapped("ip_filter", { ip_list: ["10.0.0.0/8"] }).actions,
      ...mapped("jwt_validation", { issuer: "https://idp" }).actions,
      SUPPORT_IDENTIFY_ACTION,
    ];
    for (const version of ["10.15", "11.0"]) {
      const contract = await loadContract(version);
      for (const spec of specs) {
        const body = actionBody(spec, "stoa-x", {
          kind: "policy",
          id: "p",
          attributes: { api: "a" },
        });
        contract.assertRequest("POST", "/rest/apigateway/policyActions", body);
        contract.assertRequest("PUT", "/rest/apigateway/policyActions/x", {
          policyAction: { ...body.policyAction, id: "x" },
        });
      }
    }
    for (const spec of specs) {
      const file = FIXTURES[spec.templateKey];
      if (!file) continue;
      const fixture = await readSpecJson<
        { policyAction: { templateKey: string; parameters: ActionParameter[] } }
      >(
        "webmethods",
        "fixtures",
        "requests",
        file,
      );
      assert.equal(fixture.policyAction.templateKey, spec.templateKey);
      const known = keyTree(fixture.policyAction.parameters);
      const unknown = [...keyTree(spec.parameters)].filter((key) => !known.has(key));
      assert.deepEqual(
        unknown,
        [],
        `${spec.templateKey}: keys the official request body does not have`,
      );
    }
  },
});
