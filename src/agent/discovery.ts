/**
 * Discovery (contract §5): find the gateway (once), list its APIs, keep the list for `/health` and
 * heartbeats, and report it to the Control Plane.
 *
 * @module
 */

import type { ControlPlaneClient } from "../control_plane/client.ts";
import type { DiscoveredApiPayload } from "../control_plane/schemas.ts";
import type { DiscoveredApi, GatewayAdapter } from "../gateways/adapter.ts";
import { log } from "../observability/logger.ts";
import type { AgentMetrics } from "../observability/metrics.ts";
import type { AgentState } from "./state.ts";

/** What one discovery run produced (also the answer of `POST /discover`). */
export interface DiscoveryResult {
  /** Gateway product. */
  readonly gateway_type: string;
  /** Gateway version. */
  readonly gateway_version: string;
  /** APIs found. */
  readonly apis: readonly DiscoveredApi[];
  /** Whether the Control Plane received the list (false while unregistered or on failure). */
  readonly reported: boolean;
  /** Why the report was not delivered, if it was not. */
  readonly report_error?: string;
  /** Duration of the gateway calls. */
  readonly duration_ms: number;
}

/** Dependencies of {@linkcode createDiscoveryRun}. */
export interface DiscoveryDeps {
  readonly client: ControlPlaneClient;
  readonly state: AgentState;
  readonly metrics: AgentMetrics;
  /** Returns the adapter, resolving (and probing) the gateway on first use. */
  readonly adapter: (signal: AbortSignal) => Promise<GatewayAdapter>;
}

/** `url` without user and password: the inventory must never carry backend credentials. */
export function withoutCredentials(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (parsed.username === "" && parsed.password === "") return url;
  parsed.username = "";
  parsed.password = "";
  return parsed.toString();
}

/** The payload the Control Plane expects for one API: every field set, plain arrays. */
export function toPayload(api: DiscoveredApi): DiscoveredApiPayload {
  return {
    name: api.name,
    version: api.version,
    backend_url: withoutCredentials(api.backend_url),
    paths: [...api.paths],
    methods: [...api.methods],
    policies: [...api.policies],
    is_active: api.is_active,
  };
}

/**
 * A discovery function for the loop and `POST /discover`. Throws when the gateway cannot be
 * discovered; a report that could not be delivered is part of the result (`reported: false`).
 */
export function createDiscovery(
  deps: DiscoveryDeps,
): (signal: AbortSignal) => Promise<DiscoveryResult> {
  const logger = log("discovery");
  return async (signal) => {
    const started = performance.now();
    let apis: DiscoveredApi[];
    let adapter: GatewayAdapter;
    try {
      adapter = await deps.adapter(signal);
      // Backend credentials never leave the agent: not in state, /discover or the report.
      apis = (await adapter.discover({ signal })).map((api) => ({
        ...api,
        backend_url: withoutCredentials(api.backend_url),
      }));
    } catch (error) {
      if (signal.aborted) throw error;
      deps.metrics.discoveryRuns.inc({ outcome: "failure" });
      deps.metrics.discoveryErrors.inc();
      deps.metrics.gatewayUp.set(0);
      deps.state.gatewayFailed(error instanceof Error ? error.message : String(error));
      throw error;
    }
    const seconds = (performance.now() - started) / 1000;
    deps.metrics.discoveryDuration.observe(seconds);
    deps.metrics.discoveryRuns.inc({ outcome: "success" });
    deps.metrics.discoveredApis.set(apis.length);
    deps.metrics.gatewayUp.set(1);
    deps.state.gatewayReached();
    deps.state.discovered(apis);
    logger.info("discovered {count} APIs on the gateway in {ms} ms", {
      count: apis.length,
      ms: Math.round(seconds * 1000),
    });

    const info = deps.state.gateway.info;
    const result = {
      gateway_type: adapter.type,
      gateway_version: info?.version ?? "unknown",
      apis,
      duration_ms: Math.round(seconds * 1000),
    };
    const gatewayId = deps.state.gatewayId;
    if (gatewayId === undefined) {
      logger.debug("not registered yet: the discovery report waits for registration");
      return { ...result, reported: false, report_error: "not registered with the Control Plane" };
    }
    try {
      await deps.client.reportDiscovery(gatewayId, apis.map(toPayload), { signal });
    } catch (error) {
      if (signal.aborted) throw error;
      const message = error instanceof Error ? error.message : String(error);
      deps.state.controlPlaneFailed(message);
      logger.warn("the discovery report was not delivered: {error}", { error: message });
      return { ...result, reported: false, report_error: message };
    }
    deps.state.discoveryReported();
    deps.state.controlPlaneOk();
    return { ...result, reported: true };
  };
}
