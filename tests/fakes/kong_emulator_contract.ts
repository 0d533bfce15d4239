/**
 * Shared by the Kong emulator's contract tests and the adapter's spec checks: where Kong's specs
 * are, the known defect corrected before use, and small helpers to call the emulator.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { KongEmulator } from "./kong_emulator.ts";
import { loadOpenApi, type OpenApiSpec } from "../support/openapi.ts";
import { specPath } from "../support/specs.ts";

/** Kong OSS 3.9 Admin API (the OSS path set). */
export const OSS_39 = "kong/admin-api/admin-oss-3.9.openapi.yaml";
/** Kong OSS 3.4 Admin API (LTS). */
export const OSS_34 = "kong/admin-api/admin-oss-3.4.openapi.yaml";
/** Kong Enterprise 3.10 Admin API (the shapes). */
export const EE_310 = "kong/admin-api/admin-ee-3.10.openapi.yaml";
/** Error bodies transcribed from Kong's tests. */
export const ERRORS = "kong/fixtures/errors";
/** Entity examples of Kong's 3.x docs. */
export const DOCS_3X = "kong/fixtures/docs-examples-3.x";
/** The OAuth2 plugin API (credential endpoints). */
export const OAUTH2_API = "kong/plugin-apis/oauth2.openapi.yaml";

/** EE 3.10 declares `next` a string; Kong answers `null` on the last page. */
const NEXT_NULLABLE_PATCH = {
  pointer: "/components/schemas/PaginationNextResponse",
  value: {
    description: "URI to the next page, null on the last page",
    type: "string",
    nullable: true,
  },
  reason: "Kong answers next: null on the last page (kong/api/endpoints.lua, 200-empty-list.json)",
};

/**
 * The OAuth2 plugin API declares `redirect_uris` and `tags` as plain arrays, but Kong answers
 * `null` for them when unset, like every unset field (`kong/plugins/oauth2/daos.lua`: neither is
 * required; the key-auth and basic-auth plugin APIs mark such fields nullable).
 */
const OAUTH2_NULLABLE_PATCHES = ["redirect_uris", "tags"].map((field) => ({
  pointer: `/components/schemas/OAuth2Credential/properties/${field}`,
  value: { type: "array", items: { type: "string" }, nullable: true },
  reason: `Kong answers ${field}: null when unset (kong/plugins/oauth2/daos.lua)`,
}));

const specs = new Map<string, Promise<OpenApiSpec>>();

/**
 * A Kong spec below the specs directory, loaded once, with the corrections of its known defects
 * (EE: `next: null`; OAuth2 plugin API: unset lists are `null`) unless `patched` is false.
 */
export function kongSpec(path: string, patched = true): Promise<OpenApiSpec> {
  const key = `${path}|${patched}`;
  let loaded = specs.get(key);
  if (!loaded) {
    const patches = !patched
      ? []
      : path.includes("admin-ee")
      ? [NEXT_NULLABLE_PATCH]
      : path === OAUTH2_API
      ? OAUTH2_NULLABLE_PATCHES
      : [];
    specs.set(key, loaded = loadOpenApi(specPath(path), { patches }));
  }
  return loaded;
}

/** An answer of the emulator. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

/** A JSON object. */
export type Json = Record<string, unknown>;

/** Calls the emulator without a socket. */
export async function call(
  kong: KongEmulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await kong.fetch(`http://kong.test${path}`, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, body: text === "" ? undefined : JSON.parse(text) };
}

/** The `data` of a list answer. */
export function data(answer: Answer): Json[] {
  return (answer.body as { data: Json[] }).data;
}

/** Ids and timestamps vary per run; compare everything else. */
export function normalise(value: unknown): unknown {
  if (typeof value === "string") {
    return value.replace(
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi,
      "<uuid>",
    );
  }
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map((
        [key, item],
      ) => [key, key.endsWith("_at") ? "<time>" : normalise(item)]),
    );
  }
  return value;
}

/** Reads a whole collection by following `next`, returning the pages. */
export async function allPages(kong: KongEmulator, first: string): Promise<Json[]> {
  const pages: Json[] = [];
  let next: string | null = first;
  while (next !== null) {
    const answer = await call(kong, "GET", next);
    assert.equal(answer.status, 200, `GET ${next}: ${answer.text}`);
    pages.push(answer.body as Json);
    next = (answer.body as { next: string | null }).next;
    assert.ok(pages.length < 1000, "pagination does not end");
  }
  return pages;
}
