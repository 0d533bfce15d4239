/**
 * Doctor checks of the Control Plane link, from one read-only call made with the agent's own
 * client: `GET /v1/internal/gateways/{random UUID}/config`. The Control Plane validates the path
 * first (a UUID passes), then the key (503 without keys configured, 401 for a wrong key), then
 * looks the gateway up: an unknown id answers 404 "Gateway instance not found", which proves the
 * key was accepted, and the call changes nothing (control-plane-contract.md §1.2, §2.1, §6).
 *
 * @module
 */

import type { Config } from "../config/config.ts";
import { ControlPlaneClient } from "../control_plane/client.ts";
import { ControlPlaneError } from "../control_plane/errors.ts";
import { displayUrl } from "../http/url.ts";
import { isLoopback } from "../server/access.ts";
import { VERSION } from "../version.ts";
import { check, type CheckResult, DOCTOR_CHECKS, skipped } from "./doctor_check.ts";
import { classifyNetworkError, type NetworkFailure } from "../http/network_error.ts";

/** Timeout of the check call: long enough for a slow link, short enough for a doctor. */
const CHECK_TIMEOUT_MS = 10_000;
/** The CP's answer for an unknown gateway id (contract §1.3). */
const GATEWAY_NOT_FOUND = "Gateway instance not found";

const { cpReachable: REACHABLE, cpTls: TLS, cpKey: KEY } = DOCTOR_CHECKS;

type Outcome =
  | { readonly kind: "answered"; readonly status: number; readonly message: string }
  | { readonly kind: "invalid"; readonly message: string }
  | { readonly kind: "no-answer"; readonly network: NetworkFailure };

async function probe(config: Config): Promise<Outcome> {
  const client = new ControlPlaneClient({
    baseUrl: config.controlPlaneUrl,
    apiKey: config.gatewayApiKey,
    timeoutMs: CHECK_TIMEOUT_MS,
    userAgent: `stoactl/${VERSION}`,
  });
  try {
    await client.fetchConfig(crypto.randomUUID());
    return { kind: "answered", status: 200, message: "" };
  } catch (error) {
    if (!(error instanceof ControlPlaneError)) throw error;
    if (error.kind === "http") {
      return { kind: "answered", status: error.status ?? 0, message: error.message };
    }
    if (error.kind === "invalid-response") return { kind: "invalid", message: error.message };
    return { kind: "no-answer", network: classifyNetworkError(error) };
  }
}

function caHint(env: Readonly<Record<string, string>>): string {
  const systemStore = (env.DENO_TLS_CA_STORE ?? "").split(",").map((s) => s.trim()).includes(
    "system",
  );
  const sslCertFile = env.SSL_CERT_FILE && !systemStore
    ? " (SSL_CERT_FILE is honoured only with DENO_TLS_CA_STORE=system)"
    : "";
  return "if the Control Plane (or a TLS-inspecting proxy) uses a private CA, set DENO_CERT to its CA " +
    `certificate file, or DENO_TLS_CA_STORE=system to trust the system store${sslCertFile}`;
}

function reachableCheck(outcome: Outcome, where: string): CheckResult {
  if (outcome.kind === "invalid") return check(REACHABLE, "pass", `${where} answered`);
  if (outcome.kind === "answered") {
    if (outcome.status >= 500 && !outcome.message.includes("GATEWAY_API_KEYS")) {
      return check(
        REACHABLE,
        "fail",
        `${where} answered ${outcome.status}: ${outcome.message}`,
        "the Control Plane (or a proxy in front of it) is failing; try again later (the agent retries by itself)",
      );
    }
    return check(REACHABLE, "pass", `${where} answered (HTTP ${outcome.status})`);
  }
  const { kind, reason } = outcome.network;
  if (kind === "tls") {
    return check(REACHABLE, "pass", `${where}: connected (TLS failed, see below)`);
  }
  const fix = kind === "refused"
    ? "nothing listens there: check the scheme, host and port of STOA_CONTROL_PLANE_URL"
    : kind === "dns"
    ? "check the host name in STOA_CONTROL_PLANE_URL and this machine's DNS"
    : kind === "ca_file"
    ? "fix DENO_CERT / DENO_TLS_CA_STORE (see the CA check)"
    : "check STOA_CONTROL_PLANE_URL, firewalls, and HTTPS_PROXY / NO_PROXY (see the proxy check)";
  return check(REACHABLE, "fail", `${where}: ${reason}`, fix);
}

function tlsCheck(
  outcome: Outcome,
  url: URL,
  env: Readonly<Record<string, string>>,
): CheckResult {
  if (url.protocol === "http:") {
    return isLoopback(url.hostname) || url.hostname === "localhost"
      ? check(TLS, "pass", "plain http to this machine (no TLS needed)")
      : check(
        TLS,
        "warn",
        "plain http: the gateway key crosses the network unencrypted",
        "use the Control Plane's https:// URL in STOA_CONTROL_PLANE_URL",
      );
  }
  if (outcome.kind === "no-answer") {
    if (outcome.network.kind === "tls") {
      return check(TLS, "fail", outcome.network.reason, caHint(env));
    }
    return skipped(TLS, "no connection to check TLS on");
  }
  return check(TLS, "pass", "certificate accepted");
}

function keyCheck(outcome: Outcome, where: string): CheckResult {
  const notControlPlane = (detail: string) =>
    check(
      KEY,
      "fail",
      `${where} answers, but not as the STOA Control Plane API (${detail})`,
      "set STOA_CONTROL_PLANE_URL to the Control Plane's base URL, e.g. https://api.gostoa.dev, without /v1/…",
    );
  if (outcome.kind === "no-answer") return skipped(KEY, "the Control Plane did not answer");
  if (outcome.kind === "invalid") return notControlPlane(outcome.message);
  const { status, message } = outcome;
  if (status === 200 || (status === 404 && message.includes(GATEWAY_NOT_FOUND))) {
    return check(KEY, "pass", "STOA_GATEWAY_API_KEY accepted (read-only check)");
  }
  if (status === 401) {
    return check(
      KEY,
      "fail",
      "the Control Plane rejected STOA_GATEWAY_API_KEY (401 Invalid gateway key)",
      "ask your STOA administrator for a valid gateway key; set STOA_GATEWAY_API_KEY (or STOA_GATEWAY_API_KEY_FILE)",
    );
  }
  if (status === 503 && message.includes("GATEWAY_API_KEYS")) {
    return check(
      KEY,
      "fail",
      "the Control Plane has no gateway keys configured (503): it accepts no agent",
      "ask your STOA administrator to set GATEWAY_API_KEYS on the Control Plane",
    );
  }
  if (status >= 500) {
    return skipped(KEY, "the Control Plane is failing; the key could not be checked");
  }
  return notControlPlane(`HTTP ${status}`);
}

/** The three Control Plane checks: reachable, TLS, key. */
export async function checkControlPlane(
  config: Config,
  env: Readonly<Record<string, string>>,
): Promise<CheckResult[]> {
  const where = displayUrl(config.controlPlaneUrl);
  const outcome = await probe(config);
  return [
    reachableCheck(outcome, where),
    tlsCheck(outcome, config.controlPlaneUrl, env),
    keyCheck(outcome, where),
  ];
}
