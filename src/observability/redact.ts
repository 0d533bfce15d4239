/**
 * Secret redaction. Every secret the agent holds (CP key, admin token and password, Vault token, the
 * local API token) is registered once at startup; every log line, error text and `/status` body goes
 * through {@linkcode redact} before it leaves the process.
 *
 * @module
 */

const REPLACEMENT = "[REDACTED]";
/** Secrets shorter than this are not searched for: replacing "a" everywhere would destroy logs. */
const MIN_SECRET_LENGTH = 4;

const secrets = new Set<string>();

/** Remembers a secret value so that {@linkcode redact} hides it. Empty and tiny values are ignored. */
export function registerSecret(value: string | undefined): void {
  if (value === undefined) return;
  const trimmed = value.trim();
  if (trimmed.length >= MIN_SECRET_LENGTH) {
    secrets.add(trimmed);
    // URLs and form bodies carry secrets percent-encoded.
    const encoded = encodeURIComponent(trimmed);
    if (encoded !== trimmed) secrets.add(encoded);
  }
}

/** Forgets every registered secret. For tests. */
export function clearSecrets(): void {
  secrets.clear();
}

const CREDENTIAL_PATTERNS: readonly RegExp[] = [
  // user:password@ in URLs
  /(?<=[a-z][a-z0-9+.-]*:\/\/)[^/@\s:]*:[^/@\s]*@/gi,
  // Authorization and key headers echoed in error text
  /(?<=\b(?:authorization|x-gateway-key|kong-admin-token|x-vault-token)["']?\s*[:=]\s*["']?)(?:bearer\s+|basic\s+)?[^\s,;"']+/gi,
];

/** Replaces every registered secret, URL credentials and echoed auth headers in `text`. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.replaceAll(secret, REPLACEMENT);
  }
  for (const pattern of CREDENTIAL_PATTERNS) {
    out = out.replace(pattern, REPLACEMENT);
  }
  return out;
}

/** Deep-redacts a JSON-like value (strings anywhere inside it), for `/status` and structured logs. */
export function redactValue<T>(value: T): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactValue(item)) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactValue(item);
    return out as T;
  }
  return value;
}
