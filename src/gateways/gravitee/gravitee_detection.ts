/**
 * Is this admin URL a Gravitee APIM Management API (v2, APIM 4.x)? Detection asks for the
 * configured organisation (`GET /management/v2/organizations/{orgId}`): Gravitee answers with the
 * organisation, anything else with a 404 or a body of another shape. The probe also checks the
 * environment and reads the licence tier as the edition. The Management API does not report the
 * product version, so `version` is `"unknown"`.
 *
 * @module
 */

import { z } from "zod";
import type { CallOptions, GatewayInfo } from "../adapter.ts";
import { GatewayHttpError } from "../admin_http.ts";
import type { GraviteeClient } from "./gravitee_client.ts";
import { graviteeStatusError, isGraviteeRefusal } from "./gravitee_errors.ts";
import { GraviteeOrganizationSchema } from "./gravitee_types.ts";

const LicenseSchema = z.looseObject({ tier: z.string().optional() });

/**
 * Gravitee's info when the organisation answers like Gravitee, `null` when something else
 * answers. Throws when nothing answers, and when Gravitee itself refuses the credentials
 * (detection cannot go on: the credentials must change).
 */
export async function detectWith(
  client: GraviteeClient,
  options: CallOptions = {},
): Promise<GatewayInfo | null> {
  const path = client.organizationPath();
  const response = await client.send("GET", path, { signal: options.signal });
  if (isGraviteeRefusal(response.status, response.body)) {
    throw graviteeStatusError({
      call: client.describe("GET", path),
      status: response.status,
      body: response.body,
      context: client.context,
    });
  }
  if (response.status !== 200 || !GraviteeOrganizationSchema.safeParse(response.body).success) {
    return null;
  }
  return { type: "gravitee", version: "unknown" };
}

/**
 * Checks that the Management API, the organisation and the environment answer, and reads the
 * licence tier (`oss` when there is none). Throws an error naming the setting to fix.
 */
export async function probeWith(
  client: GraviteeClient,
  options: CallOptions = {},
): Promise<GatewayInfo> {
  const info = await detectWith(client, options);
  if (!info) {
    const path = client.organizationPath();
    throw new GatewayHttpError(
      `${
        client.describe("GET", path)
      } did not answer like the Gravitee Management API v2: check that STOA_GATEWAY_ADMIN_URL is the Management API of APIM 4.x (usually port 8083), STOA_GRAVITEE_ORGANIZATION ('${client.context.organization}') and STOA_GATEWAY_TYPE`,
      {},
    );
  }
  await client.call("GET", client.v2(""), { signal: options.signal });
  const license = await client.send("GET", `${client.organizationPath()}/license`, {
    signal: options.signal,
  });
  const tier = license.status === 200
    ? LicenseSchema.safeParse(license.body).data?.tier
    : undefined;
  return { ...info, edition: tier || "oss" };
}
