/**
 * Which proxy Deno's `fetch` uses for a URL, following the rules the Deno runtime applies (checked
 * against Deno 2.9): `ALL_PROXY`, then `HTTPS_PROXY` or `HTTP_PROXY` by scheme, upper case before
 * lower case; `NO_PROXY` (or `no_proxy` when `NO_PROXY` is absent) lists hosts reached directly:
 * exact IPs or CIDR ranges for IP hosts, domain suffixes at a label boundary (`example.com` and
 * `.example.com` both cover `api.example.com`) and `*` for every host name. Loopback is not
 * special: `127.0.0.1` goes through the proxy unless `NO_PROXY` names it.
 *
 * @module
 */

/** Every variable that changes where `fetch` connects. */
export const PROXY_VARIABLES: readonly string[] = [
  "ALL_PROXY",
  "all_proxy",
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "NO_PROXY",
  "no_proxy",
];

/** How `fetch` reaches one URL. */
export interface ProxyRoute {
  /** The proxy variable in force for the URL's scheme, if any. */
  readonly proxy?: { readonly variable: string; readonly url: string };
  /** The `NO_PROXY` entry that sends the URL direct despite a proxy. */
  readonly bypass?: { readonly variable: string; readonly entry: string };
}

function firstSet(
  env: Readonly<Record<string, string | undefined>>,
  names: readonly string[],
): { variable: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { variable: name, value };
  }
  return undefined;
}

/** Parses dotted IPv4 into a number, or `undefined`. */
function ipv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    return undefined;
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function isIp(host: string): boolean {
  return ipv4(host) !== undefined || host.includes(":");
}

function ipMatches(host: string, entry: string): boolean {
  const [network, bits] = entry.split("/");
  if (bits === undefined) return network.toLowerCase() === host.toLowerCase();
  const address = ipv4(host);
  const base = ipv4(network);
  const prefix = Number(bits);
  if (address === undefined || base === undefined || !Number.isInteger(prefix)) return false;
  if (prefix < 0 || prefix > 32) return false;
  const size = 2 ** (32 - prefix);
  return Math.floor(address / size) === Math.floor(base / size);
}

function domainMatches(host: string, entry: string): boolean {
  if (entry === "*") return true;
  const domain = entry.replace(/^\*?\./, "").toLowerCase();
  const name = host.toLowerCase();
  return domain !== "" && (name === domain || name.endsWith(`.${domain}`));
}

/** Decides how `fetch` would reach `target` under `env`. */
export function proxyRoute(
  target: URL,
  env: Readonly<Record<string, string | undefined>>,
): ProxyRoute {
  const scheme = target.protocol === "https:" ? ["HTTPS_PROXY", "https_proxy"] : [
    "HTTP_PROXY",
    "http_proxy",
  ];
  const found = firstSet(env, ["ALL_PROXY", "all_proxy", ...scheme]);
  if (!found) return {};
  const proxy = { variable: found.variable, url: found.value };
  // An upper-case NO_PROXY, even empty, hides the lower-case one.
  const noProxyVariable = env.NO_PROXY !== undefined ? "NO_PROXY" : "no_proxy";
  const entries = (env[noProxyVariable] ?? "").split(",").map((e) => e.trim()).filter(Boolean);
  const host = target.hostname.replace(/^\[|\]$/g, "");
  const ip = isIp(host);
  const entry = entries.find((e) => ip ? ipMatches(host, e) : domainMatches(host, e));
  return entry ? { proxy, bypass: { variable: noProxyVariable, entry } } : { proxy };
}

/** True when `fetch` sends requests for `target` through a proxy. */
export function goesThroughProxy(route: ProxyRoute): boolean {
  return route.proxy !== undefined && route.bypass === undefined;
}
