/**
 * Schemas of the Kong Admin API answers the adapter reads. Only the fields the agent uses are
 * required; everything else passes through, so newer Kong versions with extra fields still parse.
 * Fields that older 3.x (or 2.x) versions omit are optional.
 *
 * @module
 */

import { z } from "zod";

/** `GET /`: only what detection needs. */
export const KongRootSchema = z.looseObject({
  tagline: z.string(),
  version: z.string().optional(),
  /** Absent before Kong 3.6. */
  edition: z.string().optional(),
  configuration: z.looseObject({
    database: z.string().optional(),
    role: z.string().optional(),
  }).optional(),
});

/** The body of `GET /`. */
export type KongRoot = z.infer<typeof KongRootSchema>;

/** A foreign key as Kong prints it: `{"id": "…"}`, or `null`. */
const ForeignKeySchema = z.looseObject({ id: z.string() }).nullable().optional();

/** A service (`GET /services`). */
export const KongServiceSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullable().optional(),
  protocol: z.string(),
  host: z.string(),
  port: z.number().int(),
  path: z.string().nullable().optional(),
  /** Absent before Kong 2.7; treated as enabled. */
  enabled: z.boolean().nullable().optional(),
  tags: z.array(z.string()).nullable().optional(),
});

/** A Kong service. */
export type KongService = z.infer<typeof KongServiceSchema>;

/** A route (`GET /routes`). */
export const KongRouteSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullable().optional(),
  service: ForeignKeySchema,
  paths: z.array(z.string()).nullable().optional(),
  methods: z.array(z.string()).nullable().optional(),
  protocols: z.array(z.string()).nullable().optional(),
  strip_path: z.boolean().nullable().optional(),
  tags: z.array(z.string()).nullable().optional(),
});

/** A Kong route. */
export type KongRoute = z.infer<typeof KongRouteSchema>;

/** A plugin (`GET /plugins`). */
export const KongPluginSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  enabled: z.boolean().nullable().optional(),
  service: ForeignKeySchema,
  route: ForeignKeySchema,
  consumer: ForeignKeySchema,
  config: z.record(z.string(), z.unknown()).nullable().optional(),
  tags: z.array(z.string()).nullable().optional(),
});

/** A Kong plugin. */
export type KongPlugin = z.infer<typeof KongPluginSchema>;

/** A consumer (`GET /consumers`). */
export const KongConsumerSchema = z.looseObject({
  id: z.string(),
  username: z.string().nullable().optional(),
  custom_id: z.string().nullable().optional(),
  tags: z.array(z.string()).nullable().optional(),
});

/** A Kong consumer. */
export type KongConsumer = z.infer<typeof KongConsumerSchema>;

/** A key-auth credential (`GET /key-auths`). */
export const KongKeyAuthSchema = z.looseObject({
  id: z.string(),
  key: z.string(),
  consumer: ForeignKeySchema,
  tags: z.array(z.string()).nullable().optional(),
});

/** A basic-auth credential (`GET /basic-auths`); Kong returns the password hashed. */
export const KongBasicAuthSchema = z.looseObject({
  id: z.string(),
  username: z.string(),
  password: z.string().nullable().optional(),
  consumer: ForeignKeySchema,
  tags: z.array(z.string()).nullable().optional(),
});

/** An OAuth2 application credential (`GET /oauth2`). */
export const KongOauth2Schema = z.looseObject({
  id: z.string(),
  name: z.string().nullable().optional(),
  client_id: z.string(),
  client_secret: z.string().nullable().optional(),
  hash_secret: z.boolean().nullable().optional(),
  consumer: ForeignKeySchema,
  tags: z.array(z.string()).nullable().optional(),
});

/**
 * One page of a collection: `{data, next, offset?}`. `next` is a path relative to the Admin API
 * root, `null` on the last page (some versions and the docs use an absolute URL).
 */
export function kongPageSchema<T extends z.ZodType>(item: T): z.ZodObject<{
  data: z.ZodArray<T>;
  next: z.ZodOptional<z.ZodNullable<z.ZodString>>;
  offset: z.ZodOptional<z.ZodNullable<z.ZodString>>;
}> {
  return z.object({
    data: z.array(item),
    next: z.string().nullable().optional(),
    offset: z.string().nullable().optional(),
  });
}

/*
 * Discovery keeps only what the discovered-API shape needs. These schemas strip everything else
 * (plugin configs above all) as each page is parsed, so a gateway of 10,000 services is held as
 * small records rather than as Kong's full entities.
 */

/** The fields of a service discovery uses. */
export const KongServiceSummarySchema = z.object(KongServiceSchema.shape).omit({ tags: true });

/** The fields of a route discovery uses. */
export const KongRouteSummarySchema = z.object(KongRouteSchema.shape).pick({
  id: true,
  service: true,
  paths: true,
  methods: true,
});

/** The fields of a plugin discovery uses. */
export const KongPluginSummarySchema = z.object(KongPluginSchema.shape).pick({
  name: true,
  enabled: true,
  service: true,
  route: true,
});
