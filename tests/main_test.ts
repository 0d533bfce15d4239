import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { AGENT_PERMISSIONS, AGENT_V8_FLAGS } from "../scripts/distribution.ts";
import { ControlPlaneDouble } from "./fakes/control_plane_double.ts";
import { KongEmulator } from "./fakes/kong_emulator.ts";
import { VARIABLES } from "../src/config/variables.ts";
import { VERSION } from "../src/version.ts";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
// The agent runs here exactly as compiled.
const PERMISSIONS = [...AGENT_PERMISSIONS, ...AGENT_V8_FLAGS];

function agent(args: string[], env: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, MAIN, ...args],
    env: { NO_COLOR: "1", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
    cwd: Deno.makeTempDirSync({ prefix: "stoa-main-" }),
  }).spawn();
}

async function finish(child: Deno.ChildProcess) {
  const { code, stdout, stderr } = await child.output();
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("--version prints the version and exits 0", async () => {
  const result = await finish(agent(["--version"], {}));
  assert.equal(result.code, 0);
  assert.equal(result.stdout, `stoa-connect ${VERSION}\n`);
});

Deno.test("--help lists every variable", async () => {
  const result = await finish(agent(["--help"], {}));
  assert.equal(result.code, 0);
  for (const variable of VARIABLES) assert.ok(result.stdout.includes(variable.name), variable.name);
  assert.match(result.stdout, /Exit codes/);
});

Deno.test("invalid configuration exits 2 with one message naming every bad variable", async () => {
  const secret = "gw_never_print_me_1234";
  const result = await finish(agent([], {
    STOA_GATEWAY_API_KEY: secret,
    STOA_GATEWAY_TYPE: "nginx",
    STOA_HEARTBEAT_INTERVAL: "0s",
    STOA_CONNECT_PORT: "http",
    STOA_GATEWAY_ADMIN_URL: "kong:8001",
  }));
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  assert.match(lines[0], /^stoa-connect: invalid configuration \(5 problems\):$/);
  for (
    const name of [
      "STOA_CONTROL_PLANE_URL",
      "STOA_GATEWAY_TYPE",
      "STOA_GATEWAY_ADMIN_URL",
      "STOA_HEARTBEAT_INTERVAL",
      "STOA_CONNECT_PORT",
    ]
  ) {
    assert.ok(lines.some((line) => line.startsWith(`  ${name}: `)), name);
  }
  assert.ok(!result.stderr.includes(secret));
  assert.ok(!/\n\s+at /.test(result.stderr), "no stack trace");
});

Deno.test("an unknown flag or command exits 2", async () => {
  const flag = await finish(agent(["--frobnicate"], {}));
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /--help/);
  const command = await finish(agent(["launch"], {}));
  assert.equal(command.code, 2);
  assert.match(command.stderr, /unknown command 'launch'/);
});

Deno.test("a missing --env-file is a configuration error", async () => {
  const result = await finish(agent(["--env-file", "/nonexistent/prod.env"], {}));
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--env-file: \/nonexistent\/prod\.env: file not found/);
});

Deno.test("the agent runs, registers, and stops within 5 s on SIGTERM with calls in flight", async () => {
  const cp = new ControlPlaneDouble({ keys: ["gw_proc_key_1234"] });
  const kong = new KongEmulator({});
  kong.realisticSeed();
  const cpUrl = await cp.start();
  const kongUrl = await kong.start();
  const port = freePort();
  const child = agent([], {
    STOA_CONTROL_PLANE_URL: cpUrl,
    STOA_GATEWAY_API_KEY: "gw_proc_key_1234",
    STOA_GATEWAY_ADMIN_URL: kongUrl,
    STOA_CONNECT_PORT: String(port),
    STOA_CONNECT_HOST: "127.0.0.1",
    STOA_HEARTBEAT_INTERVAL: "200ms",
    LOG_FORMAT: "json",
  });
  const output = finish(child);
  try {
    await cp.waitFor(() => cp.requestsTo("heartbeat").some((r) => r.status === 204), {
      timeoutMs: 15_000,
    });
    const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
    assert.equal(health.status, "ok");
    // Every Control Plane call now hangs for 6 s: shutdown (< 5 s) must not wait for them.
    cp.latencyMs = 6_000;
    await new Promise((r) => setTimeout(r, 400));
    const started = performance.now();
    child.kill("SIGTERM");
    const result = await output;
    const elapsed = performance.now() - started;
    assert.equal(result.code, 0);
    assert.ok(elapsed < 5_000, `stopped in ${Math.round(elapsed)} ms`);
    const lines = result.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.message.includes("SIGTERM received")));
    assert.equal(lines.at(-1).message, "stopped");
    assert.ok(!result.stdout.includes("gw_proc_key_1234"));
  } finally {
    cp.latencyMs = 0;
    await cp.stop();
    await kong.stop();
  }
});

Deno.test("a port already in use exits 1 with the reason", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    const result = await finish(agent([], {
      STOA_CONTROL_PLANE_URL: "http://127.0.0.1:9",
      STOA_GATEWAY_API_KEY: "gw_port_key_1234",
      STOA_GATEWAY_ADMIN_URL: "http://127.0.0.1:9",
      STOA_CONNECT_HOST: "127.0.0.1",
      STOA_CONNECT_PORT: String(port),
      LOG_FORMAT: "json",
    }));
    assert.equal(result.code, 1);
    assert.match(result.stdout, /already in use/);
  } finally {
    listener.close();
  }
});

Deno.test("healthcheck exits 1 when no agent answers", async () => {
  const result = await finish(
    agent(["healthcheck", "--url", `http://127.0.0.1:${freePort()}`], {}),
  );
  assert.equal(result.code, 1);
  assert.match(result.stdout, /no answer/);
});

Deno.test("healthcheck asks the agent on its bind address and exits 0 when it answers", async () => {
  const port = freePort();
  const server = Deno.serve(
    { hostname: "127.0.0.2", port, onListen() {} },
    () => new Response('{"status":"alive"}'),
  );
  try {
    const result = await finish(agent(["healthcheck"], {
      STOA_CONNECT_HOST: "127.0.0.2",
      STOA_CONNECT_PORT: String(port),
    }));
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /http:\/\/127\.0\.0\.2:\d+\/livez: 200/);
  } finally {
    await server.shutdown();
  }
});
