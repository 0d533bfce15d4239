/**
 * The internal gateway API as a Hono app. Every handler follows the CP's order: FastAPI
 * validation (422), then the key check (503, 401), then the gateway lookup (404), then the effect.
 * Paths the API does not serve get Starlette's answers: 307 to the slash-less path, 405 for a
 * wrong method, 404 otherwise.
 *
 * @module
 */

import { Hono } from "hono";
import type { DeploymentBook } from "./deployment_book.ts";
import { API_PREFIX, methodsAt } from "./endpoints.ts";
import { DETAIL, detailResponse } from "./errors.ts";
import type { EventBus } from "./event_bus.ts";
import { gatewayResponse } from "./gateway_response.ts";
import type { GatewayKeys } from "./gateway_keys.ts";
import type { GatewayRegistry } from "./gateway_registry.ts";
import { type PolicyBook, policyWire } from "./policy_book.ts";
import { type InputSpec, KEY_HEADER, readInput, type ValidInput } from "./request_input.ts";
import {
  discoveryBody,
  heartbeatBody,
  registerBody,
  routeSyncAckBody,
  syncAckBody,
} from "./request_models.ts";
import { MalformedDesiredStateError, routeItems } from "./route_table.ts";
import { EVENT_STREAM_HEADERS, openEventStream, type StreamTimings } from "./sse_stream.ts";
import type { GatewayRecord } from "./records.ts";

/** The state and settings the handlers work on. */
export interface ControlPlaneCore {
  /** Gateway rows. */
  readonly gateways: GatewayRegistry;
  /** Deployment rows. */
  readonly deployments: DeploymentBook;
  /** Policy rows. */
  readonly policies: PolicyBook;
  /** SSE fan-out. */
  readonly bus: EventBus;
  /** `GATEWAY_API_KEYS`. */
  readonly keys: GatewayKeys;
  /** The hypothetical `GATEWAY_ADMIN_KEY` guarding `/routes` (contract §2.3); `null` = open. */
  readonly routesAdminKey: () => string | null;
  /** SSE timings. */
  readonly streamTimings: StreamTimings;
  /** Age after which an offline gateway is purged (`/cleanup`). */
  readonly purgeAfterMs: () => number;
  /** Clock. */
  readonly now: () => Date;
}

/** Builds the Hono app serving the internal gateway API over `core`. */
export function createControlPlaneApp(core: ControlPlaneCore): Hono {
  const app = new Hono();

  app.onError((error) => {
    // A failure here is a bug in the double; say so loudly, answer like the CP's catch-all.
    console.error("CP double handler failed:", error);
    return detailResponse(500, DETAIL.internal);
  });
  app.notFound((c) => routingFallback(c.req.raw));
  app.use("*", async (c, next) => {
    if (!methodsAt(c.req.path).includes(c.req.method)) return routingFallback(c.req.raw);
    await next();
  });

  /** Validation, then keys: the first two steps of every key-checked route. */
  async function admit<B>(
    request: Request,
    spec: InputSpec<B>,
  ): Promise<{ input: ValidInput<B> } | { response: Response }> {
    const read = await readInput(request, spec);
    if (!read.ok) return { response: read.response };
    const denied = core.keys.check(read.input.key ?? "");
    return denied ? { response: denied } : { input: read.input };
  }

  function activeGateway(id: string): GatewayRecord | Response {
    return core.gateways.find(id) ?? detailResponse(404, DETAIL.gatewayNotFound);
  }

  app.post(`${API_PREFIX}/register`, async (c) => {
    const admitted = await admit(c.req.raw, { requireKey: true, body: registerBody });
    if ("response" in admitted) return admitted.response;
    const row = core.gateways.register(admitted.input.body, core.now());
    return c.json(gatewayResponse(row), 201);
  });

  app.post(`${API_PREFIX}/:gateway_id/heartbeat`, async (c) => {
    const admitted = await admit(c.req.raw, {
      rawGatewayId: c.req.param("gateway_id"),
      requireKey: true,
      body: heartbeatBody,
    });
    if ("response" in admitted) return admitted.response;
    const row = activeGateway(admitted.input.gatewayId);
    if (row instanceof Response) return row;
    core.gateways.heartbeat(row, admitted.input.body, core.now());
    return c.body(null, 204);
  });

  app.post(`${API_PREFIX}/:gateway_id/discovery`, async (c) => {
    const admitted = await admit(c.req.raw, {
      rawGatewayId: c.req.param("gateway_id"),
      requireKey: true,
      body: discoveryBody,
    });
    if ("response" in admitted) return admitted.response;
    const row = activeGateway(admitted.input.gatewayId);
    if (row instanceof Response) return row;
    core.gateways.recordDiscovery(row, admitted.input.body, core.now());
    return c.json({ gateway_id: row.id, apis_received: admitted.input.body.apis.length });
  });

  app.get(`${API_PREFIX}/:gateway_id/config`, async (c) => {
    const admitted = await admit<undefined>(c.req.raw, {
      rawGatewayId: c.req.param("gateway_id"),
      requireKey: true,
    });
    if ("response" in admitted) return admitted.response;
    const row = activeGateway(admitted.input.gatewayId);
    if (row instanceof Response) return row;
    return c.json({
      gateway_id: row.id,
      name: row.name,
      environment: row.environment,
      tenant_id: row.tenant_id,
      pending_deployments: core.deployments.forGatewayNewestFirst(row.id).map((d) => ({
        id: d.id,
        api_catalog_id: d.api_catalog_id,
        sync_status: d.sync_status,
        desired_state: d.desired_state,
        sync_attempts: d.sync_attempts,
      })),
      pending_policies: core.policies.selectFor(row.tenant_id).map(policyWire),
    });
  });

  app.post(`${API_PREFIX}/:gateway_id/sync-ack`, async (c) => {
    const admitted = await admit(c.req.raw, {
      rawGatewayId: c.req.param("gateway_id"),
      requireKey: true,
      body: syncAckBody,
    });
    if ("response" in admitted) return admitted.response;
    const row = activeGateway(admitted.input.gatewayId);
    if (row instanceof Response) return row;
    const counts = core.gateways.recordPolicySync(row, admitted.input.body, core.now());
    return c.json({ gateway_id: row.id, ...counts });
  });

  app.get(`${API_PREFIX}/routes`, (c) => {
    // No `GATEWAY_API_KEYS` check here: the header is optional and only compared with the
    // admin key when one is configured (contract §2.3).
    const adminKey = core.routesAdminKey();
    if (adminKey && c.req.header(KEY_HEADER) !== adminKey) {
      return detailResponse(401, DETAIL.invalidKey);
    }
    const gatewayName = new URL(c.req.url).searchParams.getAll("gateway_name").at(-1);
    let deployments = core.deployments.all();
    if (gatewayName) {
      const gateway = core.gateways.findForRoutes(gatewayName);
      deployments = gateway ? deployments.filter((d) => d.gateway_instance_id === gateway.id) : [];
    }
    try {
      return c.json(routeItems(deployments));
    } catch (error) {
      if (error instanceof MalformedDesiredStateError) return detailResponse(500, DETAIL.internal);
      throw error;
    }
  });

  app.post(`${API_PREFIX}/:gateway_id/route-sync-ack`, async (c) => {
    const admitted = await admit(c.req.raw, {
      rawGatewayId: c.req.param("gateway_id"),
      requireKey: true,
      body: routeSyncAckBody,
    });
    if ("response" in admitted) return admitted.response;
    // No gateway lookup, hence no 404: only deployment ownership is checked.
    const { gatewayId, body } = admitted.input;
    return c.json(core.deployments.acknowledge(gatewayId, body.synced_routes, core.now()));
  });

  app.get(`${API_PREFIX}/:gateway_id/events`, async (c) => {
    const admitted = await admit<undefined>(c.req.raw, {
      rawGatewayId: c.req.param("gateway_id"),
      requireKey: true,
    });
    if ("response" in admitted) return admitted.response;
    const row = activeGateway(admitted.input.gatewayId);
    if (row instanceof Response) return row;
    const stream = openEventStream(core.bus, row.id, core.streamTimings);
    return new Response(stream, { status: 200, headers: EVENT_STREAM_HEADERS });
  });

  app.post(`${API_PREFIX}/cleanup`, async (c) => {
    const admitted = await admit<undefined>(c.req.raw, { requireKey: true });
    if ("response" in admitted) return admitted.response;
    const purged = core.gateways.purgeOffline({
      olderThanMs: core.purgeAfterMs(),
      now: core.now(),
      deletedBy: "system:manual-cleanup",
    });
    return c.json({ purged_count: purged.length, purged_instances: purged.map((row) => row.name) });
  });

  return app;
}

/** Starlette's answer for a request no route serves. */
function routingFallback(request: Request): Response {
  const url = new URL(request.url);
  if (url.pathname.endsWith("/") && url.pathname !== "/") {
    const slashless = url.pathname.replace(/\/+$/, "");
    if (methodsAt(slashless).length > 0) {
      url.pathname = slashless;
      return new Response(null, { status: 307, headers: { location: url.toString() } });
    }
  }
  const allowed = methodsAt(url.pathname);
  if (allowed.length > 0) {
    return detailResponse(405, DETAIL.methodNotAllowed, { allow: allowed.join(", ") });
  }
  return detailResponse(404, DETAIL.notFound);
}
