/**
 * What the agent says about itself: `/health` (the guide's fields, `ok` or `degraded` with
 * reasons), `/readyz` (can it do its job?) and `/status` (every component in detail).
 *
 * @module
 */

import type { Config } from "../config/config.ts";
import { displayUrl } from "../http/url.ts";
import { redactValue } from "../observability/redact.ts";
import { VERSION } from "../version.ts";
import type { LoopStatus } from "./scheduler.ts";
import type { AgentState } from "./state.ts";

/** Body of `GET /health`. */
export interface HealthReport {
  /** `ok`, or `degraded` when something needs attention. */
  readonly status: "ok" | "degraded";
  /** Agent version. */
  readonly version: string;
  /** Gateway id, or `unregistered`. */
  readonly gateway_id: string;
  /** APIs found by the last discovery. */
  readonly discovered_apis: number;
  /** Why the agent is degraded (present only when it is). */
  readonly reasons?: readonly string[];
}

/** Body of `GET /readyz`. */
export interface ReadinessReport {
  /** `ready` or `not_ready`. */
  readonly status: "ready" | "not_ready";
  /** Why the agent is not ready. */
  readonly reasons: readonly string[];
}

/** Inputs of the reports. */
export interface HealthInputs {
  readonly config: Config;
  readonly state: AgentState;
  readonly loops: readonly LoopStatus[];
  /** The `sync` section of `/status`, when the agent syncs. */
  readonly sync?: Record<string, unknown>;
}

/** Loops whose failure degrades `/health` once the agent is registered. */
const SYNC_LOOPS: Readonly<Record<string, string>> = {
  "policy-sync": "policy sync",
  "route-sync": "route sync",
  "credential-sync": "credential sync",
};

function loop(inputs: HealthInputs, name: string): LoopStatus | undefined {
  return inputs.loops.find((l) => l.name === name);
}

function notReadyReasons(inputs: HealthInputs): string[] {
  const reasons: string[] = [];
  const { state } = inputs;
  if (state.gatewayId === undefined) {
    const why = state.controlPlane.lastError ? `: ${state.controlPlane.lastError}` : "";
    reasons.push(`not registered with the Control Plane${why}`);
  } else if (state.controlPlane.keyRejected) {
    // Registered earlier, but every call now fails: the agent cannot do its job.
    reasons.push(
      "the Control Plane rejects STOA_GATEWAY_API_KEY (401): it is invalid or expired; ask your STOA administrator for a valid gateway key",
    );
  }
  if (!state.gateway.reachable) {
    reasons.push(
      state.gateway.lastError
        ? `gateway unreachable: ${state.gateway.lastError}`
        : "gateway not reached yet",
    );
  }
  return reasons;
}

/** The `/readyz` answer: ready when registered and the gateway answers. */
export function readiness(inputs: HealthInputs): ReadinessReport {
  const reasons = redactValue(notReadyReasons(inputs));
  return { status: reasons.length === 0 ? "ready" : "not_ready", reasons };
}

/** The `/health` answer. */
export function health(inputs: HealthInputs): HealthReport {
  const reasons = notReadyReasons(inputs);
  const heartbeat = loop(inputs, "heartbeat");
  if (inputs.state.gatewayId !== undefined && heartbeat?.last_outcome === "error") {
    reasons.push(`heartbeats failing: ${heartbeat.last_error}`);
  }
  const discovery = loop(inputs, "discovery");
  if (inputs.state.gateway.reachable && discovery?.last_outcome === "error") {
    reasons.push(`discovery failing: ${discovery.last_error}`);
  }
  if (inputs.state.gatewayId !== undefined) {
    for (const [name, what] of Object.entries(SYNC_LOOPS)) {
      const status = loop(inputs, name);
      if (status?.last_outcome === "error") reasons.push(`${what} failing: ${status.last_error}`);
    }
  }
  const report: HealthReport = {
    status: reasons.length === 0 ? "ok" : "degraded",
    version: VERSION,
    gateway_id: inputs.state.gatewayId ?? "unregistered",
    discovered_apis: inputs.state.discovery.apis.length,
  };
  return reasons.length === 0 ? report : { ...report, reasons: redactValue(reasons) };
}

/** The `/status` answer: every component, secrets redacted. */
export function statusReport(inputs: HealthInputs): Record<string, unknown> {
  const { config, state } = inputs;
  const cp = state.controlPlane;
  const gw = state.gateway;
  return redactValue({
    version: VERSION,
    instance_name: config.instanceName,
    environment: config.environment,
    uptime_seconds: state.uptimeSeconds(),
    health: health(inputs),
    readiness: readiness(inputs),
    control_plane: {
      url: displayUrl(config.controlPlaneUrl),
      registered: cp.gatewayId !== undefined,
      gateway_id: cp.gatewayId ?? null,
      gateway_name: cp.gatewayName ?? null,
      registered_at: cp.registeredAt ?? null,
      last_heartbeat_at: cp.lastHeartbeatAt ?? null,
      consecutive_heartbeat_404: cp.heartbeatNotFound,
      last_error: cp.lastError ?? null,
      last_error_at: cp.lastErrorAt ?? null,
    },
    gateway: {
      configured_type: config.gatewayType,
      type: gw.info?.type ?? null,
      version: gw.info?.version ?? null,
      edition: gw.info?.edition ?? null,
      dbless: gw.info?.dbless ?? null,
      admin_url: displayUrl(config.gatewayAdminUrl),
      reachable: gw.reachable,
      last_error: gw.lastError ?? null,
      last_error_at: gw.lastErrorAt ?? null,
    },
    discovery: {
      apis: state.discovery.apis.length,
      routes: state.routesCount(),
      at: state.discovery.at ?? null,
      reported: state.discovery.reported,
    },
    ...(inputs.sync === undefined ? {} : { sync: inputs.sync }),
    loops: Object.fromEntries(inputs.loops.map((l) => [l.name, l])),
  });
}
