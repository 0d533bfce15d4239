import assert from "node:assert/strict";
import { credentialSyncEnabled, parseConfig } from "../../src/config/config.ts";
import { ConfigError } from "../../src/config/config_error.ts";

const DEFAULTS = { hostname: "edge-01", stdoutIsTerminal: false };
const MINIMAL = {
  STOA_CONTROL_PLANE_URL: "https://cp.example.com/api",
  STOA_GATEWAY_API_KEY: "gw_secret_value_123",
  STOA_GATEWAY_ADMIN_URL: "http://localhost:8001",
};

function problems(values: Record<string, string>): Map<string, string> {
  try {
    parseConfig(values, DEFAULTS);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return new Map(error.problems.map((p) => [p.variable, p.message]));
  }
  assert.fail("expected a ConfigError");
}

Deno.test("the guide's defaults apply when only the required variables are set", () => {
  const config = parseConfig(MINIMAL, DEFAULTS);
  assert.equal(config.controlPlaneUrl.href, "https://cp.example.com/api");
  assert.equal(config.gatewayType, "auto");
  assert.equal(config.instanceName, "edge-01");
  assert.equal(config.environment, "production");
  assert.equal(config.heartbeatIntervalMs, 30_000);
  assert.equal(config.discoveryIntervalMs, 60_000);
  assert.equal(config.policySyncIntervalMs, 60_000);
  assert.equal(config.routeSyncIntervalMs, 30_000);
  assert.equal(config.sseEnabled, false);
  assert.equal(config.connectHost, "0.0.0.0");
  assert.equal(config.connectPort, 8090);
  assert.equal(config.logLevel, "info");
  assert.equal(config.logFormat, "json");
  assert.equal(config.stateDir, ".stoa-connect");
});

Deno.test("LOG_FORMAT defaults to pretty on a terminal", () => {
  const config = parseConfig(MINIMAL, { ...DEFAULTS, stdoutIsTerminal: true });
  assert.equal(config.logFormat, "pretty");
});

Deno.test("every variable is read", () => {
  const config = parseConfig({
    ...MINIMAL,
    STOA_GATEWAY_TYPE: "Kong",
    STOA_GATEWAY_ADMIN_TOKEN: "tok-1234",
    STOA_GATEWAY_ADMIN_USER: "admin",
    STOA_GATEWAY_ADMIN_PASSWORD: "pw-1234",
    STOA_KONG_WORKSPACE: "team-a",
    STOA_INSTANCE_NAME: "kong-edge-01",
    STOA_ENVIRONMENT: "staging",
    STOA_TENANT_ID: "acme",
    STOA_HEARTBEAT_INTERVAL: "10s",
    STOA_DISCOVERY_INTERVAL: "2m",
    STOA_POLICY_SYNC_INTERVAL: "1m30s",
    STOA_ROUTE_SYNC_INTERVAL: "500ms",
    STOA_SSE_ENABLED: "true",
    STOA_TARGET_GATEWAY_URL: "https://gw.example.com",
    STOA_PUBLIC_URL: "https://api.example.com",
    STOA_UI_URL: "https://ui.example.com",
    STOA_CONNECT_HOST: "127.0.0.1",
    STOA_CONNECT_PORT: "9000",
    STOA_CONNECT_TOKEN: "local-token",
    STOA_STATE_DIR: "/var/lib/stoa-connect",
    LOG_LEVEL: "DEBUG",
    LOG_FORMAT: "pretty",
  }, DEFAULTS);
  assert.equal(config.gatewayType, "kong");
  assert.equal(config.gatewayAdminToken, "tok-1234");
  assert.equal(config.gatewayAdminUser, "admin");
  assert.equal(config.gatewayAdminPassword, "pw-1234");
  assert.equal(config.kongWorkspace, "team-a");
  assert.equal(config.instanceName, "kong-edge-01");
  assert.equal(config.environment, "staging");
  assert.equal(config.tenantId, "acme");
  assert.equal(config.heartbeatIntervalMs, 10_000);
  assert.equal(config.discoveryIntervalMs, 120_000);
  assert.equal(config.policySyncIntervalMs, 90_000);
  assert.equal(config.routeSyncIntervalMs, 500);
  assert.equal(config.sseEnabled, true);
  assert.equal(config.targetGatewayUrl, "https://gw.example.com/");
  assert.equal(config.publicUrl, "https://api.example.com/");
  assert.equal(config.uiUrl, "https://ui.example.com/");
  assert.equal(config.connectHost, "127.0.0.1");
  assert.equal(config.connectPort, 9000);
  assert.equal(config.connectToken, "local-token");
  assert.equal(config.stateDir, "/var/lib/stoa-connect");
  assert.equal(config.logLevel, "debug");
  assert.equal(config.logFormat, "pretty");
});

Deno.test("missing required variables are all named at once", () => {
  const found = problems({});
  assert.deepEqual([...found.keys()], [
    "STOA_CONTROL_PLANE_URL",
    "STOA_GATEWAY_API_KEY",
    "STOA_GATEWAY_ADMIN_URL",
  ]);
  for (const message of found.values()) assert.match(message, /not set; expected/);
});

Deno.test("every kind of bad value is reported together, in catalogue order", () => {
  const found = problems({
    ...MINIMAL,
    STOA_CONTROL_PLANE_URL: "ftp://cp.example.com",
    STOA_GATEWAY_TYPE: "nginx",
    STOA_GATEWAY_ADMIN_URL: "localhost:8001",
    STOA_HEARTBEAT_INTERVAL: "0s",
    STOA_DISCOVERY_INTERVAL: "30",
    STOA_POLICY_SYNC_INTERVAL: "-1m",
    STOA_ROUTE_SYNC_INTERVAL: "soon",
    STOA_SSE_ENABLED: "maybe",
    STOA_PUBLIC_URL: "not a url",
    STOA_CONNECT_PORT: "99999",
    LOG_LEVEL: "verbose",
    LOG_FORMAT: "xml",
  });
  assert.deepEqual([...found.keys()], [
    "STOA_CONTROL_PLANE_URL",
    "STOA_GATEWAY_TYPE",
    "STOA_GATEWAY_ADMIN_URL",
    "STOA_HEARTBEAT_INTERVAL",
    "STOA_DISCOVERY_INTERVAL",
    "STOA_POLICY_SYNC_INTERVAL",
    "STOA_ROUTE_SYNC_INTERVAL",
    "STOA_SSE_ENABLED",
    "STOA_PUBLIC_URL",
    "STOA_CONNECT_PORT",
    "LOG_LEVEL",
    "LOG_FORMAT",
  ]);
  assert.match(found.get("STOA_GATEWAY_TYPE")!, /auto, kong, gravitee, webmethods/);
  assert.match(found.get("STOA_HEARTBEAT_INTERVAL")!, /greater than zero/);
  assert.match(found.get("STOA_DISCOVERY_INTERVAL")!, /not a duration.*30s, 1m30s, 500ms/);
  assert.match(found.get("STOA_POLICY_SYNC_INTERVAL")!, /greater than zero/);
  assert.match(found.get("STOA_CONNECT_PORT")!, /1 to 65535/);
});

Deno.test("port 0, a non-numeric port and a port with junk are refused", () => {
  for (const port of ["0", "http", "80a", "-1", "8090.5"]) {
    assert.ok(problems({ ...MINIMAL, STOA_CONNECT_PORT: port }).has("STOA_CONNECT_PORT"), port);
  }
});

Deno.test("the error message never echoes a secret value", () => {
  const secret = "sup3r-secret-key";
  let message = "";
  try {
    parseConfig({ ...MINIMAL, STOA_GATEWAY_API_KEY: secret, STOA_GATEWAY_TYPE: "nope" }, DEFAULTS);
  } catch (error) {
    message = (error as Error).message;
  }
  assert.match(message, /STOA_GATEWAY_TYPE/);
  assert.ok(!message.includes(secret));
});

Deno.test("credentials in a malformed URL are not echoed", () => {
  const found = problems({ ...MINIMAL, STOA_UI_URL: "ftp://user:hunter22@ui.example.com" });
  assert.ok(!found.get("STOA_UI_URL")!.includes("hunter22"));
});

Deno.test("credential sync variables: defaults, values and the KV mount", () => {
  const defaults = parseConfig(MINIMAL, DEFAULTS);
  assert.equal(defaults.credentialSyncIntervalMs, 60_000);
  assert.equal(defaults.vaultAddr, undefined);
  assert.equal(defaults.vaultKvPath, "stoa");
  assert.equal(credentialSyncEnabled(defaults), false);

  const config = parseConfig({
    ...MINIMAL,
    STOA_TENANT_ID: "acme",
    STOA_CREDENTIAL_SYNC_INTERVAL: "2m",
    VAULT_ADDR: "https://vault.example.com:8200",
    VAULT_ROLE_ID: "role-1",
    VAULT_SECRET_ID: "secret-1",
    VAULT_KV_PATH: "/secret/team-a/",
  }, DEFAULTS);
  assert.equal(config.credentialSyncIntervalMs, 120_000);
  assert.equal(config.vaultAddr?.href, "https://vault.example.com:8200/");
  assert.equal(config.vaultRoleId, "role-1");
  assert.equal(config.vaultSecretId, "secret-1");
  assert.equal(config.vaultKvPath, "secret/team-a");
  assert.equal(credentialSyncEnabled(config), true);
  assert.equal(
    credentialSyncEnabled(parseConfig({ ...MINIMAL, VAULT_ADDR: "http://v:8200" }, DEFAULTS)),
    false,
    "no tenant: no credential sync",
  );
});

Deno.test("Vault problems are named: half an AppRole, no auth, bad mount, bad address", () => {
  const found = problems({
    ...MINIMAL,
    STOA_TENANT_ID: "acme",
    STOA_CREDENTIAL_SYNC_INTERVAL: "0s",
    VAULT_ADDR: "vault:8200",
    VAULT_ROLE_ID: "role-1",
    VAULT_KV_PATH: "../etc",
  });
  assert.deepEqual([...found.keys()], [
    "STOA_CREDENTIAL_SYNC_INTERVAL",
    "VAULT_ADDR",
    "VAULT_SECRET_ID",
    "VAULT_KV_PATH",
  ]);
  assert.match(found.get("VAULT_SECRET_ID")!, /AppRole login needs it with VAULT_ROLE_ID/);
  assert.match(found.get("VAULT_KV_PATH")!, /not a Vault mount path/);

  const noAuth = problems({ ...MINIMAL, STOA_TENANT_ID: "acme", VAULT_ADDR: "http://v:8200" });
  assert.match(
    noAuth.get("VAULT_TOKEN")!,
    /needs VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID/,
  );
  const halfRole = problems({ ...MINIMAL, VAULT_SECRET_ID: "s-1" });
  assert.match(halfRole.get("VAULT_ROLE_ID")!, /not set/);
});
