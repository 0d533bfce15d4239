/**
 * Doctor checks of the variables that change how the agent's `fetch` connects: proxies
 * (`HTTP(S)_PROXY`, `ALL_PROXY`, `NO_PROXY`) and certificate authorities (`DENO_CERT`,
 * `DENO_TLS_CA_STORE`). The runtime reads them from the process environment only, at start: a
 * value that exists only in `.env` has no effect, which the checks point out.
 *
 * @module
 */

import { displayUrl } from "../http/url.ts";
import { isLoopback } from "../server/access.ts";
import { check, type CheckResult, DOCTOR_CHECKS } from "./doctor_check.ts";
import { goesThroughProxy, PROXY_VARIABLES, proxyRoute } from "./proxy_env.ts";

/** Inputs of the network checks. */
export interface NetworkCheckInputs {
  /** The process environment (what the runtime reads). */
  readonly env: Readonly<Record<string, string>>;
  /** Variables after `.env` / `--env-file` (to spot values that exist only there). */
  readonly configured: Readonly<Record<string, string>>;
  /** The env file read, for messages. */
  readonly envFile?: string;
  /** Control Plane URL. */
  readonly controlPlaneUrl: URL;
  /** Gateway admin API URL. */
  readonly gatewayAdminUrl: URL;
}

const CA_VARIABLES = ["DENO_CERT", "DENO_TLS_CA_STORE"];
const CA_STORES = ["system", "mozilla"];

function onlyInFile(inputs: NetworkCheckInputs, names: readonly string[]): string[] {
  return names.filter((name) => inputs.configured[name] && inputs.env[name] === undefined);
}

function fileOnlyFix(inputs: NetworkCheckInputs, names: readonly string[]): string {
  return `${names.join(", ")} ${names.length === 1 ? "is" : "are"} set in ${
    inputs.envFile ?? ".env"
  } only, where the runtime does not read ${names.length === 1 ? "it" : "them"}: set ${
    names.length === 1 ? "it" : "them"
  } in the agent's environment (shell export, systemd Environment=, docker -e or --env-file)`;
}

function isLocal(url: URL): boolean {
  return isLoopback(url.hostname) || url.hostname === "localhost";
}

function routeText(name: string, url: URL, env: Readonly<Record<string, string>>): string {
  const route = proxyRoute(url, env);
  const how = route.proxy === undefined
    ? "direct"
    : route.bypass
    ? `direct (${route.bypass.variable} has ${route.bypass.entry})`
    : `through ${route.proxy.variable}`;
  return `${name} ${displayUrl(url)}: ${how}`;
}

/** Which proxies apply to the Control Plane and to the gateway admin API. */
export function checkProxy(inputs: NetworkCheckInputs): CheckResult {
  const spec = DOCTOR_CHECKS.proxy;
  const { env } = inputs;
  const set = PROXY_VARIABLES.filter((name) => env[name] !== undefined && env[name].trim() !== "");
  const fileOnly = onlyInFile(inputs, PROXY_VARIABLES);
  const detail = [
    set.length === 0
      ? "none set in the environment"
      : set.map((name) => `${name}=${env[name]}`).join(", "),
    routeText("Control Plane", inputs.controlPlaneUrl, env),
    routeText("gateway admin API", inputs.gatewayAdminUrl, env),
  ].join("\n");
  const invalid = set.filter((name) => !/no_proxy/i.test(name) && !URL.canParse(env[name]));
  if (invalid.length > 0) {
    return check(
      spec,
      "fail",
      `${detail}\n${invalid.join(", ")} is not a URL`,
      "write proxies as URLs, e.g. HTTPS_PROXY=http://proxy.example:3128",
    );
  }
  const proxiedLocal = [
    ["gateway admin API", inputs.gatewayAdminUrl],
    ["Control Plane", inputs.controlPlaneUrl],
  ].filter(([, url]) => isLocal(url as URL) && goesThroughProxy(proxyRoute(url as URL, env))) as [
    string,
    URL,
  ][];
  if (proxiedLocal.length > 0) {
    const hosts = [...new Set(proxiedLocal.map(([, url]) => url.hostname.replace(/^\[|\]$/g, "")))];
    return check(
      spec,
      "warn",
      `${detail}\nthe proxy also gets calls to this machine (${
        proxiedLocal.map(([name]) => name).join(", ")
      }): it cannot reach them`,
      `add ${hosts.join(",")} to NO_PROXY (e.g. NO_PROXY=localhost,127.0.0.1)`,
    );
  }
  if (fileOnly.length > 0) {
    return check(spec, "warn", detail, fileOnlyFix(inputs, fileOnly));
  }
  return check(spec, "pass", detail);
}

function certificateCount(pem: string): number {
  return pem.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
}

/** Which certificate authorities the runtime trusts, and whether it can load them. */
export function checkCa(inputs: NetworkCheckInputs): CheckResult {
  const spec = DOCTOR_CHECKS.ca;
  const { env } = inputs;
  const lines: string[] = [];
  const store = env.DENO_TLS_CA_STORE?.trim();
  if (store) {
    const unknown = store.split(",").map((s) => s.trim()).filter((s) => !CA_STORES.includes(s));
    if (unknown.length > 0) {
      return check(
        spec,
        "fail",
        `DENO_TLS_CA_STORE=${store}: unknown store ${unknown.join(", ")}; every HTTPS call fails`,
        "set DENO_TLS_CA_STORE to system, mozilla or system,mozilla",
      );
    }
    lines.push(`DENO_TLS_CA_STORE=${store}`);
  } else {
    lines.push("Deno's bundled Mozilla CA store (DENO_TLS_CA_STORE unset)");
  }
  const certFile = env.DENO_CERT?.trim();
  if (certFile) {
    let pem: string;
    try {
      pem = Deno.readTextFileSync(certFile);
    } catch (error) {
      const reason = error instanceof Deno.errors.NotFound
        ? "file not found"
        : error instanceof Error
        ? error.message
        : String(error);
      return check(
        spec,
        "fail",
        `DENO_CERT=${certFile} cannot be read (${reason}); every HTTPS call fails`,
        "point DENO_CERT at a readable PEM file of CA certificates, or unset it",
      );
    }
    const count = certificateCount(pem);
    if (count === 0) {
      return check(
        spec,
        "fail",
        `DENO_CERT=${certFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
        "point DENO_CERT at the CA certificate in PEM form (not a key, not DER)",
      );
    }
    lines.push(`DENO_CERT=${certFile}: ${count} CA certificate${count === 1 ? "" : "s"} added`);
  }
  const systemStore = (store ?? "").split(",").map((s) => s.trim()).includes("system");
  if ((env.SSL_CERT_FILE || env.SSL_CERT_DIR) && !systemStore) {
    lines.push("SSL_CERT_FILE / SSL_CERT_DIR are ignored unless DENO_TLS_CA_STORE includes system");
  }
  const fileOnly = onlyInFile(inputs, CA_VARIABLES);
  if (fileOnly.length > 0) {
    return check(spec, "warn", lines.join("\n"), fileOnlyFix(inputs, fileOnly));
  }
  return check(spec, "pass", lines.join("\n"));
}
