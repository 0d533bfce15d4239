/**
 * `POST /webhook/events`: webMethods API Gateway pushes transactional events here; they are
 * normalised (reference-agent.md §8.3) and counted, and their latencies observed, as Prometheus
 * metrics. Bodies over 1 MiB are refused with 413 before more is read (the Go agent truncated them
 * silently, P-25); malformed payloads get 400 with a JSON error naming the problem.
 *
 * @example
 * ```ts
 * const metrics = new WebhookEventMetrics({ registry });
 * app.route("/webhook/events", createWebhookEventsApp({ metrics }));
 * ```
 *
 * @module
 */

import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { log } from "../observability/logger.ts";
import type { WebhookEventMetrics } from "../observability/webhook_metrics.ts";
import { readWebhookPayload } from "../gateways/webmethods/webmethods_telemetry.ts";

/** Largest body accepted (1 MiB, as the Go agent). */
export const WEBHOOK_MAX_BODY_BYTES = 1024 * 1024;

/** Options of {@linkcode createWebhookEventsApp}. */
export interface WebhookEventsOptions {
  /** Where counts and latencies go. */
  readonly metrics: WebhookEventMetrics;
  /** Largest body in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Clock for events without a time (tests). */
  readonly now?: () => Date;
}

/**
 * A Hono sub-app to mount at `/webhook/events`: `POST` accepts events and answers
 * `{"accepted": n}`; other methods answer 405.
 */
export function createWebhookEventsApp(options: WebhookEventsOptions): Hono {
  const { metrics } = options;
  const maxSize = options.maxBodyBytes ?? WEBHOOK_MAX_BODY_BYTES;
  const app = new Hono();
  const logger = log("webhook");
  app.post(
    "/",
    bodyLimit({
      maxSize,
      onError: (c) => {
        metrics.requests.inc({ outcome: "too_large" });
        return c.json({
          error: "payload_too_large",
          message: `the body is larger than ${maxSize} bytes; send events in smaller batches`,
        }, 413);
      },
    }),
    async (c) => {
      const text = await c.req.text();
      let body: unknown;
      try {
        if (text.trim() === "") throw new Error("the body is empty");
        body = JSON.parse(text);
      } catch (error) {
        metrics.requests.inc({ outcome: "invalid" });
        const reason = error instanceof SyntaxError
          ? `the body is not JSON (${error.message})`
          : error instanceof Error
          ? error.message
          : String(error);
        return c.json({
          error: "invalid_payload",
          message: `${reason}; expected {"events": [...]}`,
        }, 400);
      }
      const payload = readWebhookPayload(body, options.now?.() ?? new Date());
      if ("error" in payload) {
        metrics.requests.inc({ outcome: "invalid" });
        return c.json({ error: "invalid_payload", message: payload.error }, 400);
      }
      for (const event of payload.events) metrics.observe(event);
      metrics.requests.inc({ outcome: "accepted" });
      logger.info("received telemetry events via webhook", { accepted: payload.events.length });
      return c.json({ accepted: payload.events.length });
    },
  );
  app.all("/", (c) =>
    c.json(
      { error: "method_not_allowed", message: `${c.req.method} is not allowed here; use POST` },
      405,
      { allow: "POST" },
    ));
  return app;
}
