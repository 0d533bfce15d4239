/**
 * URL building shared by the Control Plane client and the gateway adapters: base URLs are
 * normalised once, path segments and query values are always escaped.
 *
 * @module
 */

/** A query string given as an object; `undefined` values are left out. */
export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * Returns `base` with exactly one trailing slash so that relative paths resolve below it, e.g.
 * `https://cp.example/api` and `https://cp.example/api/` both become `https://cp.example/api/`.
 */
export function normaliseBaseUrl(base: string | URL): URL {
  const url = new URL(base);
  url.search = "";
  url.hash = "";
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

/** Escapes one path segment (an id or a name), so `a/b` stays one segment. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

/**
 * Joins `path` (already escaped, with or without a leading slash, possibly with its own query
 * string, as in Kong's `next`) below `base`, then adds `query`.
 */
export function joinUrl(base: URL, path: string, query?: Query): URL {
  const relative = path.replace(/^\/+/, "");
  const url = new URL(relative, base);
  if (query) {
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
  }
  return url;
}

/** The URL without credentials, query or fragment, for messages. */
export function displayUrl(url: URL | string): string {
  const copy = new URL(url);
  copy.username = "";
  copy.password = "";
  copy.search = "";
  copy.hash = "";
  return copy.toString();
}
