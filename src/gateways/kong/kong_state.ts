/**
 * What planning reads from Kong: the objects the agent owns (tag `stoa-managed`) and, to resolve
 * policy targets, services by name or id. With a database these are paginated, tag-filtered
 * collection reads; without one, a single `GET /config` gives the whole state.
 *
 * @module
 */

import type { z } from "zod";
import { type AdminHttpClient, type AdminResponse, GatewayHttpError } from "../admin_http.ts";
import { joinUrl, segment } from "../../http/url.ts";
import { readCollection } from "./kong_collection.ts";
import { declarativeEntities, readDeclarative } from "./kong_declarative.ts";
import {
  describeCall,
  type KongCallContext,
  kongStatusError,
  kongUnreachableError,
} from "./kong_errors.ts";
import type { KongCollection } from "./kong_operations.ts";
import { OWNED_TAG } from "./kong_ownership.ts";
import { type KongService, KongServiceSchema } from "./kong_types.ts";

/** Reads Kong's state for one plan. Answers are cached for the life of the reader. */
export interface KongStateReader {
  /** True when Kong runs without a database (writes go through `POST /config`). */
  readonly dbless: boolean;
  /** Every entity of `collection` tagged `stoa-managed`, checked against `item`. */
  owned<T extends z.ZodType>(collection: KongCollection, item: T): Promise<z.infer<T>[]>;
  /** The service with this name or id, whoever owns it; `undefined` when there is none. */
  service(nameOrId: string): Promise<KongService | undefined>;
}

/** Options of {@linkcode openStateReader}. */
export interface StateReaderOptions {
  /** Client bound to the Admin API. */
  readonly client: AdminHttpClient;
  /** Workspace prefix and token facts. */
  readonly context: KongCallContext;
  /** Whether Kong runs without a database (from `GET /`). */
  readonly dbless: boolean;
  /** Aborts the reads. */
  readonly signal?: AbortSignal;
}

/** Opens a reader; without a database this already reads the declarative configuration. */
export async function openStateReader(options: StateReaderOptions): Promise<KongStateReader> {
  return options.dbless ? await declarativeReader(options) : databaseReader(options);
}

/** Services looked up one by one before the whole collection is read instead. */
const SINGLE_LOOKUPS = 20;

function databaseReader(options: StateReaderOptions): KongStateReader {
  const { client, context, signal } = options;
  const services = new Map<string, Promise<KongService | undefined>>();
  // Past a few lookups (policies on many APIs), one paginated read of every service is cheaper.
  let everyService: Promise<KongService[]> | undefined;
  return {
    dbless: false,
    async owned<T extends z.ZodType>(collection: KongCollection, item: T) {
      const entities = await readCollection({
        client,
        collection,
        item,
        context,
        signal,
        tags: OWNED_TAG,
      });
      // Filtered again here: the tag filter is an optimisation, ownership is decided by us.
      return entities.filter((entity) => isTagged(entity));
    },
    service(nameOrId: string) {
      let found = services.get(nameOrId);
      if (found) return found;
      if (everyService === undefined && services.size >= SINGLE_LOOKUPS) {
        everyService = readCollection({
          client,
          collection: "services",
          item: KongServiceSchema,
          context,
          signal,
        });
      }
      found = everyService
        ? everyService.then((all) =>
          all.find((service) => service.id === nameOrId) ??
            all.find((service) => service.name === nameOrId)
        )
        : fetchService(options, nameOrId);
      services.set(nameOrId, found);
      return found;
    },
  };
}

async function declarativeReader(options: StateReaderOptions): Promise<KongStateReader> {
  const document = await readDeclarative(options);
  return {
    dbless: true,
    owned<T extends z.ZodType>(collection: KongCollection, item: T) {
      const entities = declarativeEntities(document, collection).filter(isTagged);
      return Promise.resolve(entities.map((entity) => {
        const parsed = item.safeParse(entity);
        if (!parsed.success) {
          throw new GatewayHttpError(
            `Kong's declarative configuration has a malformed ${collection} entity (${
              String(entity.id)
            }): ${parsed.error.issues.map((issue) => issue.message).join("; ")}`,
            {},
          );
        }
        return parsed.data as z.infer<T>;
      }));
    },
    service(nameOrId: string) {
      const found = declarativeEntities(document, "services").find((service) =>
        service.id === nameOrId || service.name === nameOrId
      );
      const parsed = found ? KongServiceSchema.safeParse(found) : undefined;
      return Promise.resolve(parsed?.success ? parsed.data : undefined);
    },
  };
}

async function fetchService(
  options: StateReaderOptions,
  nameOrId: string,
): Promise<KongService | undefined> {
  const { client, context, signal } = options;
  const path = `${context.workspace ? `${segment(context.workspace)}/` : ""}services/${
    segment(nameOrId)
  }`;
  let response: AdminResponse;
  try {
    response = await client.send("GET", path, { signal });
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? error;
    throw kongUnreachableError(error);
  }
  if (response.status === 404) return undefined;
  const call = describeCall("GET", joinUrl(client.baseUrl, path));
  if (response.status !== 200) {
    throw kongStatusError({ call, status: response.status, body: response.body, context });
  }
  const parsed = KongServiceSchema.safeParse(response.body);
  if (!parsed.success) {
    throw new GatewayHttpError(`Kong answered ${call} with a malformed service`, {
      status: response.status,
      body: response.body,
    });
  }
  return parsed.data;
}

function isTagged(entity: unknown): boolean {
  const tags = (entity as { tags?: unknown }).tags;
  return Array.isArray(tags) && tags.includes(OWNED_TAG);
}
