/**
 * What `stoactl connect status` reports, in its stable JSON shape, built from the agent's
 * `/status` (every component) or, for agents without it, `/health`. Agent answers are read
 * leniently: a field the agent does not send is `null`, never a crash.
 *
 * @module
 */

import { z } from "zod";

/** The last sync of one kind, as the agent reports it. Counts are `null` when not reported. */
export interface LastSync {
  /** When it ran (ISO 8601). */
  readonly at: string | null;
  /** `ok`, `failed`, `held` (the kind ran), `skipped`, `off`, `not_run`. */
  readonly status: string | null;
  /** Items created or updated. */
  readonly applied: number | null;
  /** Items deleted. */
  readonly removed: number | null;
  /** Items already right. */
  readonly unchanged: number | null;
  /** Items that failed. */
  readonly failed: number | null;
  /** Why the kind failed, was skipped or is off. */
  readonly error: string | null;
}

/** The JSON of `stoactl connect status --output json` (documented in the README). */
export interface StatusReport {
  /** The agent address queried. */
  readonly agent_url: string;
  /** Agent version. */
  readonly version: string | null;
  /** `ok` or `degraded`. */
  readonly status: "ok" | "degraded";
  /** Why the agent is degraded (empty when ok). */
  readonly reasons: readonly string[];
  /** `/readyz` verdict, `null` when the agent does not report it. */
  readonly ready: boolean | null;
  /** Registered with the Control Plane. */
  readonly registered: boolean;
  /** Gateway id, `null` when unregistered. */
  readonly gateway_id: string | null;
  /** `STOA_INSTANCE_NAME`. */
  readonly instance_name: string | null;
  /** `STOA_ENVIRONMENT`. */
  readonly environment: string | null;
  /** Seconds since the agent started. */
  readonly uptime_seconds: number | null;
  /** The Control Plane link: URL, name, registration, last heartbeat, last error. */
  readonly control_plane: ControlPlaneLink;
  /** The gateway link: product, version, edition, mode, admin URL, reachable, last error. */
  readonly gateway: GatewayLink;
  /** The latest discovery. */
  readonly discovery: {
    readonly apis: number;
    readonly routes: number | null;
    readonly at: string | null;
    readonly reported: boolean | null;
  };
  /** The last sync of each kind, `null` when the agent reports none. */
  readonly sync: {
    readonly policies: LastSync | null;
    readonly routes: LastSync | null;
    readonly credentials: LastSync | null;
  };
}

const text = z.string().nullish().catch(null).transform((v) => v ?? null);
const count = z.number().nullish().catch(null).transform((v) => v ?? null);
const flag = z.boolean().nullish().catch(null).transform((v) => v ?? null);

/** `/health` (also the Go agent's, which adds `commit` and always says `ok`). */
const HealthSchema = z.looseObject({
  status: z.string().catch("degraded"),
  version: text,
  gateway_id: text,
  discovered_apis: z.number().catch(0).default(0),
  reasons: z.array(z.string()).catch([]).default([]),
});

/**
 * One kind in `/status.sync` (src/agent/sync_status.ts): status, `last_run_at`, `error` or
 * `reason`, the planned-action `summary`, and the items that changed, failed or are held (cut at a
 * limit, then `items_omitted` says how many more). Explicit counts are read too.
 */
const SyncRecordSchema = z.looseObject({
  at: text,
  last_run_at: text,
  status: text,
  error: text,
  reason: text,
  applied: count,
  removed: count,
  unchanged: count,
  failed: count,
  summary: z.looseObject({
    create: count,
    update: count,
    delete: count,
    unchanged: count,
    failed: count,
  }).nullish().catch(null),
  items: z.array(z.looseObject({ status: text })).nullish().catch(null),
  items_omitted: count,
});

/** Reads an optional component: absent or malformed, every field is `null`. */
function component<T extends z.ZodObject>(schema: T) {
  return schema.nullish().catch(null).transform((value) => value ?? schema.parse({}));
}

/** `/status.control_plane`, reduced to what stoactl reports (unknown fields dropped). */
const ControlPlaneLinkSchema = z.object({
  url: text,
  gateway_name: text,
  registered_at: text,
  last_heartbeat_at: text,
  last_error: text,
  last_error_at: text,
});
/** The Control Plane link as reported. */
export type ControlPlaneLink = z.infer<typeof ControlPlaneLinkSchema>;

/** `/status.gateway`, reduced to what stoactl reports. */
const GatewayLinkSchema = z.object({
  type: text,
  configured_type: text,
  version: text,
  edition: text,
  dbless: flag,
  admin_url: text,
  reachable: flag,
  last_error: text,
  last_error_at: text,
});
/** The gateway link as reported. */
export type GatewayLink = z.infer<typeof GatewayLinkSchema>;

/** `/status` of stoa-connect (src/agent/health.ts); `/health` alone is `{ health }`. */
const StatusSchema = z.looseObject({
  version: text,
  instance_name: text,
  environment: text,
  uptime_seconds: count,
  health: HealthSchema,
  readiness: z.looseObject({ status: text }).nullish().catch(null),
  control_plane: component(ControlPlaneLinkSchema),
  gateway: component(GatewayLinkSchema),
  discovery: z.looseObject({ apis: count, routes: count, at: text, reported: flag }).nullish()
    .catch(null),
  sync: z.record(z.string(), z.unknown()).nullish().catch(null),
});

/** Registration facts in `/status.control_plane` that the report shows at the top level. */
const RegistrationSchema = z.looseObject({
  control_plane: z.looseObject({ registered: flag, gateway_id: text }).nullish().catch(null),
});

/** True when `body` looks like an agent's `/health` (so a stranger on the port is not read as one). */
export function isHealthBody(body: unknown): boolean {
  return typeof body === "object" && body !== null && "status" in body &&
    ("gateway_id" in body || "discovered_apis" in body);
}

function countStatus(items: readonly { status: string | null }[], status: string): number {
  return items.filter((item) => item.status === status).length;
}

/** The last sync of one kind from `/status.sync.<kind>`; `null` when the agent reports none. */
function lastSync(sync: unknown): LastSync | null {
  const parsed = SyncRecordSchema.safeParse(sync);
  if (sync === undefined || sync === null || !parsed.success) return null;
  const r = parsed.data;
  const s = r.summary;
  // Item statuses are exact unless the agent cut the list; then the planned actions stand in.
  const items = r.items_omitted === null ? r.items : null;
  const counted = (status: string, planned: number) =>
    s === null ? null : items ? countStatus(items, status) : planned;
  return {
    at: r.at ?? r.last_run_at,
    status: r.status,
    applied: r.applied ?? counted("applied", (s?.create ?? 0) + (s?.update ?? 0)),
    removed: r.removed ?? counted("removed", s?.delete ?? 0),
    unchanged: r.unchanged ?? s?.unchanged ?? null,
    failed: r.failed ?? s?.failed ?? null,
    error: r.error ?? r.reason,
  };
}

/** The report from an agent's `/status` body; `undefined` when the body is not one. */
export function fromStatus(agentUrl: string, body: unknown): StatusReport | undefined {
  const parsed = StatusSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const s = parsed.data;
  const h = s.health;
  const registration = RegistrationSchema.safeParse(body);
  const link = registration.success ? registration.data.control_plane : null;
  const gatewayId = link?.gateway_id ??
    (h.gateway_id && h.gateway_id !== "unregistered" ? h.gateway_id : null);
  return {
    agent_url: agentUrl,
    version: s.version ?? h.version,
    status: h.status === "ok" ? "ok" : "degraded",
    reasons: h.reasons,
    ready: s.readiness?.status ? s.readiness.status === "ready" : null,
    registered: link?.registered ?? gatewayId !== null,
    gateway_id: gatewayId,
    instance_name: s.instance_name,
    environment: s.environment,
    uptime_seconds: s.uptime_seconds,
    control_plane: s.control_plane,
    gateway: s.gateway,
    discovery: {
      apis: s.discovery?.apis ?? h.discovered_apis,
      routes: s.discovery?.routes ?? null,
      at: s.discovery?.at ?? null,
      reported: s.discovery?.reported ?? null,
    },
    sync: {
      policies: lastSync(s.sync?.policies),
      routes: lastSync(s.sync?.routes),
      credentials: lastSync(s.sync?.credentials),
    },
  };
}

/** The report from `/health` alone (agents without `/status`, e.g. the Go agent). */
export function fromHealth(agentUrl: string, body: unknown): StatusReport | undefined {
  return isHealthBody(body) ? fromStatus(agentUrl, { health: body }) : undefined;
}
