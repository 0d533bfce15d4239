/**
 * Shared set-up of the sync tests: a Control Plane double with this agent's gateway registered, a
 * client talking to it without sockets, acknowledgements delivered through a real outbox, and
 * builders for desired items.
 */

import { ControlPlaneClient } from "../../src/control_plane/client.ts";
import { setupLogging, teardownLogging } from "../../src/observability/logger.ts";
import type { DesiredPolicy, DesiredRoute } from "../../src/sync/desired.ts";
import { AckOutbox, deliverTo, type PendingAck } from "../../src/sync/outbox.ts";
import { ControlPlaneDouble } from "../fakes/control_plane_double.ts";

/** The gateway key of every test. */
export const KEY = "gw_test_key_123";
/** The agent's instance name (its registered hostname; `/routes` finds the gateway by it). */
export const INSTANCE = "edge-01";

/** A CP double with a registered gateway, and a client for it. */
export interface TestControlPlane {
  readonly cp: ControlPlaneDouble;
  readonly client: ControlPlaneClient;
  readonly gatewayId: string;
  /** Queues acks in a memory outbox and delivers them to the double. */
  readonly acknowledge: (acks: readonly PendingAck[]) => Promise<void>;
  readonly outbox: AckOutbox;
}

/** A fetch that answers from the double without a socket. */
export function fetchFrom(cp: ControlPlaneDouble): typeof fetch {
  return (input, init) => cp.fetch(new Request(input, init));
}

/**
 * A CP double with this agent's gateway registered. With `socket`, the double listens on
 * loopback and the client uses the real fetch (needed by event streams, whose aborts only a real
 * connection honours); stop it with `cp.stop()`.
 */
export async function controlPlane(
  options: { readonly socket?: boolean } = {},
): Promise<TestControlPlane> {
  const cp = new ControlPlaneDouble({ keys: [KEY] });
  const client = new ControlPlaneClient({
    baseUrl: options.socket ? await cp.start() : "http://cp.test/",
    apiKey: KEY,
    fetch: options.socket ? undefined : fetchFrom(cp),
  });
  const gateway = await client.register({
    hostname: INSTANCE,
    mode: "connect",
    version: "0.0.0-test",
    admin_url: `http://${INSTANCE}:8090`,
    environment: "production",
    capabilities: [],
    deployment_mode: "connect",
    topology: "remote-agent",
  });
  const outbox = new AckOutbox();
  const acknowledge = async (acks: readonly PendingAck[]) => {
    outbox.add(acks);
    await outbox.flush(deliverTo(client, gateway.id));
  };
  return { cp, client, gatewayId: gateway.id, acknowledge, outbox };
}

/** A desired policy with test defaults. */
export function policy(overrides: Partial<DesiredPolicy> & { id: string }): DesiredPolicy {
  return {
    name: `policy-${overrides.id}`,
    type: "rate_limit",
    config: { maxRequests: 100, intervalSeconds: 60 },
    priority: 100,
    enabled: true,
    targets: [],
    ...overrides,
  };
}

/** A desired route with test defaults. */
export function route(overrides: Partial<DesiredRoute> & { id: string }): DesiredRoute {
  return {
    name: `api-${overrides.id}`,
    apiId: `api-${overrides.id}`,
    catalogId: `catalog-${overrides.id}`,
    pathPrefix: `/apis/api-${overrides.id}`,
    backendUrl: "http://backend.test",
    methods: ["GET"],
    activated: true,
    specHash: "",
    openapiSpec: null,
    ...overrides,
  };
}

/** Runs `fn` with logging captured; returns the JSON lines written, parsed. */
export async function captureLogs(
  fn: () => Promise<void>,
): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  await setupLogging({
    level: "debug",
    format: "json",
    color: false,
    context: () => ({ instance: INSTANCE }),
    write: (line) => lines.push(line),
  });
  try {
    await fn();
  } finally {
    await teardownLogging();
  }
  return lines.map((line) => JSON.parse(line));
}
