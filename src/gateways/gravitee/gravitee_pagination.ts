/**
 * Reads a whole Management API v2 collection (`GET …/apis`, `…/plans`, …) page by page. Gravitee
 * pages are numbered from 1 (`page`, `perPage`); the answer's `pagination.pageCount` says how many
 * there are (`0` and `pagination: {}` for an empty collection, `totalCount: -1` when counting
 * timed out, in which case a short page ends the reading).
 *
 * @module
 */

import type { z } from "zod";
import { GatewayHttpError } from "../admin_http.ts";
import type { Query } from "../../http/url.ts";
import type { GraviteeClient } from "./gravitee_client.ts";
import { graviteePageSchema } from "./gravitee_types.ts";

/** Items per page; Gravitee has no maximum, 100 keeps each answer small enough to parse fast. */
export const GRAVITEE_PAGE_SIZE = 100;
/** A collection longer than this many pages is a server that never says "last page". */
const MAX_PAGES = 100_000;

/** Options of {@linkcode readAllPages}. */
export interface ReadAllPagesOptions<T extends z.ZodType> {
  /** Client bound to the Management API. */
  readonly client: GraviteeClient;
  /** Path of the collection (already built with `client.v2(…)`). */
  readonly path: string;
  /** Schema of one item. */
  readonly item: T;
  /** Extra query parameters (filters, expands). */
  readonly query?: Query;
  /** Items per page (default {@linkcode GRAVITEE_PAGE_SIZE}). */
  readonly perPage?: number;
  /** Aborts the reading. */
  readonly signal?: AbortSignal;
}

// zod compiles a parser per schema instance: building the page schema once per item schema keeps
// one compiled parser for thousands of plan reads instead of one each.
const pageSchemas = new WeakMap<z.ZodType, z.ZodType>();

function pageSchemaOf<T extends z.ZodType>(item: T): ReturnType<typeof graviteePageSchema<T>> {
  let schema = pageSchemas.get(item);
  if (!schema) {
    schema = graviteePageSchema(item);
    pageSchemas.set(item, schema);
  }
  return schema as ReturnType<typeof graviteePageSchema<T>>;
}

/** Every item of the collection, in Gravitee's order. */
export async function readAllPages<T extends z.ZodType>(
  options: ReadAllPagesOptions<T>,
): Promise<z.infer<T>[]> {
  const { client, path, signal } = options;
  const perPage = options.perPage ?? GRAVITEE_PAGE_SIZE;
  const schema = pageSchemaOf(options.item);
  const items: z.infer<T>[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const answer = await client.call("GET", path, {
      query: { ...options.query, page, perPage },
      schema,
      signal,
    });
    items.push(...answer.data as z.infer<T>[]);
    const pageCount = answer.pagination?.pageCount;
    const known = typeof pageCount === "number" && (answer.pagination?.totalCount ?? 0) >= 0;
    if (known ? page >= pageCount : answer.data.length < perPage) return items;
  }
  throw new GatewayHttpError(
    `Gravitee kept announcing more pages of ${
      client.describe("GET", path)
    } after ${MAX_PAGES}: stopping to avoid an endless loop`,
    {},
  );
}
