/**
 * Transactional events pushed by webMethods API Gateway to `POST /webhook/events`, normalised as
 * the Go agent did (reference-agent.md §8.3).
 *
 * The payload is `{"events": [event, …]}` (the Go agent's contract; `{"transaction": [...]}`, the
 * shape of webMethods' own `/transactionalEvents/_search`, is read too). An event may use the Go
 * field names (`eventTimestamp` as a string of epoch milliseconds, `status` as a number) or
 * webMethods' own (`creationDate` as a number, `status` as `SUCCESS`/`FAILURE` with the HTTP code in
 * `responseCode`). A known field with the wrong type makes the whole payload invalid.
 *
 * @module
 */

import { z } from "zod";

/** One event after normalisation. */
export interface TelemetryEvent {
  /** When the gateway handled the request (receipt time when the event does not say). */
  readonly timestamp: Date;
  /** HTTP method, or the operation name when the method is missing. */
  readonly method: string;
  /** Resource path. */
  readonly path: string;
  /** HTTP status answered, 0 when unknown. */
  readonly status: number;
  /** Total time in milliseconds. */
  readonly latency_ms: number;
  /** Tenant, when set. */
  readonly tenant_id?: string;
  /** API name, when set. */
  readonly api_name?: string;
  /** API id, when set. */
  readonly api_id?: string;
}

const optionalText = z.string().nullable().optional();
const integer = z.number().int();

/** One raw event: only the fields read are typed; the others pass through. */
export const RawEventSchema = z.looseObject({
  eventTimestamp: optionalText,
  creationDate: integer.nullable().optional(),
  apiId: optionalText,
  apiName: optionalText,
  operationName: optionalText,
  httpMethod: optionalText,
  resourcePath: optionalText,
  status: z.union([integer, z.string()]).nullable().optional(),
  responseCode: z.union([integer, z.string()]).nullable().optional(),
  totalTime: integer.min(0).nullable().optional(),
  tenantId: optionalText,
});

/** A raw event. */
export type RawEvent = z.infer<typeof RawEventSchema>;

const PayloadSchema = z.looseObject({
  events: z.array(RawEventSchema).nullable().optional(),
  transaction: z.array(RawEventSchema).nullable().optional(),
}).nullable();

/** The outcome of reading a webhook body. */
export type WebhookPayload =
  | { readonly events: readonly TelemetryEvent[] }
  | { readonly error: string };

/**
 * Reads a parsed JSON body: the normalised events, or why the payload is invalid (a top-level value
 * that is not an object, or a known field of the wrong type, named by its position). `null`, `{}`
 * and a missing `events` are an empty batch.
 */
export function readWebhookPayload(body: unknown, now: Date = new Date()): WebhookPayload {
  if (body !== null && (typeof body !== "object" || Array.isArray(body))) {
    return { error: 'the body must be a JSON object such as {"events": [...]}' };
  }
  const parsed = PayloadSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.map((part, index) =>
      typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`
    ).join("");
    return { error: `${where || "body"}: ${issue.message}` };
  }
  const raw = [...(parsed.data?.events ?? []), ...(parsed.data?.transaction ?? [])];
  return { events: raw.map((event) => normaliseEvent(event, now)) };
}

/**
 * Normalises one event:
 * - `timestamp`: `eventTimestamp` read strictly as base-10 epoch milliseconds (digits with an
 *   optional sign; `"123abc"` is not a time), else `creationDate`, else `now`;
 * - `method`: `httpMethod`, or `operationName` when empty;
 * - `path`: `resourcePath`; `latency_ms`: `totalTime`;
 * - `status`: a numeric `status`, else `responseCode`, else 0;
 * - `tenant_id`, `api_name`, `api_id`: left out when empty.
 */
export function normaliseEvent(raw: RawEvent, now: Date = new Date()): TelemetryEvent {
  const event: {
    -readonly [K in keyof TelemetryEvent]: TelemetryEvent[K];
  } = {
    timestamp: eventTime(raw, now),
    method: raw.httpMethod || raw.operationName || "",
    path: raw.resourcePath ?? "",
    status: httpStatus(raw),
    latency_ms: raw.totalTime ?? 0,
  };
  if (raw.tenantId) event.tenant_id = raw.tenantId;
  if (raw.apiName) event.api_name = raw.apiName;
  if (raw.apiId) event.api_id = raw.apiId;
  return event;
}

function eventTime(raw: RawEvent, now: Date): Date {
  const text = raw.eventTimestamp ?? "";
  if (/^[+-]?\d+$/.test(text)) {
    const time = new Date(Number(text));
    if (!Number.isNaN(time.getTime())) return time;
  }
  if (typeof raw.creationDate === "number") {
    const time = new Date(raw.creationDate);
    if (!Number.isNaN(time.getTime())) return time;
  }
  return now;
}

function httpStatus(raw: RawEvent): number {
  for (const value of [raw.status, raw.responseCode]) {
    if (typeof value === "number") return value;
    if (typeof value === "string" && /^\d{3}$/.test(value.trim())) return Number(value.trim());
  }
  return 0;
}
