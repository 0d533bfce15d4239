/**
 * Why a call got no answer, in a few words. Deno's `fetch` rejects with `TypeError: fetch failed`
 * and hides the reason in a chain of causes ("… client error (Connect): tcp connect error:
 * Connection refused (os error 111)"); the agent's errors wrap that again. This finds the reason
 * at the bottom of the chain and names it the way an operator searches for it.
 *
 * @module
 */

/** Kinds of transport failure, each with its own fix. */
export type NetworkFailureKind = "refused" | "dns" | "tls" | "timeout" | "ca_file" | "other";

/** A classified transport failure. */
export interface NetworkFailure {
  /** What kind of failure. */
  readonly kind: NetworkFailureKind;
  /** Short reason, e.g. `connection refused`, `TLS certificate not trusted (UnknownIssuer)`. */
  readonly reason: string;
}

/** Every message in the error's cause chain, outermost first. */
export function causeMessages(error: unknown): string[] {
  const messages: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    if (current instanceof Error) {
      messages.push(current.message);
      current = current.cause;
    } else {
      messages.push(String(current));
      break;
    }
  }
  return messages;
}

const RULES: readonly {
  pattern: RegExp;
  kind: NetworkFailureKind;
  reason: (m: RegExpExecArray) => string;
}[] = [
  {
    pattern: /invalid peer certificate:\s*([A-Za-z]+)/,
    kind: "tls",
    reason: (m) => `TLS certificate not accepted (${m[1]})`,
  },
  {
    pattern: /Failed opening CA file: ([^\n]+)/,
    kind: "ca_file",
    reason: (m) => `the CA file in DENO_CERT cannot be read (${m[1].trim()})`,
  },
  {
    pattern: /Unknown certificate store "([^"]*)"/,
    kind: "ca_file",
    reason: (m) => `DENO_TLS_CA_STORE names an unknown store "${m[1]}" (use system or mozilla)`,
  },
  // After the CA rules: their messages mention certificates too.
  {
    pattern: /(certificate|tls handshake|InvalidCertificate)[^\n]*/i,
    kind: "tls",
    reason: (m) => `TLS error (${m[0].trim()})`,
  },
  { pattern: /connection refused/i, kind: "refused", reason: () => "connection refused" },
  {
    pattern: /dns error|failed to lookup address|name or service not known|nodename nor servname/i,
    kind: "dns",
    reason: () => "host name not found (DNS)",
  },
  {
    pattern: /timed out|timeout|deadline/i,
    kind: "timeout",
    reason: () => "no answer in time (timed out)",
  },
  {
    pattern: /connection (reset|closed)[^\n]*/i,
    kind: "other",
    reason: (m) => m[0].toLowerCase(),
  },
];

/** Classifies a transport failure from its cause chain. */
export function classifyNetworkError(error: unknown): NetworkFailure {
  const messages = causeMessages(error);
  // Deepest first: the innermost message is the most specific.
  for (const message of [...messages].reverse()) {
    for (const rule of RULES) {
      const match = rule.pattern.exec(message);
      if (match) return { kind: rule.kind, reason: rule.reason(match) };
    }
  }
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return { kind: "timeout", reason: "no answer in time (timed out)" };
  }
  const deepest = messages.at(-1) ?? "unknown error";
  return { kind: "other", reason: deepest.replace(/\s+/g, " ").trim() };
}
