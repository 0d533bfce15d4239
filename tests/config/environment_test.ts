import assert from "node:assert/strict";
import { join } from "node:path";
import { loadEnvironment } from "../../src/config/environment.ts";

async function withDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stoa-env-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test(".env in the working directory is read and the real environment wins", () =>
  withDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, ".env"),
      "# comment\nSTOA_ENVIRONMENT=staging\nSTOA_INSTANCE_NAME='from file'\nLOG_LEVEL=debug\n",
    );
    const loaded = loadEnvironment({ env: { LOG_LEVEL: "warn" }, cwd: dir });
    assert.equal(loaded.values.STOA_ENVIRONMENT, "staging");
    assert.equal(loaded.values.STOA_INSTANCE_NAME, "from file");
    assert.equal(loaded.values.LOG_LEVEL, "warn");
    assert.equal(loaded.envFile, join(dir, ".env"));
    assert.deepEqual(loaded.problems, []);
  }));

Deno.test("no .env is fine", () =>
  withDir((dir) => {
    const loaded = loadEnvironment({ env: { A: "1" }, cwd: dir });
    assert.deepEqual(loaded.values, { A: "1" });
    assert.equal(loaded.envFile, undefined);
    assert.deepEqual(loaded.problems, []);
  }));

Deno.test("--env-file replaces the working directory's .env; a missing one is a problem", () =>
  withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, ".env"), "STOA_ENVIRONMENT=from-dotenv\n");
    const other = join(dir, "prod.env");
    await Deno.writeTextFile(other, "STOA_ENVIRONMENT=from-flag\n");
    const loaded = loadEnvironment({ env: {}, cwd: dir, envFile: other });
    assert.equal(loaded.values.STOA_ENVIRONMENT, "from-flag");

    const missing = loadEnvironment({ env: {}, cwd: dir, envFile: join(dir, "nope.env") });
    assert.equal(missing.problems.length, 1);
    assert.equal(missing.problems[0].variable, "--env-file");
    assert.match(missing.problems[0].message, /nope\.env: file not found/);
  }));

Deno.test("empty values count as unset", () => {
  const loaded = loadEnvironment({ env: { STOA_TENANT_ID: "" }, readDotenv: false });
  assert.equal("STOA_TENANT_ID" in loaded.values, false);
});

Deno.test("secrets are read from <NAME>_FILE, trimmed", () =>
  withDir(async (dir) => {
    const keyFile = join(dir, "key");
    await Deno.writeTextFile(keyFile, "  gw_from_file_1234\n");
    const loaded = loadEnvironment({
      env: { STOA_GATEWAY_API_KEY_FILE: keyFile },
      readDotenv: false,
    });
    assert.equal(loaded.values.STOA_GATEWAY_API_KEY, "gw_from_file_1234");
    assert.deepEqual(loaded.problems, []);
  }));

Deno.test("unreadable, empty or conflicting secret files are named", () =>
  withDir(async (dir) => {
    const empty = join(dir, "empty");
    await Deno.writeTextFile(empty, "\n");
    const loaded = loadEnvironment({
      env: {
        STOA_GATEWAY_API_KEY_FILE: join(dir, "absent"),
        STOA_GATEWAY_ADMIN_TOKEN_FILE: empty,
        STOA_CONNECT_TOKEN: "direct",
        STOA_CONNECT_TOKEN_FILE: empty,
      },
      readDotenv: false,
    });
    const byVariable = new Map(loaded.problems.map((p) => [p.variable, p.message]));
    assert.match(
      byVariable.get("STOA_GATEWAY_API_KEY_FILE")!,
      /cannot read .*absent: file not found/,
    );
    assert.match(byVariable.get("STOA_GATEWAY_ADMIN_TOKEN_FILE")!, /is empty/);
    assert.match(byVariable.get("STOA_CONNECT_TOKEN_FILE")!, /either STOA_CONNECT_TOKEN or/);
  }));

Deno.test("_FILE is honoured only for secrets", () => {
  const loaded = loadEnvironment({
    env: { STOA_ENVIRONMENT_FILE: "/does/not/matter" },
    readDotenv: false,
  });
  assert.equal(loaded.values.STOA_ENVIRONMENT, undefined);
  assert.deepEqual(loaded.problems, []);
});
