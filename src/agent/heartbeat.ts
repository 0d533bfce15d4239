/**
 * Heartbeats (contract §4): liveness for the Console, and the way the agent learns that the
 * Control Plane forgot it — three 404 answers in a row make it register again.
 *
 * @module
 */

import type { ControlPlaneClient } from "../control_plane/client.ts";
import { ControlPlaneError } from "../control_plane/errors.ts";
import { log } from "../observability/logger.ts";
import type { AgentMetrics } from "../observability/metrics.ts";
import type { RunResult } from "./scheduler.ts";
import type { AgentState } from "./state.ts";

/** Consecutive 404 answers after which the agent registers again (ADR-057). */
export const REREGISTER_AFTER_NOT_FOUND = 3;

/** Dependencies of {@linkcode createHeartbeatRun}. */
export interface HeartbeatDeps {
  readonly client: ControlPlaneClient;
  readonly state: AgentState;
  readonly metrics: AgentMetrics;
  /** Starts a new registration (called after the third 404 in a row). */
  readonly reregister: () => void;
}

/** The heartbeat loop's run; does nothing while unregistered (registration is retrying). */
export function createHeartbeatRun(
  deps: HeartbeatDeps,
): (signal: AbortSignal) => Promise<RunResult | void> {
  const logger = log("heartbeat");
  return async (signal) => {
    const gatewayId = deps.state.gatewayId;
    if (gatewayId === undefined) return;
    try {
      await deps.client.heartbeat(gatewayId, {
        uptime_seconds: deps.state.uptimeSeconds(),
        routes_count: deps.state.routesCount(),
        policies_count: 0,
        discovered_apis: deps.state.discovery.apis.length,
      }, { signal });
    } catch (error) {
      if (signal.aborted) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof ControlPlaneError && error.notFound) {
        deps.metrics.heartbeatsFailed.inc({ reason: "not_found" });
        const count = deps.state.heartbeatNotFound(message);
        logger.warn(
          "heartbeat answered 404 ({count}/{threshold}): the Control Plane does not know gateway {gateway}",
          { count, threshold: REREGISTER_AFTER_NOT_FOUND, gateway: gatewayId },
        );
        if (count >= REREGISTER_AFTER_NOT_FOUND) {
          logger.warn("the Control Plane forgot this gateway; registering again");
          deps.state.unregistered();
          deps.metrics.registered.set(0);
          deps.reregister();
          return;
        }
      } else {
        const unauthorized = error instanceof ControlPlaneError && error.unauthorized;
        deps.metrics.heartbeatsFailed.inc({ reason: unauthorized ? "unauthorized" : "error" });
        deps.state.controlPlaneFailed(message, { unauthorized });
      }
      throw error;
    }
    deps.state.heartbeatAccepted();
    deps.metrics.heartbeatsSent.inc();
    logger.debug("heartbeat accepted");
  };
}
