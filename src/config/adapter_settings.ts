/**
 * The gateway connection settings a configuration implies, shared by the agent and
 * `stoactl connect doctor` so both reach the gateway the same way.
 *
 * @module
 */

import type { AdapterSettings } from "../gateways/resolve.ts";
import type { Config } from "./config.ts";

/** Adapter settings from the configuration (`fetch` for tests). */
export function adapterSettings(
  config: Config,
  fetchImplementation?: typeof fetch,
): AdapterSettings {
  return {
    adminUrl: config.gatewayAdminUrl,
    token: config.gatewayAdminToken,
    user: config.gatewayAdminUser,
    password: config.gatewayAdminPassword,
    kongWorkspace: config.kongWorkspace,
    graviteeOrganization: config.graviteeOrganization,
    graviteeEnvironment: config.graviteeEnvironment,
    fetch: fetchImplementation,
  };
}
