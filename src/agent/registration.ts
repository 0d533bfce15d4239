/**
 * Registration with the Control Plane (contract §3): built from the configuration, retried until it
 * succeeds, repeated when the Control Plane forgot us or when the gateway type became known.
 *
 * @module
 */

import type { Config } from "../config/config.ts";
import type { ControlPlaneClient } from "../control_plane/client.ts";
import { ControlPlaneError } from "../control_plane/errors.ts";
import type { RegisterRequest } from "../control_plane/schemas.ts";
import type { GatewayType } from "../gateways/adapter.ts";
import { log } from "../observability/logger.ts";
import type { AgentMetrics } from "../observability/metrics.ts";
import { VERSION } from "../version.ts";
import type { RunResult } from "./scheduler.ts";
import type { AgentState } from "./state.ts";

/** What every agent does, announced at registration whatever the gateway. */
export const CAPABILITIES: readonly string[] = ["health_monitoring", "api_discovery"];

/** What the agent announces when its gateway adapter can sync. */
export const SYNC_CAPABILITIES: readonly string[] = ["policy_sync", "route_sync"];

/** What the agent announces when, in addition, credential sync is configured. */
export const CREDENTIAL_CAPABILITY = "credential_sync";

/**
 * What the agent really does: sync capabilities only when the adapter can sync (a discovery-only
 * adapter never claims them), credential sync only when Vault and a tenant are configured.
 */
export function capabilitiesFor(
  options: { readonly canSync: boolean; readonly credentialSync: boolean },
): string[] {
  if (!options.canSync) return [...CAPABILITIES];
  return [
    ...CAPABILITIES,
    ...SYNC_CAPABILITIES,
    ...(options.credentialSync ? [CREDENTIAL_CAPABILITY] : []),
  ];
}

/** The registration body for this configuration and, once known, gateway type and capabilities. */
export function registerRequest(
  config: Config,
  gatewayType?: GatewayType,
  capabilities: readonly string[] = CAPABILITIES,
): RegisterRequest {
  const request: RegisterRequest = {
    hostname: config.instanceName,
    mode: "connect",
    version: VERSION,
    // The agent's own server, as the Go agent and the Console expect (contract §3.1).
    admin_url: `http://${config.instanceName}:${config.connectPort}`,
    environment: config.environment,
    capabilities: [...capabilities],
    deployment_mode: "connect",
    topology: "remote-agent",
  };
  if (config.tenantId) request.tenant_id = config.tenantId;
  if (config.targetGatewayUrl) request.target_gateway_url = config.targetGatewayUrl;
  if (config.publicUrl) request.public_url = config.publicUrl;
  if (config.uiUrl) request.ui_url = config.uiUrl;
  if (gatewayType) request.target_gateway_type = gatewayType;
  return request;
}

/** Dependencies of {@linkcode createRegistrationRun}. */
export interface RegistrationDeps {
  readonly config: Config;
  readonly client: ControlPlaneClient;
  readonly state: AgentState;
  readonly metrics: AgentMetrics;
  /** Called after each successful registration (e.g. to send a heartbeat and the discovery). */
  readonly onRegistered?: () => void;
  /** What to announce (default {@linkcode CAPABILITIES}); read at each registration. */
  readonly capabilities?: () => readonly string[];
}

/**
 * The registration loop's run: registers when unregistered, or when the gateway type became known
 * after an earlier registration without it; otherwise idles until triggered.
 */
export function createRegistrationRun(
  deps: RegistrationDeps,
): (signal: AbortSignal) => Promise<RunResult> {
  const logger = log("registration");
  let registeredType: GatewayType | undefined;
  return async (signal) => {
    const knownType = deps.state.gateway.info?.type;
    if (
      deps.state.gatewayId !== undefined &&
      (knownType === undefined || knownType === registeredType)
    ) {
      return { idle: true };
    }
    try {
      const request = registerRequest(deps.config, knownType, deps.capabilities?.());
      const gateway = await deps.client.register(request, { signal });
      const previous = deps.state.gatewayId;
      deps.state.registered(gateway.id, gateway.name);
      registeredType = knownType;
      deps.metrics.registrations.inc({ outcome: "success" });
      deps.metrics.registered.set(1);
      if (previous === undefined) {
        logger.info("registered with the Control Plane as {name} (gateway id {gateway})", {
          gateway: gateway.id,
          name: gateway.name ?? deps.config.instanceName,
        });
      } else {
        logger.info("registration refreshed with gateway type {type}", { type: knownType });
      }
      deps.onRegistered?.();
      return { idle: true };
    } catch (error) {
      if (signal.aborted) throw error;
      deps.metrics.registrations.inc({ outcome: "failure" });
      deps.state.controlPlaneFailed(error instanceof Error ? error.message : String(error), {
        unauthorized: error instanceof ControlPlaneError && error.unauthorized,
      });
      throw error;
    }
  };
}
