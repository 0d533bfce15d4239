/**
 * What `deno compile` will embed and grant: the two entry points type-check, their module graph is
 * self-contained (only files under src/, npm packages and node built-ins, which is also all the
 * Docker build context holds), no code reads files relative to the source tree at run time, and the
 * programs work with exactly the permissions compiled into them. They run from a directory outside
 * the repository, as an installed binary would.
 */

import assert from "node:assert/strict";
import { AGENT_PERMISSIONS, PROGRAMS } from "../../scripts/distribution.ts";
import { VERSION } from "../../src/version.ts";
import { describe, ROOT, run, type RunResult } from "./helpers.ts";

const DENO = Deno.execPath();

async function assertEntryPointExists(entry: string): Promise<void> {
  try {
    await Deno.stat(`${ROOT}/${entry}`);
  } catch {
    assert.fail(
      `${entry} is missing: it is an entry point of deno task compile (scripts/distribution.ts, PROGRAMS)`,
    );
  }
}

/** `deno run` exactly as compiled: same permissions, no prompt, started outside the repository. */
function runArgs(permissions: readonly string[], entry: string, args: string[]): string[] {
  return [
    "run",
    "--no-prompt",
    "--config",
    `${ROOT}/deno.json`,
    ...permissions,
    `${ROOT}/${entry}`,
    ...args,
  ];
}

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* sourceFiles(path);
    else if (/\.(ts|tsx|js|mjs)$/.test(entry.name)) yield path;
  }
}

Deno.test("entry points: deno check passes for every compiled program", async () => {
  for (const program of PROGRAMS) await assertEntryPointExists(program.entry);
  const result = await run(DENO, { args: ["check", ...PROGRAMS.map((p) => p.entry)] });
  assert.equal(result.code, 0, describe(result));
});

Deno.test("entry points: the module graph holds only src/ files, npm packages and node built-ins", async () => {
  for (const program of PROGRAMS) {
    await assertEntryPointExists(program.entry);
    const result = await run(DENO, { args: ["info", "--json", program.entry] });
    assert.equal(result.code, 0, describe(result));
    const graph = JSON.parse(result.stdout) as {
      modules: { specifier: string; kind?: string; error?: string }[];
    };
    for (const module of graph.modules) {
      assert.equal(module.error, undefined, `${program.entry}: ${module.error}`);
      if (module.kind === "npm" || module.kind === "node") continue;
      assert.ok(
        module.specifier.startsWith(`file://${ROOT}/src/`),
        `${program.entry} imports ${module.specifier}: compiled programs and the Docker build use only ` +
          `src/ (move or copy it under src/; remote and jsr: modules are not allowed)`,
      );
    }
  }
});

Deno.test("entry points: nothing in src/ locates files through the source tree at run time", async () => {
  const offences: string[] = [];
  for await (const path of sourceFiles(`${ROOT}/src`)) {
    const lines = (await Deno.readTextFile(path)).split("\n");
    lines.forEach((line, index) => {
      const code = line.replace(/\/\/.*$/, "");
      // import.meta.url/dirname/filename point into the embedded file system of a compiled binary,
      // not to files next to it; a dynamic import of a computed specifier is not embedded at all.
      if (/import\.meta\.(url|dirname|filename|resolve)\b/.test(code)) {
        offences.push(`${path.slice(ROOT.length + 1)}:${index + 1}: ${line.trim()}`);
      }
      if (/\bimport\(\s*[^"'`\s)]/.test(code) || /\bimport\(\s*`[^`]*\$\{/.test(code)) {
        offences.push(`${path.slice(ROOT.length + 1)}:${index + 1}: ${line.trim()}`);
      }
    });
  }
  assert.deepEqual(
    offences,
    [],
    "compiled binaries contain only the module graph: import data (e.g. JSON with " +
      '`with { type: "json" }`) instead of reading it from the source tree',
  );
});

Deno.test("entry points: --version prints VERSION with the compiled permissions", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "stoa-version-" });
  try {
    for (const program of PROGRAMS) {
      await assertEntryPointExists(program.entry);
      const result = await run(DENO, {
        args: runArgs(program.permissions, program.entry, ["--version"]),
        cwd,
      });
      assert.equal(result.code, 0, describe(result));
      assert.equal(result.stdout.trim(), `${program.name} ${VERSION}`, describe(result));
    }
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

Deno.test("entry points: the agent runs, serves and passes its healthcheck with only its compiled permissions", async () => {
  await assertEntryPointExists("src/main.ts");
  const cwd = await Deno.makeTempDir({ prefix: "stoa-agent-perms-" });
  const port = freePort();
  // Nothing listens there: the agent keeps retrying the CP and the gateway, and must keep serving.
  const closed = `http://127.0.0.1:${freePort()}`;
  const env: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? cwd,
    STOA_CONTROL_PLANE_URL: closed,
    STOA_GATEWAY_API_KEY: "test-gateway-key",
    STOA_GATEWAY_TYPE: "kong",
    STOA_GATEWAY_ADMIN_URL: closed,
    STOA_CONNECT_HOST: "127.0.0.1",
    STOA_CONNECT_PORT: String(port),
    STOA_STATE_DIR: `${cwd}/state`,
    LOG_LEVEL: "debug",
    LOG_FORMAT: "json",
  };
  const denoDir = Deno.env.get("DENO_DIR");
  if (denoDir) env.DENO_DIR = denoDir;
  const healthcheck = (): Promise<RunResult> =>
    run(DENO, { args: runArgs(AGENT_PERMISSIONS, "src/main.ts", ["healthcheck"]), cwd, env });

  const agent = new Deno.Command(DENO, {
    args: runArgs(AGENT_PERMISSIONS, "src/main.ts", []),
    cwd,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let exited = false;
  const output = agent.output().finally(() => exited = true);
  let failure: unknown;
  try {
    const base = `http://127.0.0.1:${port}`;
    let health: Response | undefined;
    for (let attempt = 0; attempt < 200 && !exited && health === undefined; attempt++) {
      health = await fetch(`${base}/health`).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return undefined;
      });
    }
    assert.ok(health, "the agent exited or never served /health");
    assert.equal(health.status, 200);
    assert.equal((await health.json()).version, VERSION);
    const metrics = await fetch(`${base}/metrics`);
    await metrics.body?.cancel();
    assert.equal(metrics.status, 200, "GET /metrics (it reads osUptime and systemMemoryInfo)");
    const up = await healthcheck();
    assert.equal(up.code, 0, `stoa-connect healthcheck (the Docker HEALTHCHECK)\n${describe(up)}`);
  } catch (error) {
    failure = error;
  } finally {
    if (!exited) agent.kill("SIGTERM");
  }
  const { stdout, stderr } = await output;
  const log = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  try {
    if (failure) throw new Error(`${failure}\n--- agent output\n${log}`);
    assert.doesNotMatch(
      log,
      /NotCapable|Requires \w+ access|PermissionDenied/,
      "a permission the agent needs is missing from AGENT_PERMISSIONS (scripts/distribution.ts)",
    );
    const down = await healthcheck();
    assert.equal(down.code, 1, `healthcheck must fail with the agent stopped\n${describe(down)}`);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
