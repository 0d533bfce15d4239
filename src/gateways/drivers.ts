/**
 * The gateway drivers compiled into this build, by type. Adding a gateway is one folder under
 * `src/gateways/` plus one driver here.
 *
 * @module
 */

import type { GatewayType } from "./adapter.ts";
import type { AdapterSettings, GatewayDriver } from "./resolve.ts";

/**
 * Loads a module once, on first use: an agent drives one gateway, so the other adapters' code and
 * schemas never take memory (literal specifiers, so `deno compile` still embeds them).
 */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => loading ??= load();
}

const kong = once(() => import("./kong/kong_adapter.ts"));
const gravitee = once(() => import("./gravitee/gravitee_adapter.ts"));
const webMethods = once(() => import("./webmethods/webmethods_adapter.ts"));

function kongOptions(settings: AdapterSettings) {
  return {
    adminUrl: settings.adminUrl,
    token: settings.token,
    workspace: settings.kongWorkspace,
    timeoutMs: settings.timeoutMs,
    fetch: settings.fetch,
  };
}

function graviteeOptions(settings: AdapterSettings) {
  return {
    adminUrl: settings.adminUrl,
    token: settings.token,
    user: settings.user,
    password: settings.password,
    organization: settings.graviteeOrganization,
    environment: settings.graviteeEnvironment,
    timeoutMs: settings.timeoutMs,
    fetch: settings.fetch,
  };
}

function webMethodsOptions(settings: AdapterSettings) {
  return {
    adminUrl: settings.adminUrl,
    user: settings.user,
    password: settings.password,
    timeoutMs: settings.timeoutMs,
    fetch: settings.fetch,
  };
}

/** Kong Gateway (Admin API, OSS and Enterprise, database and DB-less). */
export const KONG_DRIVER: GatewayDriver = {
  type: "kong",
  detect: async (settings, options) =>
    (await kong()).detectKong({ ...kongOptions(settings), signal: options?.signal }),
  create: async (settings) => (await kong()).createKongAdapter(kongOptions(settings)),
};

/** Gravitee APIM 4.x (Management API v2). */
export const GRAVITEE_DRIVER: GatewayDriver = {
  type: "gravitee",
  detect: async (settings, options) =>
    (await gravitee()).detectGravitee({ ...graviteeOptions(settings), signal: options?.signal }),
  create: async (settings) => (await gravitee()).createGraviteeAdapter(graviteeOptions(settings)),
};

/** webMethods API Gateway 10.15 and 11.x (REST API under /rest/apigateway). */
export const WEBMETHODS_DRIVER: GatewayDriver = {
  type: "webmethods",
  detect: async (settings, options) =>
    (await webMethods()).detectWebMethods({
      ...webMethodsOptions(settings),
      signal: options?.signal,
    }),
  create: async (settings) =>
    (await webMethods()).createWebMethodsAdapter(webMethodsOptions(settings)),
};

/** Every driver of this build. */
export const DRIVERS: Readonly<Partial<Record<GatewayType, GatewayDriver>>> = {
  kong: KONG_DRIVER,
  gravitee: GRAVITEE_DRIVER,
  webmethods: WEBMETHODS_DRIVER,
};
