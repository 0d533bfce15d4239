/**
 * The STOA → Kong plugin mapping, type by type: every accepted spelling gives the expected Kong
 * config, every produced config is valid for Kong (the plugin-schemas/3.9 JSON Schemas where the
 * specs have one, and Kong's own entity checks through the emulator), and what Kong cannot
 * express fails with a reason a person understands. The accepted keys are all documented.
 *
 * @module
 */

import assert from "node:assert/strict";
import { MANAGED_FIELDS, mapPolicy } from "../../../src/gateways/kong/kong_policies.ts";
import { withoutNulls } from "../../../src/gateways/kong/kong_diff.ts";
import { STOA_POLICY_TYPES, type StoaPolicyType } from "../../../src/sync/desired.ts";
import { KongEmulator } from "../../fakes/kong_emulator.ts";
import { call, type Json } from "../../fakes/kong_emulator_contract.ts";
import { loadJsonSchema } from "../../support/json_schema.ts";
import { assertValid } from "../../support/openapi.ts";
import { kongPluginSchemaPath, specTest } from "../../support/specs.ts";
import { REPO_ROOT } from "../../support/specs.ts";

type Case = readonly [StoaPolicyType, Json, readonly { name: string; config: Json }[]];

const ALL_METHODS = "GET HEAD PUT PATCH POST DELETE OPTIONS TRACE CONNECT".split(" ");
const windows = (set: Json) => ({
  second: null,
  minute: null,
  hour: null,
  day: null,
  month: null,
  year: null,
  ...set,
});
const cors = (set: Json) => ({
  origins: null,
  methods: ALL_METHODS,
  headers: null,
  exposed_headers: null,
  max_age: null,
  credentials: false,
  ...set,
});
const jwt = (set: Json) => ({
  uri_param_names: ["jwt"],
  cookie_names: [],
  header_names: ["authorization"],
  claims_to_verify: null,
  key_claim_name: "iss",
  secret_is_base64: false,
  run_on_preflight: true,
  maximum_expiration: 0,
  ...set,
});
const cache = (set: Json) => ({
  strategy: "memory",
  cache_ttl: 300,
  request_method: ["GET", "HEAD"],
  response_code: [200, 301, 404],
  content_type: ["text/plain", "application/json"],
  cache_control: false,
  ...set,
});
const lists = (fields: readonly string[], set: Json = {}) => ({
  ...Object.fromEntries(fields.map((field) => [field, []])),
  ...set,
});
const request = (set: Json) => ({
  http_method: null,
  remove: lists(["headers", "querystring", "body"]),
  rename: lists(["headers", "querystring", "body"]),
  replace: lists(["headers", "querystring", "body"], { uri: null }),
  add: lists(["headers", "querystring", "body"]),
  append: lists(["headers", "querystring", "body"]),
  ...set,
});
const RESPONSE_EMPTY = {
  remove: lists(["headers", "json"]),
  rename: lists(["headers", "json"]),
  replace: lists(["headers", "json", "json_types"]),
  add: lists(["headers", "json", "json_types"]),
  append: lists(["headers", "json", "json_types"]),
};

/** Every accepted spelling of the contract (§7.3) and what Kong gets. */
const MAPPED: readonly Case[] = [
  ["rate_limit", { maxRequests: 100, intervalSeconds: 60 }, [
    { name: "rate-limiting", config: windows({ minute: 100 }) },
  ]],
  ["rate_limit", {}, [{ name: "rate-limiting", config: windows({ minute: 100 }) }]],
  ["rate_limit", { max_requests: 10, window_seconds: 1 }, [
    { name: "rate-limiting", config: windows({ second: 10 }) },
  ]],
  ["rate_limit", { limit: 5000, intervalSeconds: 3600, dailyLimit: 50000, monthlyLimit: 900000 }, [
    { name: "rate-limiting", config: windows({ hour: 5000, day: 50000, month: 900000 }) },
  ]],
  ["rate_limit", { requests_per_minute: 30 }, [
    { name: "rate-limiting", config: windows({ minute: 30 }) },
  ]],
  ["rate_limit", { rpm: 30, daily_limit: 1000 }, [
    { name: "rate-limiting", config: windows({ minute: 30, day: 1000 }) },
  ]],
  ["rate_limit", { maxRequests: 60, max_requests: 60, window_seconds: 86400 }, [
    { name: "rate-limiting", config: windows({ day: 60 }) },
  ]],
  ["cors", { origins: ["https://shop.example.com"], methods: ["get", "POST"], max_age: 3600 }, [
    {
      name: "cors",
      config: cors({
        origins: ["https://shop.example.com"],
        methods: ["GET", "POST"],
        max_age: 3600,
      }),
    },
  ]],
  ["cors", {
    allowedOrigins: "https://a.example, https://b.example",
    allowedMethods: ["GET"],
    allowedHeaders: ["Authorization"],
    exposeHeaders: ["X-Request-Id"],
    maxAge: 600,
    allowCredentials: true,
  }, [{
    name: "cors",
    config: cors({
      origins: ["https://a.example", "https://b.example"],
      methods: ["GET"],
      headers: ["Authorization"],
      exposed_headers: ["X-Request-Id"],
      max_age: 600,
      credentials: true,
    }),
  }]],
  ["cors", { allow_origins: ["*"], allow_methods: ["OPTIONS"] }, [
    { name: "cors", config: cors({ origins: ["*"], methods: ["OPTIONS"] }) },
  ]],
  ["cors", {}, [{ name: "cors", config: cors({}) }]],
  ["cors", { origins: ["https://*.example.com", "*"] }, [
    { name: "cors", config: cors({ origins: ["https://[A-Za-z0-9.-]+\\.example\\.com", "*"] }) },
  ]],
  ["ip_filter", { ip_list: ["10.0.0.0/8", "192.168.1.7"], mode: "DENY" }, [
    { name: "ip-restriction", config: { allow: null, deny: ["10.0.0.0/8", "192.168.1.7"] } },
  ]],
  ["ip_filter", { cidrs: ["2001:db8::/32"] }, [
    { name: "ip-restriction", config: { allow: ["2001:db8::/32"], deny: null } },
  ]],
  ["ip_filter", { allowlist: ["10.1.0.0/16"], denylist: ["10.1.2.3"] }, [
    { name: "ip-restriction", config: { allow: ["10.1.0.0/16"], deny: ["10.1.2.3"] } },
  ]],
  ["ip_filter", { allowed_cidrs: ["172.16.0.0/12"] }, [
    { name: "ip-restriction", config: { allow: ["172.16.0.0/12"], deny: null } },
  ]],
  ["jwt_validation", {}, [{ name: "jwt", config: jwt({}) }]],
  ["jwt_validation", { required_claims: ["exp", "nbf"], header_names: ["X-Token"] }, [
    { name: "jwt", config: jwt({ claims_to_verify: ["exp", "nbf"], header_names: ["X-Token"] }) },
  ]],
  ["jwt_validation", { maxExpiration: 3600, key_claim_name: "client", secret_is_base64: true }, [{
    name: "jwt",
    config: jwt({
      claims_to_verify: ["exp"],
      maximum_expiration: 3600,
      key_claim_name: "client",
      secret_is_base64: true,
    }),
  }]],
  ["logging", {}, [{ name: "file-log", config: { path: "/dev/stdout", reopen: false } }]],
  ["logging", { logRequest: true, logResponse: true, path: "/var/log/kong/api.log" }, [
    { name: "file-log", config: { path: "/var/log/kong/api.log", reopen: false } },
  ]],
  ["logging", { http_endpoint: "https://logs.example.com/kong", method: "PUT" }, [
    { name: "http-log", config: { http_endpoint: "https://logs.example.com/kong", method: "PUT" } },
  ]],
  ["logging", { url: "http://collector:9000/" }, [
    { name: "http-log", config: { http_endpoint: "http://collector:9000/", method: "POST" } },
  ]],
  ["caching", {}, [{ name: "proxy-cache", config: cache({}) }]],
  ["caching", {
    ttl: 60,
    methods: ["get"],
    status_codes: [200],
    content_types: ["application/json"],
    cache_control: true,
  }, [{
    name: "proxy-cache",
    config: cache({
      cache_ttl: 60,
      request_method: ["GET"],
      response_code: [200],
      content_type: ["application/json"],
      cache_control: true,
    }),
  }]],
  ["transform", {
    add: { headers: { "X-Team": "payments" }, querystring: ["v:2"] },
    remove: { headers: ["X-Internal"] },
    rename: { headers: { "X-Old": "X-New" } },
    replace: { uri: "/v2/orders" },
    http_method: "post",
  }, [{
    name: "request-transformer",
    config: request({
      http_method: "POST",
      add: lists(["headers", "querystring", "body"], {
        headers: ["X-Team:payments"],
        querystring: ["v:2"],
      }),
      remove: lists(["headers", "querystring", "body"], { headers: ["X-Internal"] }),
      rename: lists(["headers", "querystring", "body"], { headers: ["X-Old:X-New"] }),
      replace: lists(["headers", "querystring", "body"], { uri: "/v2/orders" }),
    }),
  }]],
  ["transform", {
    request: { append: { body: ["source:stoa"] } },
    response: {
      add: { headers: ["X-Served-By:kong"], json: { cached: false, hits: 1, via: "kong" } },
    },
  }, [
    {
      name: "request-transformer",
      config: request({
        append: lists(["headers", "querystring", "body"], { body: ["source:stoa"] }),
      }),
    },
    {
      name: "response-transformer",
      config: {
        ...RESPONSE_EMPTY,
        add: {
          headers: ["X-Served-By:kong"],
          json: ["cached:false", "hits:1", "via:kong"],
          json_types: ["boolean", "number", "string"],
        },
      },
    },
  ]],
  ["transform", { response: { remove: { json: ["internal_id"] } } }, [
    {
      name: "response-transformer",
      config: { ...RESPONSE_EMPTY, remove: { headers: [], json: ["internal_id"] } },
    },
  ]],
];

/** Configs Kong cannot express, and the reason given. */
const REFUSED: readonly (readonly [StoaPolicyType, Json, RegExp])[] = [
  [
    "rate_limit",
    { maxRequests: 100, intervalSeconds: 30 },
    /intervalSeconds 30 is not a window Kong's rate-limiting counts in: use 1 \(second\), 60 \(minute\), 3600 \(hour\) or 86400 \(day\)/,
  ],
  [
    "rate_limit",
    { maxRequests: "100" },
    /maxRequests must be a whole number of at least 1, got "100"/,
  ],
  ["rate_limit", { maxRequests: 0 }, /maxRequests must be a whole number of at least 1, got 0/],
  [
    "rate_limit",
    { maxRequests: 100, max_requests: 50 },
    /maxRequests and max_requests both set the same thing with different values \(100 and 50\); keep one/,
  ],
  [
    "rate_limit",
    { maxRequests: 100, requests_per_minute: 50 },
    /maxRequests \(100\) and requests_per_minute \(50\) both set the per-minute limit/,
  ],
  [
    "rate_limit",
    { maxRequests: 1000, dailyLimit: 500 },
    /the per-day limit \(500\) is lower than the per-minute limit \(1000\); Kong refuses a longer window with a smaller limit/,
  ],
  [
    "rate_limit",
    { maxRequests: 10, burst: 5 },
    /unknown key 'burst' \(accepted: maxRequests, max_requests, limit, intervalSeconds, window_seconds, requests_per_minute, rpm, dailyLimit, daily_limit, monthlyLimit, monthly_limit\)/,
  ],
  [
    "cors",
    { origins: ["https://(shop.example.com"] },
    /origins has 'https:\/\/\(shop\.example\.com', which is neither '\*', an origin, nor a regular expression Kong can read/,
  ],
  ["cors", { methods: ["FETCH"] }, /methods has "FETCH": must be one of GET, HEAD/],
  ["cors", { allowCredentials: "yes" }, /allowCredentials must be true or false, got "yes"/],
  [
    "ip_filter",
    {},
    /needs at least one address: ip_list \(with mode allow or deny\), allowlist or denylist/,
  ],
  [
    "ip_filter",
    { ip_list: ["10.0.0.300"] },
    /ip_list has '10\.0\.0\.300', which is not an IPv4\/IPv6 address or CIDR block/,
  ],
  [
    "ip_filter",
    { allowlist: ["10.0.0.1"], mode: "deny" },
    /mode is deny but an allow list is given/,
  ],
  [
    "ip_filter",
    { ip_list: ["10.0.0.1"], mode: "block" },
    /mode must be one of allow, deny, got "block"/,
  ],
  [
    "jwt_validation",
    { jwks_url: "https://idp.example.com/jwks" },
    /jwks_url needs Kong Enterprise openid-connect/,
  ],
  [
    "jwt_validation",
    { issuer: "https://idp.example.com" },
    /issuer cannot be pinned by Kong OSS jwt/,
  ],
  [
    "jwt_validation",
    { audience: "orders" },
    /audience cannot be checked by Kong OSS jwt \(only exp and nbf\)/,
  ],
  [
    "jwt_validation",
    { required_claims: ["exp", "sub"] },
    /required_claims has 'sub': Kong OSS jwt can verify only exp and nbf/,
  ],
  [
    "logging",
    { logRequest: false },
    /logRequest false cannot be expressed: Kong's log plugins always record the request and the response together/,
  ],
  [
    "logging",
    { path: "/var/log/a.log", http_endpoint: "https://x.example" },
    /give either an http_endpoint or a path, not both/,
  ],
  ["logging", { path: "relative.log" }, /path must be an absolute file path/],
  [
    "logging",
    { http_endpoint: "ftp://x.example" },
    /http_endpoint must be an http:\/\/ or https:\/\/ URL/,
  ],
  [
    "caching",
    { methods: ["DELETE"] },
    /methods has "DELETE": must be one of GET, HEAD, POST, PATCH, PUT/,
  ],
  ["caching", { ttl: 0 }, /ttl must be a whole number of at least 1, got 0/],
  ["transform", {}, /transform cannot be applied on Kong: has nothing to do/],
  [
    "transform",
    { add: { headers: ["X Bad:1"] } },
    /add\.headers has 'X Bad', which is not a header name/,
  ],
  [
    "transform",
    { add: { headers: ["missing-colon"] } },
    /add\.headers has 'missing-colon', which is not name:value/,
  ],
  [
    "transform",
    { add: { header: ["X-A:1"] } },
    /unknown key 'add\.header' \(accepted in add: headers, querystring, body\)/,
  ],
  [
    "transform",
    { add: { headers: ["X-A:1"] }, request: { add: { headers: ["X-B:2"] } } },
    /request actions are given both at the top level and under request/,
  ],
];

Deno.test("every STOA type maps to Kong's own plugins, every spelling of contract §7.3", () => {
  for (const [type, config, plugins] of MAPPED) {
    const mapping = mapPolicy({ type, config });
    assert.ok(
      !("error" in mapping),
      `${type} ${JSON.stringify(config)}: ${JSON.stringify(mapping)}`,
    );
    assert.deepEqual(mapping.plugins, plugins, `${type} ${JSON.stringify(config)}`);
  }
  for (const [, , plugins] of MAPPED) {
    for (const plugin of plugins) {
      assert.deepEqual(
        Object.keys(plugin.config).sort(),
        [...MANAGED_FIELDS[plugin.name]].sort(),
        `${plugin.name}: MANAGED_FIELDS is what the mapping sets`,
      );
    }
  }
  const covered = new Set(MAPPED.map(([type]) => type));
  assert.deepEqual([...covered].sort(), [...STOA_POLICY_TYPES].sort(), "every type has cases");
});

Deno.test("what Kong cannot express fails with the reason, naming the policy type", () => {
  for (const [type, config, reason] of REFUSED) {
    const mapping = mapPolicy({ type, config });
    assert.ok("error" in mapping, `${type} ${JSON.stringify(config)} should fail`);
    assert.match(mapping.error, new RegExp(`^${type} cannot be applied on Kong: `));
    assert.match(mapping.error, reason, `${type} ${JSON.stringify(config)}`);
  }
  const several = mapPolicy({ type: "rate_limit", config: { maxRequests: -1, colour: "red" } });
  assert.ok("error" in several);
  assert.match(
    several.error,
    /maxRequests must be .*; unknown key 'colour'/,
    "all problems at once",
  );
});

specTest({
  name: "produced configs validate against plugin-schemas/3.9 where the specs have one",
  requires: ["kong/plugin-schemas/3.9"],
  fn: async () => {
    const validators = new Map<string, Awaited<ReturnType<typeof loadJsonSchema>>>();
    let checked = 0;
    for (const [type, config] of MAPPED) {
      const mapping = mapPolicy({ type, config });
      assert.ok(!("error" in mapping));
      for (const plugin of mapping.plugins) {
        let validator = validators.get(plugin.name);
        if (!validator) {
          try {
            validator = await loadJsonSchema(kongPluginSchemaPath(plugin.name), {
              pointer: "/properties/config",
              unsetAsNull: true,
            });
          } catch (error) {
            if (error instanceof Deno.errors.NotFound) continue; // no schema in the specs
            throw error;
          }
          validators.set(plugin.name, validator);
        }
        assertValid(validator.validate(plugin.config), `${type} → ${plugin.name}`);
        checked++;
      }
    }
    assert.deepEqual([...validators.keys()].sort(), [
      "cors",
      "ip-restriction",
      "jwt",
      "rate-limiting",
    ]);
    assert.ok(checked >= 15, `only ${checked} configs checked`);
  },
});

Deno.test("produced configs pass Kong's entity checks and are stored as sent (emulator)", async () => {
  for (const [type, config] of MAPPED) {
    const mapping = mapPolicy({ type, config });
    assert.ok(!("error" in mapping));
    const kong = new KongEmulator();
    for (const plugin of mapping.plugins) {
      const answer = await call(kong, "POST", "/plugins", {
        name: plugin.name,
        config: withoutNulls(plugin.config),
      });
      assert.equal(answer.status, 201, `${type} → ${plugin.name}: ${answer.text}`);
      const stored = (answer.body as { config: Json }).config;
      for (const [field, value] of Object.entries(plugin.config)) {
        assert.deepEqual(stored[field], value, `${type} → ${plugin.name} config.${field}`);
      }
    }
  }
});

Deno.test("the README names every accepted Kong key of every type", async () => {
  const docs = await Deno.readTextFile(`${REPO_ROOT}/README.md`);
  for (const type of STOA_POLICY_TYPES) {
    const mapping = mapPolicy({ type, config: { "zz-unknown": true } });
    assert.ok("error" in mapping);
    const accepted = /accepted: ([^)]*)\)/.exec(mapping.error)![1].split(", ");
    for (const key of accepted) {
      assert.ok(docs.includes(`\`${key}\``), `the README does not mention ${type} key ${key}`);
    }
  }
});
