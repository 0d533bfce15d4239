/**
 * How stoa-connect recognises what it owns on webMethods API Gateway, which has no tags.
 *
 * Every object the agent creates carries two signs, and both are required before the agent reads
 * it as its own:
 * - a name that starts with `stoa-` (APIs, applications, policy actions, global policies), so that
 *   people see at a glance what STOA manages;
 * - an ownership marker in its description, e.g.
 *   `Managed by STOA … [stoa-connect deployment=9b1c… spec=3f2a…]`, which names the Control Plane
 *   object it stands for. A user's API that merely starts with `stoa-` is never touched.
 *
 * @module
 */

/** Prefix of the name of every object stoa-connect creates on webMethods. */
export const OWNED_NAME_PREFIX = "stoa-";

/** What an owned object stands for. */
export type OwnerKind =
  /** An API made from a deployed route (the id is the deployment id). */
  | "deployment"
  /** A policy action, global policy or application made for a STOA policy (the policy id). */
  | "policy"
  /** An application made for a consumer's credentials (the consumer id). */
  | "consumer"
  /**
   * An "Identify & Authorize Application" action added because webMethods requires one next to a
   * throttle; it belongs to the API it sits on (the API id), not to a STOA policy.
   */
  | "support";

/** The parsed ownership marker of an object. */
export interface OwnershipMarker {
  /** What the object stands for. */
  readonly kind: OwnerKind;
  /** Control Plane id (or API id for `support`). */
  readonly id: string;
  /** Extra facts, e.g. `spec` (spec hash) on APIs, `api` (API id) on per-API policy actions. */
  readonly attributes: Readonly<Record<string, string>>;
}

const OWNER_KINDS: readonly OwnerKind[] = ["deployment", "policy", "consumer", "support"];
const MARKER_PATTERN = /\[stoa-connect ([^\]]+)\]/;
const NOTICE = "Managed by STOA through stoa-connect; changes made here are overwritten.";
// webMethods names may contain these characters; anything else becomes "-".
const UNSAFE_NAME_CHARACTERS = /[^A-Za-z0-9._-]/g;

/** The marker text, e.g. `[stoa-connect policy=pol-1 api=8c2e…]`; values are percent-encoded. */
export function formatMarker(marker: OwnershipMarker): string {
  const fields = [[marker.kind, marker.id], ...Object.entries(marker.attributes)];
  return `[stoa-connect ${
    fields.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join(" ")
  }]`;
}

/** The description of an owned object: a notice for people, then the marker. */
export function ownedDescription(marker: OwnershipMarker): string {
  return `${NOTICE} ${formatMarker(marker)}`;
}

/**
 * Reads the marker from a description (or any text), or `undefined` when there is none or it is
 * damaged: an object whose marker cannot be read is not the agent's.
 */
export function parseMarker(text: string | null | undefined): OwnershipMarker | undefined {
  const match = text ? MARKER_PATTERN.exec(text) : null;
  if (!match) return undefined;
  const fields = match[1].trim().split(/\s+/).map((field) => {
    const at = field.indexOf("=");
    return at <= 0 ? undefined : [field.slice(0, at), field.slice(at + 1)] as const;
  });
  if (fields.length === 0 || fields.some((field) => field === undefined)) return undefined;
  const [[kind, rawId], ...rest] = fields as (readonly [string, string])[];
  if (!OWNER_KINDS.includes(kind as OwnerKind)) return undefined;
  try {
    const id = decodeURIComponent(rawId);
    if (id === "") return undefined;
    const attributes: Record<string, string> = {};
    for (const [key, value] of rest) attributes[key] = decodeURIComponent(value);
    return { kind: kind as OwnerKind, id, attributes };
  } catch {
    return undefined;
  }
}

/**
 * The marker of an object the agent owns: its name starts with `stoa-` and its description holds a
 * readable marker (of `kind`, when given); otherwise `undefined`.
 */
export function ownedMarker(
  name: string | null | undefined,
  description: string | null | undefined,
  kind?: OwnerKind,
): OwnershipMarker | undefined {
  if (!name?.startsWith(OWNED_NAME_PREFIX)) return undefined;
  const marker = parseMarker(description);
  return marker && (kind === undefined || marker.kind === kind) ? marker : undefined;
}

/**
 * The webMethods name of a STOA object: `stoa-` and the name with every character outside
 * `[A-Za-z0-9._-]` replaced by `-` (as the Go agent did, so names stay recognisable). Two STOA
 * names can give the same result (`foo/bar`, `foo bar`); callers check for that.
 */
export function ownedName(name: string): string {
  return `${OWNED_NAME_PREFIX}${name.replace(UNSAFE_NAME_CHARACTERS, "-")}`;
}
