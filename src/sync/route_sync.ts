/**
 * Route sync (contract §8.2–§8.3, §9): deployed APIs from `GET /routes` (a full, authoritative
 * list) or from one `sync-deployment` event → validated {@linkcode DesiredRoute} items → plan
 * against the routes this agent owns → apply → `route-sync-ack` items with the three steps
 * `agent_received`, `adapter_connected`, `api_synced`, the deployment's generation and the error.
 *
 * A full list removes the owned routes it no longer names (an empty list removes them all), behind
 * the mass-deletion guard. An event applies its one route and deletes nothing. An invalid item is
 * acked `failed` with the reason when it has a deployment id, and what the agent owns for it is
 * left alone.
 *
 * Acks of a full cycle are sent only when they say something new for a deployment (first time in
 * this process, another generation, status or error), so a quiet cycle sends none; an event is
 * always answered.
 *
 * @module
 */

import type { z } from "zod";
import type { ControlPlaneClient } from "../control_plane/client.ts";
import {
  DeploymentEventSchema,
  describeZodError,
  type Route,
  routeFromDeploymentEvent,
  RouteSchema,
  type RouteSyncStep,
} from "../control_plane/schemas.ts";
import { rfc3339Seconds } from "../http/timestamps.ts";
import { log } from "../observability/logger.ts";
import { redact } from "../observability/redact.ts";
import type { DesiredRoute } from "./desired.ts";
import { type AppliedItem, applyPlan } from "./engine.ts";
import { KindRunner, type RunOptions, type SyncAdapterSource } from "./kind_runner.ts";
import { MassDeleteGuard } from "./mass_delete_guard.ts";
import { onDropped, type PendingAck, type RouteAckItem } from "./outbox.ts";
import { type InvalidItem, messageOf, reconcile } from "./reconcile.ts";
import type { KindOutcome } from "./sync_report.ts";

/** The Control Plane's route list, read item by item. */
export interface ReadRoutes {
  /** Valid routes. */
  readonly desired: DesiredRoute[];
  /** Items with a deployment id that cannot be applied, with the reason. */
  readonly invalid: InvalidItem[];
}

/** The agent's route for a validated Control Plane route. */
export function toDesiredRoute(route: Route): DesiredRoute {
  return {
    id: route.deployment_id,
    name: route.name,
    apiId: route.api_id,
    catalogId: route.id,
    pathPrefix: route.path_prefix,
    backendUrl: route.backend_url,
    methods: route.methods,
    activated: route.activated,
    ...(route.generation === undefined ? {} : { generation: route.generation }),
    specHash: route.spec_hash,
    openapiSpec: route.openapi_spec,
  };
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function generationOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** Validates the raw `/routes` items one by one. */
export function readRoutes(raw: readonly unknown[]): ReadRoutes {
  const desired: DesiredRoute[] = [];
  const invalid: InvalidItem[] = [];
  const seen = new Set<string>();
  const logger = log("route-sync");
  for (const item of raw) {
    const record = item !== null && typeof item === "object" ? item as Record<string, unknown> : {};
    const id = text(record.deployment_id);
    if (id === undefined) {
      logger.warn(
        "a route from the Control Plane has no deployment_id and cannot be acknowledged; it is ignored: {name}",
        { name: text(record.name) ?? JSON.stringify(item)?.slice(0, 120) },
      );
      continue;
    }
    if (seen.has(id)) {
      logger.warn("the Control Plane listed deployment {id} twice; the first one is used", { id });
      continue;
    }
    seen.add(id);
    const parsed = RouteSchema.safeParse(item);
    if (parsed.success) {
      desired.push(toDesiredRoute(parsed.data));
    } else {
      invalid.push({
        id,
        name: text(record.name) ?? id,
        error: `invalid route from the Control Plane: ${describeZodError(parsed.error)}`,
        ...(generationOf(record.generation) === undefined
          ? {}
          : { generation: generationOf(record.generation) }),
      });
    }
  }
  return { desired, invalid };
}

/** How the agent got to one route, for its ack steps. */
export interface RouteAckInput {
  /** Deployment id. */
  readonly id: string;
  /** Generation to echo. */
  readonly generation?: number;
  /** When the agent received the route. */
  readonly received: Date;
  /** When the adapter answered the plan, or why the item never reached it. */
  readonly adapter: { readonly at: Date } | { readonly failed: string } | {
    readonly skipped: string;
  };
  /** The results of the route's plan items (several only if the adapter split it). */
  readonly results?: readonly AppliedItem[];
}

function step(
  name: RouteSyncStep["name"],
  status: RouteSyncStep["status"],
  started: Date,
  completed: Date,
  detail?: string,
): RouteSyncStep {
  return {
    name,
    status,
    started_at: rfc3339Seconds(started),
    completed_at: rfc3339Seconds(completed),
    ...(detail === undefined ? {} : { detail: redact(detail) }),
  };
}

/** The `route-sync-ack` item of one route. */
export function routeAck(input: RouteAckInput): RouteAckItem {
  const received = step("agent_received", "success", input.received, input.received);
  const generation = input.generation === undefined ? {} : { generation: input.generation };
  const failed = (adapterStep: RouteSyncStep, synced: RouteSyncStep, error: string) => ({
    deployment_id: input.id,
    status: "failed" as const,
    error: redact(error),
    ...generation,
    steps: [received, adapterStep, synced],
  });
  const adapter = input.adapter;
  if ("failed" in adapter) {
    return failed(
      step("adapter_connected", "failed", input.received, input.received, adapter.failed),
      step("api_synced", "skipped", input.received, input.received),
      adapter.failed,
    );
  }
  if ("skipped" in adapter) {
    return failed(
      step("adapter_connected", "skipped", input.received, input.received),
      step("api_synced", "failed", input.received, input.received, adapter.skipped),
      adapter.skipped,
    );
  }
  const connected = step("adapter_connected", "success", adapter.at, adapter.at);
  const results = input.results ?? [];
  if (results.length === 0) {
    const error = "the gateway adapter planned nothing for this route (a stoa-connect bug)";
    return failed(connected, step("api_synced", "failed", adapter.at, adapter.at, error), error);
  }
  const started = new Date(Math.min(...results.map((r) => r.startedAt.getTime())));
  const completed = new Date(Math.max(...results.map((r) => r.completedAt.getTime())));
  const failure = results.find((result) => result.status === "failed");
  if (failure) {
    const error = failure.error ?? "failed";
    return failed(connected, step("api_synced", "failed", started, completed, error), error);
  }
  const unchanged = results.every((result) => result.status === "unchanged");
  return {
    deployment_id: input.id,
    status: "applied",
    ...generation,
    steps: [
      received,
      connected,
      step(
        "api_synced",
        "success",
        started,
        completed,
        unchanged ? "already up to date on the gateway" : undefined,
      ),
    ],
  };
}

/** What became of one `sync-deployment` event. */
export interface EventOutcome {
  /** The deployment. */
  readonly deploymentId: string;
  /** The ack sent (or queued). */
  readonly ack: RouteAckItem;
  /** When it was handled (ISO 8601). */
  readonly at: string;
}

/** Options of {@linkcode RouteSync}. */
export interface RouteSyncOptions {
  /** Control Plane client. */
  readonly client: Pick<ControlPlaneClient, "fetchRoutes">;
  /** Where the adapter comes from. */
  readonly adapter: SyncAdapterSource;
  /** The current gateway id (`undefined` while unregistered). */
  readonly gatewayId: () => string | undefined;
  /** The name `/routes` is filtered by (`STOA_INSTANCE_NAME`). */
  readonly gatewayName: string;
  /** Queues acks and tries to deliver them; resolves once tried. */
  readonly acknowledge?: (acks: readonly PendingAck[]) => Promise<void>;
  /** Most items written at once (default 8). */
  readonly concurrency?: number;
  /** Called after every real full run. */
  readonly onOutcome?: (outcome: KindOutcome) => void;
  /** Called after every event handled. */
  readonly onEvent?: (outcome: EventOutcome) => void;
}

/** Synchronises deployed routes onto the gateway. */
export class RouteSync {
  /** The guard against mass deletion of routes. */
  readonly guard: MassDeleteGuard = new MassDeleteGuard("route");
  readonly #options: RouteSyncOptions;
  readonly #runner: KindRunner;
  /** The desired routes as last known: the last full list plus the events since. */
  #known = new Map<string, DesiredRoute>();
  /**
   * The last ack produced per deployment, to send only news. An ack the outbox drops (refused for
   * good) is forgotten here, so a later cycle produces it again.
   */
  #acked = new Map<string, string>();
  #lastEvent: EventOutcome | undefined;

  /** A route sync that has not run yet. */
  constructor(options: RouteSyncOptions) {
    this.#options = options;
    this.#runner = new KindRunner({
      kind: "route",
      adapter: options.adapter,
      onOutcome: options.onOutcome,
    });
  }

  /** The outcome of the last real full run. */
  get last(): KindOutcome | undefined {
    return this.#runner.last;
  }

  /** The last event handled. */
  get lastEvent(): EventOutcome | undefined {
    return this.#lastEvent;
  }

  /** One full cycle: pull `/routes`, plan, apply (unless dry run), acknowledge. */
  run(options: RunOptions = {}): Promise<KindOutcome> {
    const dryRun = options.dryRun ?? false;
    return this.#runner.run(options, async (adapter, startedAt) => {
      if (this.#options.gatewayId() === undefined) {
        throw new Error(
          "not registered with the Control Plane yet; routes are synchronised once registration succeeds",
        );
      }
      const raw = await this.#options.client.fetchRoutes(this.#options.gatewayName, {
        signal: options.signal,
      });
      const received = new Date();
      const read = readRoutes(raw);
      if (!dryRun) this.#known = new Map(read.desired.map((route) => [route.id, route]));
      let planned: Date = received;
      const outcome = await reconcile({
        kind: "route",
        adapter,
        plan: async (a) => {
          const plan = await a.planRoutes(read.desired, { signal: options.signal });
          planned = new Date();
          return plan;
        },
        invalid: read.invalid,
        guard: this.guard,
        dryRun,
        concurrency: this.#options.concurrency,
        startedAt,
        signal: options.signal,
      });
      if (!dryRun) await this.#acknowledge(this.#cycleAcks(read, outcome, received, planned));
      return outcome;
    });
  }

  /**
   * Handles one `sync-deployment` event (its raw `data`): maps the catalog-shaped desired state
   * to a route, applies that route alone and acknowledges it. Undecodable events are logged and
   * dropped; a desired state that makes no route is acked `failed`.
   */
  handleEvent(data: string, options: { readonly signal?: AbortSignal } = {}): Promise<
    EventOutcome | undefined
  > {
    const received = new Date();
    const logger = log("route-sync");
    let event: z.infer<typeof DeploymentEventSchema>;
    try {
      const parsed = DeploymentEventSchema.safeParse(JSON.parse(data));
      if (!parsed.success) throw new Error(describeZodError(parsed.error));
      event = parsed.data;
    } catch (error) {
      logger.warn("a sync-deployment event could not be read and was dropped: {error}", {
        error: messageOf(error),
      });
      return Promise.resolve(undefined);
    }
    const id = event.deployment_id;
    logger.info("deployment {id} received on the event stream (status {status})", {
      id,
      status: event.sync_status ?? "unknown",
    });
    let route: DesiredRoute;
    try {
      route = toDesiredRoute(routeFromDeploymentEvent(event));
    } catch (error) {
      const reason = `decode desired_state: ${
        error instanceof Error && "issues" in error
          ? describeZodError(error as z.ZodError)
          : messageOf(error)
      }`;
      return this.#runner.exclusive(() =>
        this.#answer(routeAck({ id, received, adapter: { skipped: reason } }))
      );
    }
    return this.#runner.exclusive(async () => {
      let ack: RouteAckItem;
      try {
        const adapter = await this.#options.adapter(options.signal);
        this.#known.set(route.id, route);
        const full = await adapter.planRoutes([...this.#known.values()], {
          signal: options.signal,
        });
        const planned = new Date();
        // Only this route: an event never deletes, and other routes wait for their own turn.
        const plan = { ...full, items: full.items.filter((item) => item.id === route.id) };
        const results = await applyPlan(plan, {
          adapter,
          concurrency: this.#options.concurrency,
          signal: options.signal,
        });
        ack = routeAck({
          id,
          generation: route.generation,
          received,
          adapter: { at: planned },
          results,
        });
      } catch (error) {
        options.signal?.throwIfAborted();
        const failed = `cannot reach the gateway: ${messageOf(error)}`;
        ack = routeAck({ id, generation: route.generation, received, adapter: { failed } });
      }
      return this.#answer(ack);
    });
  }

  async #answer(ack: RouteAckItem): Promise<EventOutcome> {
    const outcome = { deploymentId: ack.deployment_id, ack, at: new Date().toISOString() };
    this.#lastEvent = outcome;
    const logger = log("route-sync");
    if (ack.status === "applied") {
      logger.info("deployment {id} applied", { id: ack.deployment_id });
    } else {
      logger.warn("deployment {id} failed: {error}", { id: ack.deployment_id, error: ack.error });
    }
    this.#options.onEvent?.(outcome);
    await this.#acknowledge([this.#pending(ack, rfc3339Seconds())]);
    return outcome;
  }

  /** The acks of a full cycle that say something new. */
  #cycleAcks(read: ReadRoutes, outcome: KindOutcome, received: Date, planned: Date): PendingAck[] {
    const byId = new Map<string, AppliedItem[]>();
    for (const result of outcome.results ?? []) {
      byId.set(result.id, [...(byId.get(result.id) ?? []), result]);
    }
    const adapter = outcome.status === "failed"
      ? { failed: outcome.error ?? "failed" }
      : { at: planned };
    const acks: RouteAckItem[] = [
      ...read.invalid.map((item) =>
        routeAck({
          id: item.id,
          generation: item.generation,
          received,
          adapter: { skipped: item.error },
        })
      ),
      ...read.desired.map((route) =>
        routeAck({
          id: route.id,
          generation: route.generation,
          received,
          adapter,
          results: byId.get(route.id),
        })
      ),
    ];
    const at = rfc3339Seconds();
    const news: PendingAck[] = [];
    for (const ack of acks) {
      if (this.#acked.get(ack.deployment_id) === signature(ack)) continue;
      news.push(this.#pending(ack, at));
    }
    return news;
  }

  /** Records `ack` as sent, until the outbox drops it. */
  #pending(ack: RouteAckItem, at: string): PendingAck {
    const key = signature(ack);
    this.#acked.set(ack.deployment_id, key);
    return onDropped({ kind: "route", at, ack }, () => {
      if (this.#acked.get(ack.deployment_id) === key) this.#acked.delete(ack.deployment_id);
    });
  }

  async #acknowledge(acks: readonly PendingAck[]): Promise<void> {
    if (acks.length > 0) await this.#options.acknowledge?.(acks);
  }
}

/** What makes two acks of a deployment say the same thing. */
function signature(ack: RouteAckItem): string {
  return JSON.stringify([ack.generation ?? null, ack.status, ack.error ?? null]);
}
