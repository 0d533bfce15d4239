/**
 * Schemas of the Gravitee APIM Management API answers the adapter reads (v2 for APIs, plans,
 * subscriptions and API keys; v1 for applications, which v2 does not serve). Only the fields the
 * agent uses are required; everything else passes through untouched, so a newer APIM with more
 * fields still parses and an update sends back what it did not understand.
 *
 * @module
 */

import { z } from "zod";

/** One policy step inside a flow (`StepV4`; v2 flows use the same fields). */
export const GraviteeStepSchema = z.looseObject({
  name: z.string().optional(),
  description: z.string().optional(),
  enabled: z.boolean().optional(),
  policy: z.string().optional(),
  configuration: z.unknown().optional(),
  condition: z.string().optional(),
});

/** A policy step. */
export type GraviteeStep = z.infer<typeof GraviteeStepSchema>;

/** A flow selector (`HttpSelector`, `ChannelSelector`, …), discriminated by `type`. */
export const GraviteeSelectorSchema = z.looseObject({
  type: z.string(),
  path: z.string().optional(),
  pathOperator: z.string().optional(),
  methods: z.array(z.string()).optional(),
});

/** A flow of a v4 API or plan (`FlowV4`), or of a v2 one (`FlowV2`: `pre`/`post`). */
export const GraviteeFlowSchema = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  enabled: z.boolean().optional(),
  selectors: z.array(GraviteeSelectorSchema).optional(),
  request: z.array(GraviteeStepSchema).optional(),
  response: z.array(GraviteeStepSchema).optional(),
  subscribe: z.array(GraviteeStepSchema).optional(),
  publish: z.array(GraviteeStepSchema).optional(),
  pre: z.array(GraviteeStepSchema).optional(),
  post: z.array(GraviteeStepSchema).optional(),
});

/** A flow. */
export type GraviteeFlow = z.infer<typeof GraviteeFlowSchema>;

/** CORS settings of an HTTP listener (`Cors`). */
export const GraviteeCorsSchema = z.looseObject({
  enabled: z.boolean().optional(),
  allowOrigin: z.array(z.string()).optional(),
  allowMethods: z.array(z.string()).optional(),
  allowHeaders: z.array(z.string()).optional(),
  exposeHeaders: z.array(z.string()).optional(),
  allowCredentials: z.boolean().optional(),
  maxAge: z.number().int().optional(),
  runPolicies: z.boolean().optional(),
});

/** CORS settings. */
export type GraviteeCors = z.infer<typeof GraviteeCorsSchema>;

/** A listener of a v4 API, discriminated by `type` (`HTTP` has paths and CORS). */
export const GraviteeListenerSchema = z.looseObject({
  type: z.string(),
  paths: z.array(z.looseObject({ path: z.string().optional(), host: z.string().optional() }))
    .optional(),
  cors: GraviteeCorsSchema.optional(),
});

/** An endpoint of a v4 endpoint group (`configuration.target` for `http-proxy`). */
const EndpointV4Schema = z.looseObject({
  name: z.string().optional(),
  type: z.string(),
  configuration: z.looseObject({ target: z.string().optional() }).optional(),
});

/** An endpoint group of a v4 API. */
export const GraviteeEndpointGroupSchema = z.looseObject({
  name: z.string().optional(),
  type: z.string(),
  endpoints: z.array(EndpointV4Schema).optional(),
});

/** The `proxy` of a v2 API (virtual hosts and endpoint groups). */
const ProxyV2Schema = z.looseObject({
  virtualHosts: z.array(z.looseObject({ path: z.string().optional(), host: z.string().optional() }))
    .optional(),
  groups: z.array(z.looseObject({
    endpoints: z.array(z.looseObject({ target: z.string().optional() })).optional(),
  })).optional(),
  cors: GraviteeCorsSchema.optional(),
});

/**
 * An API as `GET /apis` and `GET /apis/{id}` return it: `Api` is a `oneOf` on
 * `definitionVersion` (V2, V4, FEDERATED, FEDERATED_AGENT); the fields of every branch the agent
 * reads are optional here and the branch is told by `definitionVersion`.
 */
export const GraviteeApiSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  definitionVersion: z.string(),
  apiVersion: z.string().optional(),
  description: z.string().optional(),
  type: z.string().optional(),
  state: z.string().optional(),
  deploymentState: z.string().optional(),
  lifecycleState: z.string().optional(),
  labels: z.array(z.string()).optional(),
  listeners: z.array(GraviteeListenerSchema).optional(),
  endpointGroups: z.array(GraviteeEndpointGroupSchema).optional(),
  flows: z.array(GraviteeFlowSchema).optional(),
  flowExecution: z.looseObject({
    mode: z.string().optional(),
    matchRequired: z.boolean().optional(),
  }).optional(),
  analytics: z.looseObject({}).optional(),
  contextPath: z.string().optional(),
  proxy: ProxyV2Schema.optional(),
});

/** An API. */
export type GraviteeApi = z.infer<typeof GraviteeApiSchema>;

/** A plan (`Plan`: `oneOf` PlanV2, PlanV4, PlanFederated on `definitionVersion`). */
export const GraviteePlanSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  definitionVersion: z.string().optional(),
  security: z.looseObject({ type: z.string(), configuration: z.unknown().optional() }).optional(),
  validation: z.string().optional(),
  mode: z.string().optional(),
  flows: z.array(GraviteeFlowSchema).optional(),
});

/** A plan. */
export type GraviteePlan = z.infer<typeof GraviteePlanSchema>;

/** A subscription as the v2 API returns it (`plan`, `application` are `{id, …}`). */
export const GraviteeSubscriptionSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  plan: z.looseObject({ id: z.string() }).optional(),
  application: z.looseObject({ id: z.string() }).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});

/** A subscription. */
export type GraviteeSubscription = z.infer<typeof GraviteeSubscriptionSchema>;

/** An API key of a subscription. */
export const GraviteeApiKeySchema = z.looseObject({
  id: z.string(),
  key: z.string(),
  revoked: z.boolean().optional(),
  expired: z.boolean().optional(),
  paused: z.boolean().optional(),
  expireAt: z.string().optional(),
});

/** An API key. */
export type GraviteeApiKey = z.infer<typeof GraviteeApiKeySchema>;

/** An application of the Management API v1 (snake_case; `settings.app.client_id`). */
export const GraviteeApplicationSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable().optional(),
  status: z.string().optional(),
  settings: z.looseObject({
    app: z.looseObject({
      type: z.string().nullable().optional(),
      client_id: z.string().nullable().optional(),
    }).nullable().optional(),
  }).nullable().optional(),
});

/** An application. */
export type GraviteeApplication = z.infer<typeof GraviteeApplicationSchema>;

/** A subscription as the Management API v1 lists an application's subscriptions. */
export const GraviteeV1SubscriptionSchema = z.looseObject({
  id: z.string(),
  api: z.string(),
  plan: z.string(),
  status: z.string(),
});

/** A v1 subscription. */
export type GraviteeV1Subscription = z.infer<typeof GraviteeV1SubscriptionSchema>;

/** `GET /management/v2/organizations/{orgId}` (`Organization`). */
export const GraviteeOrganizationSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
});

/** Gravitee's error envelope (`Error`): `{httpStatus, message, technicalCode?, details?}`. */
export const GraviteeErrorSchema = z.looseObject({
  httpStatus: z.number().int(),
  message: z.string().optional(),
  technicalCode: z.string().nullable().optional(),
  details: z.array(z.looseObject({ message: z.string().optional() })).nullable().optional(),
});

/**
 * One page of a v2 collection: `{data, pagination, links}`. `pagination` is `{}` and `links`
 * absent when the collection is empty; `totalCount` may be `-1` when counting timed out.
 */
export function graviteePageSchema<T extends z.ZodType>(item: T): z.ZodObject<{
  data: z.ZodArray<T>;
  pagination: z.ZodOptional<
    z.ZodObject<{
      page: z.ZodOptional<z.ZodNumber>;
      perPage: z.ZodOptional<z.ZodNumber>;
      pageCount: z.ZodOptional<z.ZodNumber>;
      totalCount: z.ZodOptional<z.ZodNumber>;
    }, z.core.$loose>
  >;
}, z.core.$loose> {
  return z.looseObject({
    data: z.array(item),
    pagination: z.looseObject({
      page: z.number().int().optional(),
      perPage: z.number().int().optional(),
      pageCount: z.number().int().optional(),
      totalCount: z.number().int().optional(),
    }).optional(),
  });
}
