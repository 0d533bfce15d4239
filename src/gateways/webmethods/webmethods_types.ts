/**
 * Schemas of the webMethods API Gateway REST answers the adapter reads (`/rest/apigateway`, 10.15
 * and 11.x), and readers that accept the shapes the product really answers with.
 *
 * The Swagger files and the product disagree on envelopes: the product wraps single objects and
 * lists (`{"apiResponse": …}`, `{"policy": …}`, `{"policyAction": …}`, `{"applications": […]}`)
 * where the Swagger declares bare objects or arrays, and API entries come nested
 * (`{"api": {…}, "responseStatus"}`) or flat. The readers accept every one of these shapes; only the
 * fields the agent uses are required, everything else passes through.
 *
 * @module
 */

import { z } from "zod";

const optionalString = z.string().nullable().optional();
const optionalBoolean = z.boolean().nullable().optional();
const optionalStrings = z.array(z.string()).nullable().optional();

/** A string with its locale (`names`, `descriptions`). */
export const LocalizedStringSchema = z.looseObject({
  value: optionalString,
  locale: optionalString,
});

/** A localized string. */
export type LocalizedString = z.infer<typeof LocalizedStringSchema>;

/** One API as `GET /apis` lists it. */
export const ApiSummarySchema = z.looseObject({
  id: z.string().min(1),
  apiName: z.string().min(1),
  apiVersion: optionalString,
  apiDescription: optionalString,
  isActive: optionalBoolean,
  type: optionalString,
});

/** An API of the list. */
export type ApiSummary = z.infer<typeof ApiSummarySchema>;

/** A native (backend) endpoint of an API. */
const NativeEndpointSchema = z.looseObject({ uri: optionalString });

/** One API as `GET /apis/{id}` answers it (the webMethods API model, `GatewayAPI`). */
export const ApiDetailSchema = ApiSummarySchema.extend({
  nativeEndpoint: z.array(NativeEndpointSchema).nullable().optional(),
  apiDefinition: z.looseObject({
    paths: z.record(z.string(), z.unknown()).nullable().optional(),
  }).nullable().optional(),
  /** Resources of the pre-10 REST model (still answered by some gateways, read by the Go agent). */
  resources: z.array(z.looseObject({
    resourcePath: z.string(),
    methods: optionalStrings,
  })).nullable().optional(),
  /** Ids of the API's own policy (one). */
  policies: optionalStrings,
});

/** An API with its definition. */
export type ApiDetail = z.infer<typeof ApiDetailSchema>;

/** One enforcement (a policy action id) of a policy stage. */
export const EnforcementSchema = z.looseObject({
  enforcementObjectId: z.string().min(1),
  order: z.union([z.string(), z.number()]).nullable().optional(),
});

/** A policy: the API's own policy, or a global policy. */
export const PolicySchema = z.looseObject({
  id: z.string().min(1),
  names: z.array(LocalizedStringSchema).nullable().optional(),
  descriptions: z.array(LocalizedStringSchema).nullable().optional(),
  policyEnforcements: z.array(z.looseObject({
    stageKey: z.string(),
    enforcements: z.array(EnforcementSchema).nullable().optional(),
  })).nullable().optional(),
  policyScope: optionalString,
  global: optionalBoolean,
  active: optionalBoolean,
});

/** A webMethods policy. */
export type Policy = z.infer<typeof PolicySchema>;

/** A parameter of a policy action: values, or nested parameters (always strings on the wire). */
export interface ActionParameter {
  /** Parameter key from the template, e.g. `throttleRule`. */
  readonly templateKey: string;
  /** Values, always strings. */
  readonly values?: readonly string[] | null;
  /** Nested parameters of a complex parameter. */
  readonly parameters?: readonly ActionParameter[] | null;
}

/** Schema of {@linkcode ActionParameter} (recursive). */
export const ActionParameterSchema: z.ZodType<ActionParameter> = z.looseObject({
  templateKey: z.string(),
  values: optionalStrings,
  get parameters() {
    return z.array(ActionParameterSchema).nullable().optional();
  },
});

/** A policy action (one enforcement: throttle, cors, logInvocation, …). */
export const PolicyActionSchema = z.looseObject({
  id: z.string().min(1),
  names: z.array(LocalizedStringSchema).nullable().optional(),
  descriptions: z.array(LocalizedStringSchema).nullable().optional(),
  templateKey: z.string().min(1),
  parameters: z.array(ActionParameterSchema).nullable().optional(),
  active: optionalBoolean,
});

/** A webMethods policy action. */
export type PolicyAction = z.infer<typeof PolicyActionSchema>;

/** An application identifier (how webMethods recognises the application's requests). */
export const IdentifierSchema = z.looseObject({
  id: optionalString,
  key: z.string(),
  name: optionalString,
  value: optionalStrings,
});

/** An application identifier. */
export type Identifier = z.infer<typeof IdentifierSchema>;

/** An application (a consumer). */
export const ApplicationSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  description: optionalString,
  version: optionalString,
  identifiers: z.array(IdentifierSchema).nullable().optional(),
});

/** A webMethods application. */
export type Application = z.infer<typeof ApplicationSchema>;

/** `GET /applications/{id}/apis`. */
export const RegisteredApisSchema = z.looseObject({ apiIDs: optionalStrings });

/** `GET /health/engine`: only what detection needs. */
export const EngineHealthSchema = z.looseObject({
  status: z.string(),
  is: z.unknown().optional(),
  elasticsearch: z.unknown().optional(),
  terracotta: z.unknown().optional(),
});

/** A webMethods error body: `{"errorDetails": " <message>"}` (note the leading space). */
export const ErrorBodySchema = z.looseObject({ errorDetails: z.string() });

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

/**
 * The APIs of a `GET /apis` answer, or `undefined` when the body is not a list of APIs. Entries
 * are nested (`{"api": {…}, "responseStatus"}`) or flat (`{"id", "apiName", …}`); entries that are
 * neither, such as `{"responseStatus": "NOT_FOUND"}` for an unknown id, are left out.
 */
export function readApiList(body: unknown): ApiSummary[] | undefined {
  const entries = record(body)?.apiResponse;
  if (!Array.isArray(entries)) return undefined;
  const apis: ApiSummary[] = [];
  for (const entry of entries) {
    const nested = ApiSummarySchema.safeParse(record(entry)?.api);
    if (nested.success) {
      apis.push(nested.data);
      continue;
    }
    const flat = ApiSummarySchema.safeParse(entry);
    if (flat.success) apis.push(flat.data);
  }
  return apis;
}

/**
 * The API of a `GET /apis/{id}` (or create, update, activate) answer, nested
 * (`{"apiResponse": {"api": {…}}}`) or flat (`{"apiResponse": {…}}`, `{"api": {…}}`, `{…}`), or
 * `undefined` when no shape fits.
 */
export function readApiDetail(body: unknown): ApiDetail | undefined {
  const root = record(body);
  const response = record(root?.apiResponse);
  for (const candidate of [response?.api, response, root?.api, root]) {
    const parsed = ApiDetailSchema.safeParse(candidate);
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

/** Policies of `{"policy": [...]}`, `{"policy": {...}}` or a bare array; `undefined` otherwise. */
export function readPolicies(body: unknown): Policy[] | undefined {
  return readWrapped(body, "policy", PolicySchema);
}

/** Policy actions of `{"policyAction": [...]}`, `{"policyAction": {...}}` or a bare array. */
export function readPolicyActions(body: unknown): PolicyAction[] | undefined {
  return readWrapped(body, "policyAction", PolicyActionSchema);
}

/** Applications of `{"applications": [...]}`, a bare array, or one bare application. */
export function readApplications(body: unknown): Application[] | undefined {
  const single = ApplicationSchema.safeParse(body);
  if (single.success) return [single.data];
  return readWrapped(body, "applications", ApplicationSchema);
}

function readWrapped<T extends z.ZodType>(
  body: unknown,
  key: string,
  schema: T,
): z.infer<T>[] | undefined {
  const wrapped = record(body)?.[key] ?? body;
  const list = Array.isArray(wrapped) ? wrapped : [wrapped];
  const parsed = z.array(schema).safeParse(list);
  return parsed.success ? parsed.data : undefined;
}

/** The trimmed `errorDetails` of a webMethods error body, when there is one. */
export function errorDetails(body: unknown): string | undefined {
  const parsed = ErrorBodySchema.safeParse(body);
  return parsed.success ? parsed.data.errorDetails.trim() : undefined;
}

/** The first localized value (policy and action names). */
export function firstValue(strings: readonly LocalizedString[] | null | undefined): string {
  return strings?.find((entry) => entry.value)?.value ?? "";
}
