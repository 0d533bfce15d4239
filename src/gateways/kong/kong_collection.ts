/**
 * Reads a whole Kong collection (`/services`, `/routes`, `/plugins`, …) by following `next`, with
 * the largest page Kong allows, so a gateway of any size costs a handful of calls.
 *
 * @module
 */

import type { z } from "zod";
import { type AdminHttpClient, type AdminResponse, GatewayHttpError } from "../admin_http.ts";
import { joinUrl, segment } from "../../http/url.ts";
import {
  describeCall,
  type KongCallContext,
  kongStatusError,
  kongUnreachableError,
} from "./kong_errors.ts";
import { kongPageSchema } from "./kong_types.ts";

/** Largest page Kong accepts (`size` 1..1000). */
export const KONG_MAX_PAGE_SIZE = 1000;
/** Issues quoted in a malformed-page error; the rest are counted. */
const ISSUES_SHOWN = 3;

/** Options of {@linkcode readCollection}. */
export interface ReadCollectionOptions<T extends z.ZodType> {
  /** Client bound to the Admin API base URL. */
  readonly client: AdminHttpClient;
  /** Collection path below the Admin API (or workspace) root, e.g. `services`. */
  readonly collection: string;
  /** Schema of one entity; each page is checked before use. */
  readonly item: T;
  /** Connection facts for error messages, and the Enterprise workspace prefix. */
  readonly context: KongCallContext;
  /** Aborts the reading (shutdown, or a sibling read that failed). */
  readonly signal?: AbortSignal;
  /** Kong tag filter (`a,b` = both, `a/b` = either); Kong carries it into `next`. */
  readonly tags?: string;
}

/**
 * Returns every entity of the collection, in Kong's order. Throws a `GatewayHttpError` naming the
 * collection and the page when a call fails, Kong answers with another status than 200, a page
 * does not have Kong's shape, or `next` goes round in circles.
 */
export async function readCollection<T extends z.ZodType>(
  options: ReadCollectionOptions<T>,
): Promise<z.infer<T>[]> {
  const { client, collection, context, signal } = options;
  const pageSchema = kongPageSchema(options.item);
  const prefix = context.workspace ? `${segment(context.workspace)}/` : "";
  const items: z.infer<T>[] = [];
  const seen = new Set<string>();
  let path = `${prefix}${collection}`;
  let query: Record<string, string | number> | undefined = options.tags === undefined
    ? { size: KONG_MAX_PAGE_SIZE }
    : { size: KONG_MAX_PAGE_SIZE, tags: options.tags };
  for (let page = 1;; page++) {
    const call = `${
      describeCall("GET", joinUrl(client.baseUrl, path))
    } (${collection}, page ${page})`;
    let response: AdminResponse;
    try {
      response = await client.send("GET", path, { query, signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      throw kongUnreachableError(error);
    }
    if (response.status !== 200) {
      throw kongStatusError({ call, status: response.status, body: response.body, context });
    }
    const parsed = pageSchema.safeParse(response.body);
    if (!parsed.success) {
      throw new GatewayHttpError(
        `Kong answered ${call} with a malformed page: ${describeIssues(parsed.error.issues)}`,
        { status: response.status, body: response.body },
      );
    }
    items.push(...parsed.data.data as z.infer<T>[]);
    const next = parsed.data.next;
    if (next === null || next === undefined || next === "") return items;
    path = nextPath(next, context.workspace);
    query = undefined;
    if (seen.has(path)) {
      throw new GatewayHttpError(
        `Kong answered ${call} with a next link already followed (${path}): stopping to avoid an endless loop`,
        { status: response.status, body: response.body },
      );
    }
    seen.add(path);
  }
}

/**
 * Kong's `next` is a path from the Admin API root (`/services?offset=…&size=1000`); the docs show
 * absolute URLs, which are reduced to their path so that a base URL with a path prefix (Admin API
 * behind a reverse proxy) is kept. With a workspace, the prefix is added unless Kong put it there.
 */
export function nextPath(next: string, workspace?: string): string {
  let path = next;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(next)) {
    const url = new URL(next);
    path = `${url.pathname}${url.search}`;
  }
  if (!path.startsWith("/")) path = `/${path}`;
  if (workspace) {
    const prefix = `/${segment(workspace)}`;
    if (!path.startsWith(`${prefix}/`)) path = `${prefix}${path}`;
  }
  return path.slice(1);
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, ISSUES_SHOWN).map((issue) => {
    const where = issue.path.length === 0 ? "(root)" : issue.path.map(String).join(".");
    return `${where}: ${issue.message}`;
  });
  const more = issues.length - ISSUES_SHOWN;
  return shown.join("; ") + (more > 0 ? ` (and ${more} more)` : "");
}
