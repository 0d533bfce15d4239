/**
 * How stoa-connect marks what it owns on Kong, so that ownership survives restarts and is never
 * confused with what people created by hand:
 *
 * - every object it creates carries the tag `stoa-managed` plus one id tag naming the Control
 *   Plane object it stands for: `stoa-policy:<policy id>`, `stoa-deployment:<deployment id>` or
 *   `stoa-consumer:<consumer id>`;
 * - an object is owned only when it carries both; anything else is never modified or deleted
 *   (objects with `stoa-managed` alone were made by the Go agent and are left alone too);
 * - names are stable and derived from Control Plane ids (`stoa-<api>-<8 hex>`, `stoa-<consumer>`),
 *   and ids are name-based UUIDs (version 5), so a retried create finds its own object again.
 *
 * @module
 */

import { createHash } from "node:crypto";

/** The tag every object created by stoa-connect carries. */
export const OWNED_TAG = "stoa-managed";

/** What an id tag names: a policy, a deployment or a consumer of the Control Plane. */
export type OwnerKind = "policy" | "deployment" | "consumer";

/** Tags, as Kong stores them (`null` when none). */
export type KongTags = readonly string[] | null | undefined;

// A fixed namespace so that the same inputs give the same UUID on every agent and every restart.
const ID_NAMESPACE = "6b1f0f52-3c59-4f0e-9d55-8f7a3b3e2c41";
const NAME_MAX = 64;
const SHORT_ID_LENGTH = 8;

/** The id tag of a Control Plane object, e.g. `stoa-policy:8c2f…`. */
export function idTag(kind: OwnerKind, id: string): string {
  return `stoa-${kind}:${encodeTagValue(id)}`;
}

/** The tags of an object owned for `kind`/`id`: `stoa-managed` and the id tag. */
export function ownedTags(kind: OwnerKind, id: string): string[] {
  return [OWNED_TAG, idTag(kind, id)];
}

/**
 * The Control Plane id an owned object stands for, or `undefined` when the object is not owned
 * for that kind (no `stoa-managed`, or no id tag of that kind).
 */
export function ownerId(tags: KongTags, kind: OwnerKind): string | undefined {
  if (!tags || !tags.includes(OWNED_TAG)) return undefined;
  const prefix = `stoa-${kind}:`;
  const tag = tags.find((candidate) => candidate.startsWith(prefix));
  if (tag === undefined) return undefined;
  try {
    return decodeURIComponent(tag.slice(prefix.length));
  } catch {
    // A hand-edited tag that is not valid percent-encoding names nothing we created.
    return undefined;
  }
}

/**
 * Tags for writing an owned object: ours first, then the tags someone else added to it, so an
 * update does not strip a team's own labels.
 */
export function mergeTags(owned: readonly string[], existing: KongTags): string[] {
  const foreign = (existing ?? []).filter((tag) =>
    tag !== OWNED_TAG && !/^stoa-(policy|deployment|consumer):/.test(tag)
  );
  return [...owned, ...foreign.filter((tag) => !owned.includes(tag))];
}

/**
 * A name-based UUID (RFC 9562 version 5) for the given parts: the same parts always give the same
 * id, so `PUT /{collection}/{id}` is idempotent across retries and restarts.
 */
export function stableId(...parts: readonly string[]): string {
  const namespace = ID_NAMESPACE.replaceAll("-", "");
  const hash = createHash("sha1")
    .update(Uint8Array.from(namespace.match(/../g)!.map((byte) => Number.parseInt(byte, 16))))
    .update(parts.map((part) => `${part.length}:${part}`).join("|"))
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

/**
 * A Kong entity name for a Control Plane object: `stoa-<readable part>-<8 hex of the id>`. Kong
 * names accept letters, digits, `.`, `-`, `_` and `~`; anything else becomes `-`. The id suffix
 * keeps two APIs with the same name (in two tenants) apart.
 */
export function ownedName(readable: string, id: string): string {
  const slug = readable.replace(/[^A-Za-z0-9._~-]+/g, "-").replace(/-{2,}/g, "-")
    .replace(/^-|-$/g, "").slice(0, NAME_MAX) || "api";
  return `stoa-${slug}-${shortId(id)}`;
}

/** The consumer username for a Control Plane consumer (the Go agent's convention). */
export function consumerUsername(consumerId: string): string {
  return `stoa-${consumerId}`;
}

/** First 8 hex digits of a UUID id; for other ids, of a hash of it (stable either way). */
function shortId(id: string): string {
  const hex = id.replaceAll("-", "").toLowerCase();
  if (/^[0-9a-f]{8}/.test(hex)) return hex.slice(0, SHORT_ID_LENGTH);
  return createHash("sha1").update(id).digest("hex").slice(0, SHORT_ID_LENGTH);
}

/**
 * Kong tags accept printable characters except `,` and `/` (its filter separators): those, `%`,
 * spaces and control characters are percent-encoded so any Control Plane id fits in a tag.
 */
function encodeTagValue(value: string): string {
  // deno-lint-ignore no-control-regex -- control characters are exactly what must be escaped
  return value.replace(/[%,/\s\x00-\x1f\x7f]/g, (char) => encodeURIComponent(char));
}
