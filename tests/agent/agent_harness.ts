/**
 * Runs a real {@linkcode Agent} in-process against the Control Plane double and the Kong
 * emulator (or another gateway's emulator) on loopback, with its logs captured, for end-to-end
 * tests of the agent.
 *
 * @module
 */

import { Agent } from "../../src/agent/agent.ts";
import { type Config, parseConfig } from "../../src/config/config.ts";
import { SECRET_VARIABLES } from "../../src/config/variables.ts";
import { DRIVERS } from "../../src/gateways/drivers.ts";
import { setupLogging, teardownLogging } from "../../src/observability/logger.ts";
import { clearSecrets, registerSecret } from "../../src/observability/redact.ts";
import { ControlPlaneDouble } from "../fakes/control_plane_double.ts";
import { KongEmulator, type KongEmulatorOptions } from "../fakes/kong_emulator.ts";

/** The gateway key the CP double accepts. */
export const CP_KEY = "gw_test_e2e_key_5f2a";

/** Options of {@linkcode startHarness}. */
export interface HarnessOptions {
  /** Extra or overriding variables. */
  readonly env?: Record<string, string>;
  /** Kong emulator options. */
  readonly kong?: KongEmulatorOptions;
  /** Seed Kong with the realistic services (default true). */
  readonly realistic?: boolean;
  /** Keys the CP double accepts (default: the agent's). */
  readonly cpKeys?: readonly string[];
  /** Another gateway's admin URL: the agent talks to it instead of the Kong emulator. */
  readonly adminUrl?: string;
  /** Prepares the doubles before the agent starts. */
  readonly before?: (cp: ControlPlaneDouble, kong: KongEmulator) => void;
}

/** A running agent and its peers. */
export interface Harness {
  readonly agent: Agent;
  readonly config: Config;
  readonly cp: ControlPlaneDouble;
  readonly kong: KongEmulator;
  /** Every log line written so far. */
  readonly logs: string[];
  /** Polls until `predicate` holds (default 5 s). */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** Stops the agent and the doubles, restores logging. */
  stop(): Promise<void>;
}

/** Starts the CP double, the Kong emulator and an agent wired to both. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const cp = new ControlPlaneDouble({ keys: [...(options.cpKeys ?? [CP_KEY])] });
  const kong = new KongEmulator(options.kong ?? {});
  if (options.realistic ?? true) kong.realisticSeed();
  options.before?.(cp, kong);
  const cpUrl = await cp.start();
  const kongUrl = await kong.start();
  const values: Record<string, string> = {
    STOA_CONTROL_PLANE_URL: cpUrl,
    STOA_GATEWAY_API_KEY: CP_KEY,
    STOA_GATEWAY_ADMIN_URL: options.adminUrl ?? kongUrl,
    STOA_INSTANCE_NAME: "kong-edge-01",
    STOA_HEARTBEAT_INTERVAL: "100ms",
    STOA_DISCOVERY_INTERVAL: "1m",
    LOG_LEVEL: "debug",
    ...options.env,
  };
  clearSecrets();
  for (const name of SECRET_VARIABLES) registerSecret(values[name]);
  const config = parseConfig(values, { hostname: "test-host", stdoutIsTerminal: false });
  const agent = new Agent({ config, drivers: DRIVERS });
  const logs: string[] = [];
  await setupLogging({
    level: config.logLevel,
    format: "json",
    context: () => ({
      instance: config.instanceName,
      gateway_id: agent.state.gatewayId ?? "unregistered",
    }),
    write: (line) => logs.push(line),
  });
  agent.start();
  return {
    agent,
    config,
    cp,
    kong,
    logs,
    waitFor: (predicate, timeoutMs = 5_000) => cp.waitFor(predicate, { timeoutMs }),
    async stop() {
      await agent.stop();
      await teardownLogging();
      clearSecrets();
      await cp.stop();
      await kong.stop();
    },
  };
}

/** Runs `fn` with a started harness and always stops it. */
export async function withHarness(
  options: HarnessOptions,
  fn: (harness: Harness) => Promise<void>,
): Promise<void> {
  const harness = await startHarness(options);
  try {
    await fn(harness);
  } finally {
    await harness.stop();
  }
}

/**
 * Waits until the policy and route sync loops have each finished a successful first run and
 * are idle, so that desired state added afterwards is seen first by the test's own sync.
 */
export async function waitForFirstSyncCycles(harness: Harness, timeoutMs = 10_000): Promise<void> {
  await harness.waitFor(() =>
    ["policy-sync", "route-sync"].every((name) => {
      const loop = harness.agent.loops().find((l) => l.name === name);
      return loop !== undefined && loop.last_outcome === "ok" && !loop.running;
    }), timeoutMs);
}
