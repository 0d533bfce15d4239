/**
 * The gateway drivers compiled into this build, by type. Adding a gateway is one folder under
 * `src/gateways/` plus one line here.
 *
 * @module
 */

import type { GatewayType } from "./adapter.ts";
import { createKongAdapter, detectKong } from "./kong/kong_adapter.ts";
import type { AdapterSettings, GatewayDriver } from "./resolve.ts";

function kongOptions(settings: AdapterSettings) {
  return {
    adminUrl: settings.adminUrl,
    token: settings.token,
    workspace: settings.kongWorkspace,
    timeoutMs: settings.timeoutMs,
    fetch: settings.fetch,
  };
}

/** Kong Gateway (Admin API, OSS and Enterprise). */
export const KONG_DRIVER: GatewayDriver = {
  type: "kong",
  detect: (settings, options) => detectKong({ ...kongOptions(settings), signal: options?.signal }),
  create: (settings) => createKongAdapter(kongOptions(settings)),
};

/** Every driver of this build. */
export const DRIVERS: Readonly<Partial<Record<GatewayType, GatewayDriver>>> = {
  kong: KONG_DRIVER,
};
