/**
 * Doctor checks of the gateway admin API, with the agent's own adapter resolution and discovery:
 * reachable, credentials accepted, type and version, and how many APIs discovery finds (the
 * guide's "0 APIs discovered").
 *
 * @module
 */

import { adapterSettings } from "../config/adapter_settings.ts";
import type { Config } from "../config/config.ts";
import { GATEWAY_TYPES, type GatewayInfo, type GatewayType } from "../gateways/adapter.ts";
import { DRIVERS } from "../gateways/drivers.ts";
import { resolveGateway } from "../gateways/resolve.ts";
import { displayUrl } from "../http/url.ts";
import { check, type CheckResult, DOCTOR_CHECKS, skipped } from "./doctor_check.ts";
import { plural } from "./format.ts";
import { explainGatewayFailure } from "./gateway_failure.ts";

const {
  gatewayReachable: REACHABLE,
  gatewayCredentials: CREDENTIALS,
  gatewayType: TYPE,
  gatewayDiscovery: DISCOVERY,
} = DOCTOR_CHECKS;

function describe(info: GatewayInfo, configured: GatewayType | "auto"): string {
  const mode = info.dbless === undefined ? undefined : info.dbless ? "DB-less" : "with database";
  const product = [info.type, info.version, info.edition, mode].filter(Boolean).join(" ");
  return configured === "auto"
    ? `${product} (detected)`
    : `${product} (STOA_GATEWAY_TYPE=${configured})`;
}

/** The four gateway checks. */
export async function checkGateway(config: Config): Promise<CheckResult[]> {
  const where = displayUrl(config.gatewayAdminUrl);
  const type = config.gatewayType;
  if (type !== "auto" && !DRIVERS[type]) {
    const supported = ["auto", ...GATEWAY_TYPES.filter((t) => DRIVERS[t])].join(", ");
    return [
      skipped(REACHABLE, `STOA_GATEWAY_TYPE=${type} cannot be used by this build`),
      skipped(CREDENTIALS, "the gateway type is not supported"),
      check(
        TYPE,
        "fail",
        `STOA_GATEWAY_TYPE=${type} is not supported by this build of stoa-connect (supported: ${supported})`,
        `set STOA_GATEWAY_TYPE to one of ${supported}, or install a release that supports ${type}`,
      ),
      skipped(DISCOVERY, "the gateway type is not supported"),
    ];
  }

  let info: GatewayInfo | undefined;
  try {
    const resolved = await resolveGateway({
      type,
      drivers: DRIVERS,
      settings: adapterSettings(config),
    });
    info = resolved.info;
    const apis = await resolved.adapter.discover();
    const credentials = config.gatewayAdminToken || config.gatewayAdminUser
      ? "accepted"
      : "none configured, none required";
    const routes = apis.reduce((n, api) => n + api.paths.length, 0);
    return [
      check(REACHABLE, "pass", `${where} answered`),
      check(CREDENTIALS, "pass", credentials),
      check(TYPE, "pass", describe(info, type)),
      apis.length > 0
        ? check(DISCOVERY, "pass", `${plural(apis.length, "API")}, ${plural(routes, "path")}`)
        : check(
          DISCOVERY,
          "warn",
          "0 APIs discovered: the admin API lists no services",
          "check that STOA_GATEWAY_ADMIN_URL is the gateway your APIs live on and, on Kong Enterprise, STOA_KONG_WORKSPACE",
        ),
    ];
  } catch (error) {
    const failed = explainGatewayFailure(error, config.gatewayAdminUrl);
    const typeResult = info
      ? check(TYPE, "pass", describe(info, type))
      : skipped(TYPE, "the gateway could not be identified");
    switch (failed.kind) {
      case "unreachable":
        return [
          check(
            REACHABLE,
            "fail",
            failed.message,
            "check STOA_GATEWAY_ADMIN_URL: the admin API (Kong: admin_listen, port 8001), reachable from this host",
          ),
          skipped(CREDENTIALS, "the admin API did not answer"),
          skipped(TYPE, "the admin API did not answer"),
          skipped(DISCOVERY, "the admin API did not answer"),
        ];
      case "refused":
        return [
          check(REACHABLE, "pass", `${where} answered`),
          check(
            CREDENTIALS,
            "fail",
            failed.message,
            "set STOA_GATEWAY_ADMIN_TOKEN (or _FILE) to a token the admin API accepts; Kong Enterprise: an RBAC user token with read access",
          ),
          typeResult,
          skipped(DISCOVERY, "the credentials were refused"),
        ];
      case "unrecognised":
        return [
          check(REACHABLE, "pass", `${where} answered`),
          skipped(CREDENTIALS, "the gateway could not be identified"),
          check(
            TYPE,
            "fail",
            failed.message,
            "point STOA_GATEWAY_ADMIN_URL at the gateway's admin API, or set STOA_GATEWAY_TYPE",
          ),
          skipped(DISCOVERY, "the gateway could not be identified"),
        ];
      case "failed":
        return [
          check(REACHABLE, "pass", `${where} answered`),
          skipped(CREDENTIALS, "the gateway failed before credentials could be judged"),
          typeResult,
          check(
            DISCOVERY,
            "fail",
            failed.message,
            "look at the gateway's error log, then run doctor again",
          ),
        ];
    }
  }
}
