/**
 * Metrics of gateway transactions pushed to `POST /webhook/events` (webMethods transactional
 * events), registered in the agent's registry.
 *
 * @module
 */

import { Counter, Histogram, type Registry } from "prom-client";
import type { TelemetryEvent } from "../gateways/webmethods/webmethods_telemetry.ts";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const KNOWN_METHODS = new Set(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]);

/** Options of {@linkcode WebhookEventMetrics}. */
export interface WebhookEventMetricsOptions {
  /** Registry the metrics are registered in (the agent's). */
  readonly registry: Registry;
}

/**
 * Metrics of pushed gateway events. Labels stay low-cardinality: the method (known verbs, else
 * `OTHER`) and the status class (`2xx` … `5xx`, `unknown`); never API, tenant or consumer.
 */
export class WebhookEventMetrics {
  /** Webhook calls by outcome: `accepted`, `invalid`, `too_large`. */
  readonly requests: Counter<"outcome">;
  /** Gateway transactions reported, by method and status class. */
  readonly events: Counter<"method" | "status_class">;
  /** Total time of reported gateway transactions, in seconds, by status class. */
  readonly latency: Histogram<"status_class">;

  /** Creates the metrics in `options.registry`. */
  constructor(options: WebhookEventMetricsOptions) {
    const registers = [options.registry];
    this.requests = new Counter({
      name: "stoa_connect_webhook_requests_total",
      help: "Calls of POST /webhook/events, by outcome (accepted, invalid, too_large).",
      labelNames: ["outcome"],
      registers,
    });
    this.events = new Counter({
      name: "stoa_connect_gateway_transactions_total",
      help: "Gateway transactions reported by webMethods events, by method and status class.",
      labelNames: ["method", "status_class"],
      registers,
    });
    this.latency = new Histogram({
      name: "stoa_connect_gateway_transaction_duration_seconds",
      help: "Total time of gateway transactions reported by webMethods events.",
      labelNames: ["status_class"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
  }

  /** Counts one normalised event and observes its latency. */
  observe(event: TelemetryEvent): void {
    const method = event.method.toUpperCase();
    const statusClass = event.status >= 100 && event.status <= 599
      ? `${Math.floor(event.status / 100)}xx`
      : "unknown";
    this.events.inc({
      method: KNOWN_METHODS.has(method) ? method : "OTHER",
      status_class: statusClass,
    });
    this.latency.observe({ status_class: statusClass }, event.latency_ms / 1000);
  }
}
