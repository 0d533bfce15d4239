/**
 * A real stoa-connect agent for tests: `deno run` of src/main.ts with the agent's compiled
 * permissions, configured by environment against the Control Plane double and a gateway emulator,
 * on a free loopback port. {@linkcode AgentProcess.stop} sends SIGTERM and awaits the process.
 *
 * @module
 */

import { AGENT_PERMISSIONS } from "../../scripts/distribution.ts";
import { run, type RunResult } from "../distribution/helpers.ts";
import { ControlPlaneDouble } from "../fakes/control_plane_double.ts";
import { KongEmulator } from "../fakes/kong_emulator.ts";
import { baseEnv, denoRunArgs, freePort } from "./stoactl_process.ts";

/** Options of {@linkcode AgentProcess.start}. */
export interface AgentProcessOptions {
  /** `STOA_CONTROL_PLANE_URL`. */
  readonly controlPlaneUrl: string;
  /** `STOA_GATEWAY_API_KEY`. */
  readonly apiKey: string;
  /** `STOA_GATEWAY_ADMIN_URL`. */
  readonly adminUrl: string;
  /** More variables (they win). */
  readonly env?: Record<string, string>;
}

/** A running agent process. */
export class AgentProcess {
  /** Base URL of its local server, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Its local port. */
  readonly port: number;
  /** Its environment (to run stoactl with the same configuration). */
  readonly env: Record<string, string>;
  readonly #child: Deno.ChildProcess;
  readonly #output: Promise<Deno.CommandOutput>;
  readonly #stateDir: string;
  #exited = false;

  private constructor(
    child: Deno.ChildProcess,
    port: number,
    env: Record<string, string>,
    stateDir: string,
  ) {
    this.#child = child;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.env = env;
    this.#stateDir = stateDir;
    this.#output = child.output().finally(() => this.#exited = true);
  }

  /** Starts the agent and waits until it serves `/health`. */
  static async start(options: AgentProcessOptions): Promise<AgentProcess> {
    const port = freePort();
    const stateDir = await Deno.makeTempDir({ prefix: "stoactl-agent-" });
    const env: Record<string, string> = {
      STOA_CONTROL_PLANE_URL: options.controlPlaneUrl,
      STOA_GATEWAY_API_KEY: options.apiKey,
      STOA_GATEWAY_ADMIN_URL: options.adminUrl,
      STOA_CONNECT_HOST: "127.0.0.1",
      STOA_CONNECT_PORT: String(port),
      STOA_STATE_DIR: `${stateDir}/state`,
      STOA_INSTANCE_NAME: "stoactl-test-agent",
      STOA_HEARTBEAT_INTERVAL: "1s",
      LOG_LEVEL: "debug",
      LOG_FORMAT: "json",
      ...options.env,
    };
    const child = new Deno.Command(Deno.execPath(), {
      args: denoRunArgs(AGENT_PERMISSIONS, "src/main.ts"),
      cwd: stateDir,
      env: baseEnv(env),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const agent = new AgentProcess(child, port, env, stateDir);
    try {
      await agent.waitFor(async () => (await fetch(`${agent.url}/livez`)).ok, 20_000);
    } catch (error) {
      const log = await agent.stop();
      throw new Error(`the agent did not start: ${error}\n--- agent output\n${log}`);
    }
    return agent;
  }

  /** The agent's `/status` body. */
  async status(): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.url}/status`);
    return await response.json();
  }

  /** Polls `predicate` (errors count as false) until it holds; rejects after `timeoutMs`. */
  async waitFor(predicate: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#exited) throw new Error("the agent exited");
      if (await predicate().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Waits until the agent is registered and has reported a discovery. */
  async waitUntilReported(): Promise<void> {
    await this.waitFor(async () => {
      const status = await this.status();
      const discovery = status.discovery as { reported?: boolean } | undefined;
      return discovery?.reported === true;
    });
  }

  /** Stops the agent (SIGTERM), waits for it and returns its output. */
  async stop(): Promise<string> {
    if (!this.#exited) {
      try {
        this.#child.kill("SIGTERM");
      } catch {
        // It exited between the check and the kill.
      }
    }
    const { stdout, stderr } = await this.#output;
    await Deno.remove(this.#stateDir, { recursive: true }).catch(() => {});
    const decoder = new TextDecoder();
    return decoder.decode(stdout) + decoder.decode(stderr);
  }
}

/** Runs the agent to completion (e.g. to see it refuse a configuration), with exactly `env`. */
export function runAgent(env: Record<string, string>, cwd: string): Promise<RunResult> {
  return run(Deno.execPath(), {
    args: denoRunArgs(AGENT_PERMISSIONS, "src/main.ts"),
    env: baseEnv(env),
    clearEnv: true,
    cwd,
  });
}

/** A Control Plane double, a Kong emulator with the realistic seed, and an agent between them. */
export interface Stack {
  /** The Control Plane double. */
  readonly cp: ControlPlaneDouble;
  /** Its base URL. */
  readonly cpUrl: string;
  /** The Kong emulator. */
  readonly kong: KongEmulator;
  /** Its admin URL. */
  readonly kongUrl: string;
  /** The agent, started. */
  readonly agent: AgentProcess;
  /** Stops the agent, then the doubles. */
  stop(): Promise<void>;
}

/**
 * Starts the three, with `key` as the Control Plane's only gateway key; `prepare` seeds the
 * Control Plane before the agent starts.
 */
export async function startStack(
  key: string,
  prepare: (cp: ControlPlaneDouble) => void = () => {},
): Promise<Stack> {
  const cp = new ControlPlaneDouble({ keys: [key] });
  const cpUrl = await cp.start();
  prepare(cp);
  const kong = new KongEmulator();
  kong.realisticSeed();
  const kongUrl = await kong.start();
  let agent: AgentProcess;
  try {
    agent = await AgentProcess.start({ controlPlaneUrl: cpUrl, apiKey: key, adminUrl: kongUrl });
  } catch (error) {
    await kong.stop();
    await cp.stop();
    throw error;
  }
  return {
    cp,
    cpUrl,
    kong,
    kongUrl,
    agent,
    async stop() {
      await agent.stop();
      await kong.stop();
      await cp.stop();
    },
  };
}
