/**
 * A whole agent for the sync tests: real configuration, the Control Plane double (socket-less, or
 * on loopback for the event stream), the fake gateway behind a Kong driver, the Vault fake, and a
 * fresh state directory.
 */

import { Agent, type AgentOptions } from "../../src/agent/agent.ts";
import { parseConfig } from "../../src/config/config.ts";
import type { GatewayAdapter } from "../../src/gateways/adapter.ts";
import type { GatewayDriver } from "../../src/gateways/resolve.ts";
import { clearSecrets } from "../../src/observability/redact.ts";
import { ControlPlaneDouble } from "../fakes/control_plane_double.ts";
import { FakeSyncAdapter } from "../fakes/fake_sync_adapter.ts";
import type { VaultFake } from "../fakes/vault_fake.ts";

/** The gateway key. */
export const KEY = "gw_agent_test_key";
/** The agent's instance name. */
export const INSTANCE = "edge-01";

/** A running agent and its peers. */
export interface TestAgent {
  readonly agent: Agent;
  readonly cp: ControlPlaneDouble;
  readonly adapter: GatewayAdapter;
  readonly stateDir: string;
  /** Stops the agent (and the double when it listens); removes nothing. */
  stop(): Promise<void>;
}

/** Options of {@linkcode startAgent}. */
export interface StartAgentOptions {
  /** The double to use (default: a new one). */
  readonly cp?: ControlPlaneDouble;
  /** The gateway (default: a new {@linkcode FakeSyncAdapter}). */
  readonly adapter?: GatewayAdapter;
  /** Extra or overriding variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Serve the double on loopback (for the event stream). */
  readonly socket?: boolean;
  /** Answers requests to `http://vault.test`. */
  readonly vault?: VaultFake;
  /** State directory to reuse (a restart). */
  readonly stateDir?: string;
  /** Start the agent (default true). */
  readonly start?: boolean;
}

/** A Kong driver whose gateway is `adapter`. */
export function driverFor(adapter: GatewayAdapter): GatewayDriver {
  return {
    type: "kong",
    detect: () => adapter.probe(),
    create: () => Promise.resolve(adapter),
  };
}

/** Builds (and by default starts) an agent against the doubles. */
export async function startAgent(options: StartAgentOptions = {}): Promise<TestAgent> {
  const cp = options.cp ?? new ControlPlaneDouble({ keys: [KEY] });
  const adapter = options.adapter ?? new FakeSyncAdapter();
  const stateDir = options.stateDir ?? await Deno.makeTempDir({ prefix: "stoa-sync-" });
  const cpUrl = options.socket ? await cp.start() : "http://cp.test";
  const vault = options.vault;
  const route: typeof fetch = (input, init) => {
    const request = new Request(input, init);
    const host = new URL(request.url).host;
    if (host === "vault.test" && vault) return vault.fetch(request);
    if (host === "cp.test") return cp.fetch(request);
    return fetch(request);
  };
  const config = parseConfig({
    STOA_CONTROL_PLANE_URL: cpUrl,
    STOA_GATEWAY_API_KEY: KEY,
    STOA_GATEWAY_TYPE: "kong",
    STOA_GATEWAY_ADMIN_URL: "http://kong.test:8001",
    STOA_INSTANCE_NAME: INSTANCE,
    STOA_STATE_DIR: stateDir,
    STOA_HEARTBEAT_INTERVAL: "1h",
    STOA_DISCOVERY_INTERVAL: "1h",
    STOA_POLICY_SYNC_INTERVAL: "1h",
    STOA_ROUTE_SYNC_INTERVAL: "1h",
    ...options.env,
  }, { hostname: INSTANCE, stdoutIsTerminal: false });
  const agentOptions: AgentOptions = {
    config,
    drivers: { kong: driverFor(adapter) },
    fetch: route,
    random: () => 0.5,
    streamTuning: { backoff: { initialMs: 10, maxMs: 20, jitter: 0 }, unregisteredPollMs: 5 },
  };
  const agent = new Agent(agentOptions);
  if (options.start ?? true) agent.start();
  return {
    agent,
    cp,
    adapter,
    stateDir,
    async stop() {
      await agent.stop();
      if (options.socket) await cp.stop();
      clearSecrets();
    },
  };
}

/** The capabilities of the last registration the double received. */
export function lastCapabilities(cp: ControlPlaneDouble): string[] {
  const request = cp.requestsTo("register").at(-1);
  return (request?.body as { capabilities?: string[] } | undefined)?.capabilities ?? [];
}
