/**
 * The checks of `stoactl connect doctor`: each has an id scripts can rely on and a title, in report
 * order; a result adds a verdict, what was found and, when it is not a pass, the fix.
 *
 * @module
 */

/** Verdict of a check. `skip`: it could not run because an earlier check failed. */
export type CheckStatus = "pass" | "warn" | "fail" | "skip";

/** Id and title of one check. */
export interface CheckSpec {
  /** Stable id, e.g. `control_plane.key`. */
  readonly id: string;
  /** Human title, e.g. `Control Plane key`. */
  readonly title: string;
}

/** Every check, in report order. */
export const DOCTOR_CHECKS = {
  config: { id: "config", title: "Configuration" },
  cpReachable: { id: "control_plane.reachable", title: "Control Plane reachable" },
  cpTls: { id: "control_plane.tls", title: "Control Plane TLS" },
  cpKey: { id: "control_plane.key", title: "Control Plane key" },
  gatewayReachable: { id: "gateway.reachable", title: "Gateway admin API reachable" },
  gatewayCredentials: { id: "gateway.credentials", title: "Gateway credentials" },
  gatewayType: { id: "gateway.type", title: "Gateway type and version" },
  gatewayDiscovery: { id: "gateway.discovery", title: "Gateway discovery" },
  proxy: { id: "network.proxy", title: "Proxy variables" },
  ca: { id: "network.ca", title: "CA variables" },
  port: { id: "local.port", title: "Local port" },
} as const satisfies Record<string, CheckSpec>;

/** The result of one check (also its JSON form). */
export interface CheckResult extends CheckSpec {
  /** Verdict. */
  readonly status: CheckStatus;
  /** What was found (may span lines). */
  readonly detail: string;
  /** What to do, for `warn` and `fail`. */
  readonly fix?: string;
}

/** Builds a result; `fix` is dropped for passes so that JSON stays clean. */
export function check(
  spec: CheckSpec,
  status: CheckStatus,
  detail: string,
  fix?: string,
): CheckResult {
  const { id, title } = spec;
  return status === "pass" || fix === undefined
    ? { id, title, status, detail }
    : { id, title, status, detail, fix };
}

/** A skipped check, with the reason. */
export function skipped(spec: CheckSpec, reason: string): CheckResult {
  return check(spec, "skip", reason);
}
