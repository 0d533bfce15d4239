/**
 * Is a webMethods API Gateway behind the admin URL, and which version?
 *
 * Two health endpoints tell: `GET /rest/apigateway/health/engine` (a valid user is required) answers
 * `{"status": "green|yellow|red", "is": …, "elasticsearch": …, "terracotta": …}`, a shape nothing
 * else has; `GET /rest/apigateway/health` needs no authentication and answers 200 with no data.
 * When the first refuses the credentials and the second answers, this is webMethods refusing the
 * user, which detection reports instead of moving on. The version comes from
 * `GET /rest/apigateway/is/serverinfo` (licence details), `"unknown"` when it cannot be read.
 *
 * @module
 */

import type { GatewayInfo } from "../adapter.ts";
import { GatewayHttpError } from "../admin_http.ts";
import type { WebMethodsClient } from "./webmethods_client.ts";
import { EngineHealthSchema } from "./webmethods_types.ts";

/** Health of the policy enforcement engine (a valid user is required). */
export const ENGINE_HEALTH_PATH = "health/engine";
/** Liveness, without authentication. */
export const HEALTH_PATH = "health";
/** Product and licence information. */
export const SERVER_INFO_PATH = "is/serverinfo";

/**
 * The gateway's info when `client` reaches a webMethods API Gateway, `null` when something else
 * answers. Throws when nothing answers, and when webMethods refuses the credentials.
 */
export async function identifyWebMethods(
  client: WebMethodsClient,
  signal?: AbortSignal,
): Promise<GatewayInfo | null> {
  const engine = await client.send("GET", ENGINE_HEALTH_PATH, { signal });
  if (engine.status === 200) {
    return isEngineHealth(engine.body) ? await withVersion(client, signal) : null;
  }
  if (engine.status !== 401 && engine.status !== 403 && engine.status !== 404) return null;
  // The unauthenticated health endpoint tells webMethods apart from any other server that
  // refuses or lacks /health/engine.
  const health = await client.send("GET", HEALTH_PATH, { signal });
  if (health.status !== 200 || !isPlainHealth(health.body)) return null;
  if (engine.status === 404) return await withVersion(client, signal);
  throw client.statusError("GET", ENGINE_HEALTH_PATH, engine);
}

/**
 * Like {@linkcode identifyWebMethods}, but a gateway that is not webMethods is an error that names
 * the settings to check.
 */
export async function probeWebMethods(
  client: WebMethodsClient,
  signal?: AbortSignal,
): Promise<GatewayInfo> {
  const info = await identifyWebMethods(client, signal);
  if (!info) {
    throw new GatewayHttpError(
      `${
        client.describe("GET", ENGINE_HEALTH_PATH)
      } did not answer like webMethods API Gateway: check that STOA_GATEWAY_ADMIN_URL is the Integration Server URL (usually http://<host>:5555) and STOA_GATEWAY_TYPE`,
      {},
    );
  }
  return info;
}

function isEngineHealth(body: unknown): boolean {
  const parsed = EngineHealthSchema.safeParse(body);
  return parsed.success &&
    (parsed.data.is !== undefined || parsed.data.elasticsearch !== undefined ||
      parsed.data.terracotta !== undefined);
}

/** The unauthenticated health answer: no data, or a JSON object with a `status`. */
function isPlainHealth(body: unknown): boolean {
  if (body === undefined) return true;
  return body !== null && typeof body === "object" && !Array.isArray(body) &&
    typeof (body as Record<string, unknown>).status === "string";
}

async function withVersion(client: WebMethodsClient, signal?: AbortSignal): Promise<GatewayInfo> {
  let version = "unknown";
  try {
    const answer = await client.send("GET", SERVER_INFO_PATH, { signal });
    if (answer.status === 200) version = serverVersion(answer.body) ?? version;
  } catch (error) {
    if (signal?.aborted) throw error;
    // The version is informative only: a gateway that answered its health check is usable.
  }
  return { type: "webmethods", version };
}

/**
 * The product version in a `GET /is/serverinfo` answer: the `Product Version` of the licence entry
 * whose product name mentions API Gateway, else of the first entry with one.
 */
export function serverVersion(body: unknown): string | undefined {
  const details = (body as { LicenseDetails?: unknown } | null)?.LicenseDetails;
  if (!Array.isArray(details)) return undefined;
  const products = details.map((entry) =>
    (entry as { productInformation?: Record<string, unknown> } | null)?.productInformation
  ).filter((info): info is Record<string, unknown> =>
    info !== null && typeof info === "object" && typeof info["Product Version"] === "string" &&
    /\d/.test(info["Product Version"] as string)
  );
  const gateway = products.find((info) => /api\s*gateway/i.test(String(info["Product Name"])));
  const chosen = gateway ?? products[0];
  return chosen ? String(chosen["Product Version"]) : undefined;
}
