/**
 * How the CP names and classifies a registering gateway (contract §3.2): the derived instance
 * name, mode normalisation, `gateway_type`, the topology triple (`deployment_mode`, `topology`,
 * `target_gateway_type`, where explicit values win and the target is otherwise guessed from
 * names and URLs) and the endpoint map.
 *
 * @module
 */

import type { GatewayType } from "./records.ts";
import type { JsonObject } from "./python_format.ts";

/** Valid `deployment_mode` values; anything else is ignored. */
export const DEPLOYMENT_MODES: ReadonlySet<string> = new Set(["edge", "connect", "sidecar"]);
/** Valid `topology` values; anything else is ignored. */
export const TOPOLOGIES: ReadonlySet<string> = new Set(["native-edge", "remote-agent", "same-pod"]);
/** Valid `target_gateway_type` values; anything else is ignored. */
export const TARGET_GATEWAY_TYPES: ReadonlySet<string> = new Set([
  "stoa",
  "kong",
  "webmethods",
  "gravitee",
  "agentgateway",
  "apigee",
  "aws_apigateway",
  "azure_apim",
]);

const MODE_ALIASES: Readonly<Record<string, { mode: string; type: GatewayType }>> = {
  "edge-mcp": { mode: "edge-mcp", type: "stoa_edge_mcp" },
  "edgemcp": { mode: "edge-mcp", type: "stoa_edge_mcp" },
  "mcp": { mode: "edge-mcp", type: "stoa_edge_mcp" },
  "sidecar": { mode: "sidecar", type: "stoa_sidecar" },
  "proxy": { mode: "proxy", type: "stoa_proxy" },
  "shadow": { mode: "shadow", type: "stoa_shadow" },
  "connect": { mode: "connect", type: "stoa" },
};

const ENVIRONMENT_ALIASES: Readonly<Record<string, string>> = {
  development: "dev",
  stage: "staging",
  prod: "production",
};

/** `{hostname}-{mode without underscores}-{environment}`, raw text, case kept. */
export function deriveInstanceName(hostname: string, mode: string, environment: string): string {
  return `${hostname}-${mode.replaceAll("_", "")}-${environment}`;
}

/** Lower-cased, `_` → `-`, aliases folded; an unknown mode silently becomes `edge-mcp`. */
export function normaliseMode(mode: string): string {
  return MODE_ALIASES[mode.toLowerCase().replaceAll("_", "-")]?.mode ?? "edge-mcp";
}

/** `gateway_type` implied by a registration mode; an unknown mode gives `stoa`. */
export function gatewayTypeForMode(mode: string): GatewayType {
  return MODE_ALIASES[mode.toLowerCase().replaceAll("_", "-")]?.type ?? "stoa";
}

/** Environment equality with the CP's aliases (`dev≡development`, `staging≡stage`, `production≡prod`). */
export function sameEnvironment(left: string, right: string): boolean {
  const canonical = (value: string) => {
    const lower = value.trim().toLowerCase();
    return ENVIRONMENT_ALIASES[lower] ?? lower;
  };
  return canonical(left) === canonical(right);
}

/** What the classification starts from: explicit values (request, then stored) and evidence. */
export interface TopologyInput {
  /** The row's `gateway_type`. */
  readonly gatewayType: GatewayType;
  /** Normalised mode. */
  readonly mode: string;
  /** Row source (`self_register`, `argocd`, ...). */
  readonly source: string;
  /** Explicit `deployment_mode` (request value, else stored value). */
  readonly deploymentMode: string | null;
  /** Explicit `target_gateway_type` (request value, else stored value). */
  readonly targetGatewayType: string | null;
  /** Explicit `topology` (request value, else stored value). */
  readonly topology: string | null;
  /** Health details, for the same-pod sidecar proof. */
  readonly healthDetails: JsonObject;
  /** Stored endpoint map merged with the request's `endpoints`. */
  readonly endpoints: Readonly<Record<string, string>>;
  /** `base_url` (the agent's `admin_url`). */
  readonly baseUrl: string;
  /** `public_url`. */
  readonly publicUrl: string | null;
  /** `ui_url`. */
  readonly uiUrl: string | null;
  /** `target_gateway_url`. */
  readonly targetGatewayUrl: string | null;
  /** Instance name. */
  readonly name: string;
}

/** The classification stored on the row. */
export interface Topology {
  /** `edge`, `connect` or `sidecar`. */
  readonly deployment_mode: string;
  /** The gateway technology STOA controls. */
  readonly target_gateway_type: string;
  /** `native-edge`, `remote-agent` or `same-pod`. */
  readonly topology: string;
  /** Normalised endpoint map. */
  readonly endpoints: Record<string, string>;
}

/** Classifies a gateway the way the CP's topology normaliser does. */
export function deriveTopology(input: TopologyInput): Topology {
  const deployment = canonicalChoice(input.deploymentMode, DEPLOYMENT_MODES);
  const topology = canonicalChoice(input.topology, TOPOLOGIES);
  const target = deriveTargetGatewayType(input);
  const endpoints = buildEndpoints(input);
  const shape = (deployment_mode: string, target_gateway_type: string, topology: string) => ({
    deployment_mode,
    target_gateway_type,
    topology,
    endpoints,
  });

  if (deployment === "sidecar" || topology === "same-pod") {
    // A same-pod sidecar claim is only believed with proof; otherwise it is a remote agent.
    return target !== "stoa" && hasSamePodProof(topology, input.healthDetails.topology_proof)
      ? shape("sidecar", target, "same-pod")
      : shape("connect", target, "remote-agent");
  }
  if (deployment === "connect" || topology === "remote-agent") {
    return shape("connect", target, "remote-agent");
  }
  if (deployment === "edge" || topology === "native-edge") {
    return shape("edge", target, "native-edge");
  }
  if (input.mode === "edge-mcp" || input.gatewayType === "stoa_edge_mcp") {
    return shape("edge", "stoa", "native-edge");
  }
  if (input.mode === "connect" || input.source === "self_register") {
    return shape("connect", target, "remote-agent");
  }
  if (input.gatewayType === "stoa" && target === "stoa") {
    return shape("edge", target, "native-edge");
  }
  return shape("connect", target, "remote-agent");
}

function canonicalChoice(value: string | null, allowed: ReadonlySet<string>): string | null {
  const normalised = (value ?? "").trim().toLowerCase().replaceAll("_", "-");
  return allowed.has(normalised) ? normalised : null;
}

const GUESSED_TARGETS = ["webmethods", "gravitee", "agentgateway", "kong"];

function deriveTargetGatewayType(input: TopologyInput): string {
  const explicit = (input.targetGatewayType ?? "").trim().toLowerCase().replaceAll("-", "_");
  if (TARGET_GATEWAY_TYPES.has(explicit)) return explicit;
  // The CP searches the registration tags it would write, not the stored ones.
  const evidence = [
    `mode:${input.mode}`,
    "auto-registered",
    input.name,
    input.targetGatewayUrl,
    input.baseUrl,
  ].filter((value): value is string => Boolean(value)).join(" ").toLowerCase();
  const guessed = GUESSED_TARGETS.find((target) => evidence.includes(target));
  if (guessed) return guessed;
  if (evidence.includes("vps-wm") || evidence.includes("-wm-") || evidence.endsWith("-wm")) {
    return "webmethods";
  }
  return input.gatewayType.startsWith("stoa") ? "stoa" : input.gatewayType;
}

function hasSamePodProof(topology: string | null, proof: unknown): boolean {
  if (topology !== "same-pod" || proof === null || typeof proof !== "object") return false;
  const fact = proof as Record<string, unknown>;
  const declared = Boolean(fact.declared_in_kubernetes) ||
    Boolean(fact.namespace && (fact.deployment || fact.pod));
  const containers = Array.isArray(fact.containers) ? new Set(fact.containers.map(String)) : null;
  const target = String(fact.target_container ?? "");
  const sidecar = String(fact.sidecar_container ?? "");
  const count = fact.pod_container_count;
  const enough = (containers?.size ?? 0) >= 2 ||
    (Number.isInteger(count) && (count as number) >= 2) || Boolean(target && sidecar);
  const hasTarget = Boolean(target) && (!containers || containers.has(target));
  const hasSidecar = sidecar === "stoa-sidecar" && (!containers || containers.has(sidecar));
  const authz = String(fact.authz_url ?? "");
  let localAuthz = false;
  try {
    const host = new URL(authz).hostname;
    localAuthz = (host === "localhost" || host === "127.0.0.1") && authz.endsWith("/authz");
  } catch {
    localAuthz = false;
  }
  return declared && enough && hasTarget && hasSidecar && localAuthz;
}

const ENDPOINT_ALIASES: Readonly<Record<string, readonly string[]>> = {
  public_url: ["publicUrl", "public", "runtime_url", "runtimeUrl", "external_url", "externalUrl"],
  ui_url: ["uiUrl", "console_url", "consoleUrl", "web_ui_url", "webUiUrl"],
  target_gateway_url: ["targetGatewayUrl", "target_url", "targetUrl"],
  admin_url: ["adminUrl", "admin", "base_url", "baseUrl"],
  internal_url: ["internalUrl", "internal"],
  health_url: ["healthUrl", "health"],
};

/** Reads a canonical endpoint from a map that may use camelCase or legacy aliases. */
export function endpointValue(
  endpoints: Readonly<Record<string, string>>,
  key: string,
): string | null {
  for (const candidate of [key, ...(ENDPOINT_ALIASES[key] ?? [])]) {
    const value = endpoints[candidate]?.trim();
    if (value) return value;
  }
  return null;
}

/** The map without `key` under any of its spellings: what an explicit `null` URL clears. */
export function withoutEndpoint(
  endpoints: Readonly<Record<string, string>>,
  key: string,
): Record<string, string> {
  const spellings = new Set([key, ...(ENDPOINT_ALIASES[key] ?? [])]);
  return Object.fromEntries(Object.entries(endpoints).filter(([name]) => !spellings.has(name)));
}

function buildEndpoints(input: TopologyInput): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.endpoints)) {
    if (typeof value === "string" && value.trim()) map[key] = value.trim();
  }
  for (const key of Object.keys(ENDPOINT_ALIASES)) {
    const value = endpointValue(map, key);
    if (value && !(key in map)) map[key] = value;
  }
  const baseUrl = input.baseUrl.trim();
  if (input.publicUrl?.trim()) map.public_url = input.publicUrl.trim();
  if (baseUrl) {
    map.admin_url = baseUrl;
    if (baseUrl.includes(".svc.cluster.local") || !baseUrl.includes("://")) {
      map.internal_url ??= baseUrl;
    }
    map.health_url ??= `${baseUrl.replace(/\/+$/, "")}/health`;
  }
  if (input.uiUrl?.trim()) map.ui_url = input.uiUrl.trim();
  if (input.targetGatewayUrl?.trim()) map.target_gateway_url = input.targetGatewayUrl.trim();
  return map;
}
