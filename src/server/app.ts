/**
 * The local HTTP server (Hono): health and readiness for orchestrators, `/status` for operators,
 * `/metrics` for Prometheus, `POST /discover` to run discovery on demand, and `POST /sync` to run
 * policy, route and credential sync now (`?dry_run=true`: only the plan), and
 * `POST /webhook/events` for the transactional events webMethods pushes. The body of `/sync` is
 * described in `src/sync/sync_report.ts`.
 *
 * @module
 */

import { Hono } from "hono";
import type { DiscoveryResult } from "../agent/discovery.ts";
import type { HealthReport, ReadinessReport } from "../agent/health.ts";
import { syncHttpStatus, type SyncReport } from "../sync/sync_report.ts";
import { redact, redactValue } from "../observability/redact.ts";
import type { WebhookEventMetrics } from "../observability/webhook_metrics.ts";
import { type RemoteAddress, requireOperator } from "./access.ts";
import { createWebhookEventsApp } from "./webhook_events.ts";

/** What the server needs from the agent. */
export interface AgentView {
  /** `/health` body. */
  health(): HealthReport;
  /** `/readyz` body. */
  readiness(): ReadinessReport;
  /** `/status` body. */
  status(): Record<string, unknown>;
  /** Prometheus exposition. */
  metrics(): Promise<{ body: string; contentType: string }>;
  /** Runs discovery now. */
  discoverNow(): Promise<DiscoveryResult>;
  /** Runs (or, with `dryRun`, plans) policy, route and credential sync now. */
  syncNow(options: { readonly dryRun: boolean }): Promise<SyncReport>;
  /** Where events pushed to `POST /webhook/events` are counted. */
  readonly webhookEvents: WebhookEventMetrics;
}

/** True for `?dry_run=true` (also `1`, `yes`, or a bare `?dry_run`). */
function dryRunRequested(value: string | undefined): boolean {
  if (value === undefined) return false;
  return ["", "true", "1", "yes"].includes(value.trim().toLowerCase());
}

/** Options for {@linkcode createApp}. */
export interface AppOptions {
  /** The agent. */
  readonly agent: AgentView;
  /** `STOA_CONNECT_TOKEN`, when set. */
  readonly token?: string;
  /** How to learn the caller's address (from the server's connection info). */
  readonly remoteAddress: RemoteAddress;
}

/** Builds the Hono app. */
export function createApp(options: AppOptions): Hono {
  const { agent } = options;
  const app = new Hono();
  const operator = requireOperator({ token: options.token, remoteAddress: options.remoteAddress });

  app.get("/health", (c) => c.json(agent.health()));
  app.get("/livez", (c) => c.json({ status: "alive" }));
  app.get("/readyz", (c) => {
    const report = agent.readiness();
    return c.json(report, report.status === "ready" ? 200 : 503);
  });
  app.get("/status", (c) => c.json(agent.status()));
  app.get("/metrics", async (c) => {
    const { body, contentType } = await agent.metrics();
    return c.body(body, 200, { "content-type": contentType });
  });
  app.post("/discover", operator, async (c) => {
    try {
      return c.json(redactValue(await agent.discoverNow()));
    } catch (error) {
      return c.json({
        error: "discovery_failed",
        message: redact(error instanceof Error ? error.message : String(error)),
      }, 502);
    }
  });

  app.post("/sync", operator, async (c) => {
    const report = await agent.syncNow({ dryRun: dryRunRequested(c.req.query("dry_run")) });
    return c.json(report, syncHttpStatus(report));
  });

  // The gateway pushes here: open like the read endpoints, bounded to 1 MiB per call.
  app.route("/webhook/events", createWebhookEventsApp({ metrics: agent.webhookEvents }));

  app.notFound((c) =>
    c.json({
      error: "not_found",
      message: `no route for ${c.req.method} ${new URL(c.req.url).pathname}`,
    }, 404)
  );
  app.onError((error, c) =>
    c.json({ error: "internal_error", message: redact(error.message) }, 500)
  );
  return app;
}
