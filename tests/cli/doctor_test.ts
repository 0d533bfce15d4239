/**
 * `stoactl connect doctor` as a process: against the Control Plane double and the Kong emulator
 * with the agent's configuration, every check passing, then each thing the guide's
 * troubleshooting table names going wrong: invalid configuration (the agent's own message, exit 2),
 * unreachable or refusing Control Plane, wrong key, a URL that is not the Control Plane, an
 * untrusted certificate, gateway credentials and types, proxies, CA variables, the local port.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { DoctorReport } from "../../src/cli/connect_doctor.ts";
import { type CheckResult, type CheckStatus, DOCTOR_CHECKS } from "../../src/cli/doctor_check.ts";
import { GATEWAY_TYPES } from "../../src/gateways/adapter.ts";
import { DRIVERS } from "../../src/gateways/drivers.ts";
import { notice, run, which } from "../distribution/helpers.ts";
import { ControlPlaneDouble } from "../fakes/control_plane_double.ts";
import { KongEmulator, type KongEmulatorOptions } from "../fakes/kong_emulator.ts";
import { AgentProcess, runAgent } from "./agent_process.ts";
import { CLI_REFERENCE_PATH, jsonExample, shapeDifferences } from "./cli_reference.ts";
import { describe, freePort, jsonOf, type RunResult, stoactl } from "./stoactl_process.ts";

const KEY = "gw_doctor_key_8e21";

/** A Control Plane double and a Kong emulator, and the agent variables that point at them. */
class Setup {
  readonly cp: ControlPlaneDouble;
  readonly kong: KongEmulator;
  cpUrl = "";
  kongUrl = "";
  readonly port = freePort();

  constructor(options: { keys?: string[]; kong?: KongEmulatorOptions } = {}) {
    this.cp = new ControlPlaneDouble({ keys: options.keys ?? [KEY] });
    this.kong = new KongEmulator(options.kong);
  }

  async start(): Promise<this> {
    this.cpUrl = await this.cp.start();
    this.kongUrl = await this.kong.start();
    return this;
  }

  /** The agent's variables, plus `extra`. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      STOA_CONTROL_PLANE_URL: this.cpUrl,
      STOA_GATEWAY_API_KEY: KEY,
      STOA_GATEWAY_ADMIN_URL: this.kongUrl,
      STOA_CONNECT_HOST: "127.0.0.1",
      STOA_CONNECT_PORT: String(this.port),
      STOA_INSTANCE_NAME: "doctor-test",
      ...extra,
    };
  }

  async stop(): Promise<void> {
    await this.kong.stop();
    await this.cp.stop();
  }
}

async function withSetup(
  options: ConstructorParameters<typeof Setup>[0],
  body: (setup: Setup) => Promise<void>,
): Promise<void> {
  const setup = await new Setup(options).start();
  try {
    await body(setup);
  } finally {
    await setup.stop();
  }
}

async function doctor(
  env: Record<string, string>,
  args: string[] = [],
  cwd?: string,
): Promise<{ result: RunResult; report: DoctorReport }> {
  const result = await stoactl(["connect", "doctor", "--output", "json", ...args], { env, cwd });
  return { result, report: jsonOf<DoctorReport>(result) };
}

function checkOf(report: DoctorReport, id: string): CheckResult {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(found, `no check ${id} in ${JSON.stringify(report, null, 2)}`);
  return found;
}

/** Asserts the verdicts of the named checks; the others must pass. */
function assertVerdicts(
  run: { result: RunResult; report: DoctorReport },
  expected: Readonly<Record<string, CheckStatus>>,
): void {
  const context = describe(run.result);
  for (const c of run.report.checks) {
    assert.equal(c.status, expected[c.id] ?? "pass", `${c.id}: ${c.detail}\n${context}`);
    if (c.status === "warn" || c.status === "fail") {
      assert.ok(c.fix, `${c.id} has no fix\n${context}`);
    }
  }
}

Deno.test("doctor: a healthy setup passes every check (table and JSON, as documented)", async () => {
  await withSetup({}, async (setup) => {
    setup.kong.realisticSeed();
    const json = await doctor(setup.env());
    assert.equal(json.result.code, 0, describe(json.result));
    assertVerdicts(json, {});
    assert.equal(json.report.status, "pass");
    assert.equal(json.report.env_file, null);
    assert.deepEqual(json.report.summary, { pass: 11, warn: 0, fail: 0, skip: 0 });
    assert.deepEqual(
      json.report.checks.map((c) => c.id),
      Object.values(DOCTOR_CHECKS).map((c) => c.id),
    );
    assert.match(
      checkOf(json.report, "gateway.type").detail,
      /^kong 3\.9\.1 community with database \(detected\)$/,
    );
    assert.match(checkOf(json.report, "gateway.discovery").detail, /^4 APIs, 7 paths$/);
    assert.match(
      checkOf(json.report, "local.port").detail,
      new RegExp(`^127\\.0\\.0\\.1:${setup.port} is free$`),
    );
    const documented = jsonExample(
      await Deno.readTextFile(CLI_REFERENCE_PATH),
      "### `stoactl connect doctor`",
    );
    assert.deepEqual(shapeDifferences(json.report, documented), []);

    // The key check is read-only: no gateway was registered or touched.
    assert.deepEqual(setup.cp.gateways.list(), []);
    assert.equal(setup.kong.writes, 0);

    const table = await stoactl(["connect", "doctor"], { env: setup.env() });
    assert.equal(table.code, 0, describe(table));
    assert.match(table.stdout, /^stoa-connect doctor: configuration from the environment\n\n/);
    assert.match(
      table.stdout,
      /\nPASS {2}Control Plane key\s+STOA_GATEWAY_API_KEY accepted \(read-only check\)\n/,
    );
    assert.match(
      table.stdout,
      /\nPASS {2}Proxy variables\s+none set in the environment\n\s+Control Plane http:\/\/127\.0\.0\.1:\d+\/: direct\n/,
    );
    assert.match(table.stdout, /\nResult: 11 passed\.\n$/);
    assert.ok(!table.stdout.includes(KEY), "the key was printed");
  });
});

Deno.test("doctor: invalid configuration → exit 2 with the agent's own message", async () => {
  const env = {
    STOA_CONTROL_PLANE_URL: "api.gostoa.dev",
    STOA_GATEWAY_ADMIN_URL: "http://localhost:8001",
    STOA_HEARTBEAT_INTERVAL: "30",
  };
  const cwd = await Deno.makeTempDir({ prefix: "stoactl-doctor-agent-" });
  try {
    const agent = await runAgent(env, cwd);
    assert.equal(agent.code, 2, describe(agent));
    const message = agent.stderr.replace(/^stoa-connect: /, "").trimEnd();
    assert.match(message, /^invalid configuration \(3 problems\):\n {2}STOA_CONTROL_PLANE_URL: /);

    const json = await doctor(env, [], cwd);
    assert.equal(json.result.code, 2, describe(json.result));
    const config = checkOf(json.report, "config");
    assert.equal(config.status, "fail");
    assert.equal(config.detail, message);
    assert.equal(json.report.status, "fail");
    assert.deepEqual(json.report.summary, { pass: 0, warn: 0, fail: 1, skip: 10 });

    const table = await stoactl(["connect", "doctor"], { env, cwd });
    assert.equal(table.code, 2, describe(table));
    const indented = message.split("\n").map((line, i) =>
      i === 0 ? line : `\\s+${escape(line.trim())}`
    );
    assert.match(
      table.stdout,
      new RegExp(
        `FAIL  Configuration\\s+${escape(indented[0])}\n${indented.slice(1).join("\n")}\n\\s+fix: `,
      ),
    );
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

Deno.test("doctor: configuration from --env-file, and a missing --env-file", async () => {
  await withSetup({}, async (setup) => {
    setup.kong.realisticSeed();
    const dir = await Deno.makeTempDir({ prefix: "stoactl-doctor-env-" });
    try {
      const file = `${dir}/agent.env`;
      const lines = Object.entries(setup.env()).map(([k, v]) => `${k}=${v}`);
      await Deno.writeTextFile(file, `${lines.join("\n")}\n`);
      const fromFile = await doctor({}, ["--env-file", file]);
      assert.equal(fromFile.result.code, 0, describe(fromFile.result));
      assert.equal(fromFile.report.env_file, file);
      assertVerdicts(fromFile, {});

      const missing = await doctor({}, ["--env-file", `${dir}/nope.env`]);
      assert.equal(missing.result.code, 2, describe(missing.result));
      assert.match(
        checkOf(missing.report, "config").detail,
        /--env-file: .*nope\.env: file not found/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("doctor: wrong key, no keys on the CP, CP unreachable, CP failing, not a CP", async () => {
  await withSetup({}, async (setup) => {
    setup.kong.realisticSeed();
    const wrongKey = "gw_wrong_doctor_key_31";
    const wrong = await doctor(setup.env({ STOA_GATEWAY_API_KEY: wrongKey }));
    assert.equal(wrong.result.code, 1, describe(wrong.result));
    assertVerdicts(wrong, { "control_plane.key": "fail" });
    assert.match(
      checkOf(wrong.report, "control_plane.key").detail,
      /rejected STOA_GATEWAY_API_KEY \(401/,
    );
    assert.match(
      checkOf(wrong.report, "control_plane.key").fix ?? "",
      /ask your STOA administrator/,
    );
    assert.ok(!wrong.result.stdout.includes(wrongKey), "the key was printed");

    setup.cp.setKeys([]);
    const noKeys = await doctor(setup.env());
    assertVerdicts(noKeys, { "control_plane.key": "fail" });
    assert.match(
      checkOf(noKeys.report, "control_plane.key").detail,
      /no gateway keys configured \(503\)/,
    );
    assert.match(checkOf(noKeys.report, "control_plane.key").fix ?? "", /GATEWAY_API_KEYS/);
    setup.cp.setKeys([KEY]);

    setup.cp.failNext({ status: 500, path: "/config" });
    const failing = await doctor(setup.env());
    assertVerdicts(failing, { "control_plane.reachable": "fail", "control_plane.key": "skip" });
    assert.match(checkOf(failing.report, "control_plane.reachable").detail, /answered 500/);

    const closed = `http://127.0.0.1:${freePort()}`;
    const unreachable = await doctor(setup.env({ STOA_CONTROL_PLANE_URL: closed }));
    assert.equal(unreachable.result.code, 1, describe(unreachable.result));
    assertVerdicts(unreachable, {
      "control_plane.reachable": "fail",
      "control_plane.key": "skip",
    });
    assert.equal(
      checkOf(unreachable.report, "control_plane.reachable").detail,
      `${closed}/: connection refused`,
    );

    const notCp = await doctor(setup.env({ STOA_CONTROL_PLANE_URL: setup.kongUrl }));
    assertVerdicts(notCp, { "control_plane.key": "fail" });
    assert.match(
      checkOf(notCp.report, "control_plane.key").detail,
      /answers, but not as the STOA Control Plane API \(HTTP 404\)/,
    );
  });
});

Deno.test("doctor: gateway credentials, reachability, unsupported type, 0 APIs", async () => {
  const token = "kong-doctor-token-7c";
  await withSetup({ kong: { edition: "enterprise", adminToken: token } }, async (setup) => {
    setup.kong.realisticSeed();
    const good = await doctor(setup.env({ STOA_GATEWAY_ADMIN_TOKEN: token }));
    assertVerdicts(good, {});
    assert.equal(checkOf(good.report, "gateway.credentials").detail, "accepted");

    const wrongToken = "kong-wrong-token-0d";
    const wrong = await doctor(setup.env({ STOA_GATEWAY_ADMIN_TOKEN: wrongToken }));
    assert.equal(wrong.result.code, 1, describe(wrong.result));
    assertVerdicts(wrong, {
      "gateway.credentials": "fail",
      "gateway.type": "skip",
      "gateway.discovery": "skip",
    });
    assert.match(checkOf(wrong.report, "gateway.credentials").detail, /refused the token \(401\)/);
    assert.ok(!wrong.result.stdout.includes(wrongToken), "the token was printed");

    const missing = await doctor(setup.env());
    assertVerdicts(missing, {
      "gateway.credentials": "fail",
      "gateway.type": "skip",
      "gateway.discovery": "skip",
    });
    assert.match(checkOf(missing.report, "gateway.credentials").detail, /requires a token \(401\)/);

    const closed = await doctor(
      setup.env({ STOA_GATEWAY_ADMIN_URL: `http://127.0.0.1:${freePort()}` }),
    );
    assertVerdicts(closed, {
      "gateway.reachable": "fail",
      "gateway.credentials": "skip",
      "gateway.type": "skip",
      "gateway.discovery": "skip",
    });
    assert.match(
      checkOf(closed.report, "gateway.reachable").detail,
      /cannot reach the gateway admin API at .*: connection refused/,
    );

    const unsupported = GATEWAY_TYPES.find((type) => !DRIVERS[type]);
    if (unsupported === undefined) {
      notice("this build supports every gateway type: doctor's 'not supported' check not shown");
    } else {
      const other = await doctor(setup.env({ STOA_GATEWAY_TYPE: unsupported }));
      assert.equal(other.result.code, 1, describe(other.result));
      assertVerdicts(other, {
        "gateway.reachable": "skip",
        "gateway.credentials": "skip",
        "gateway.type": "fail",
        "gateway.discovery": "skip",
      });
      assert.match(
        checkOf(other.report, "gateway.type").detail,
        new RegExp(`STOA_GATEWAY_TYPE=${unsupported} is not supported by this build`),
      );
    }
  });
  await withSetup({}, async (setup) => {
    const empty = await doctor(setup.env());
    assert.equal(
      empty.result.code,
      0,
      `warnings do not fail the doctor\n${describe(empty.result)}`,
    );
    assertVerdicts(empty, { "gateway.discovery": "warn" });
    assert.equal(empty.report.status, "warn");
    assert.match(checkOf(empty.report, "gateway.discovery").detail, /^0 APIs discovered/);
  });
});

Deno.test("doctor: proxies that swallow local calls, NO_PROXY, and proxies only in .env", async () => {
  await withSetup({}, async (setup) => {
    setup.kong.realisticSeed();
    const proxy = `http://proxyuser:proxy-s3cret@127.0.0.1:${freePort()}`;
    const proxied = await doctor(setup.env({ HTTP_PROXY: proxy }));
    assert.equal(proxied.result.code, 1, describe(proxied.result));
    assertVerdicts(proxied, {
      "control_plane.reachable": "fail",
      "control_plane.key": "skip",
      "gateway.reachable": "fail",
      "gateway.credentials": "skip",
      "gateway.type": "skip",
      "gateway.discovery": "skip",
      "network.proxy": "warn",
    });
    const proxyCheck = checkOf(proxied.report, "network.proxy");
    assert.match(
      proxyCheck.detail,
      /gateway admin API http:\/\/127\.0\.0\.1:\d+\/: through HTTP_PROXY/,
    );
    assert.match(proxyCheck.fix ?? "", /add 127\.0\.0\.1 to NO_PROXY/);
    assert.ok(!proxied.result.stdout.includes("proxy-s3cret"), "proxy credentials were printed");

    const bypassed = await doctor(
      setup.env({ HTTP_PROXY: proxy, NO_PROXY: "localhost,127.0.0.1" }),
    );
    assertVerdicts(bypassed, {});
    assert.match(
      checkOf(bypassed.report, "network.proxy").detail,
      /Control Plane http:\/\/127\.0\.0\.1:\d+\/: direct \(NO_PROXY has 127\.0\.0\.1\)/,
    );

    const dir = await Deno.makeTempDir({ prefix: "stoactl-doctor-proxy-" });
    try {
      await Deno.writeTextFile(`${dir}/.env`, "HTTPS_PROXY=http://proxy.example:3128\n");
      const fileOnly = await doctor(setup.env(), [], dir);
      assertVerdicts(fileOnly, { "network.proxy": "warn" });
      assert.equal(fileOnly.report.env_file, `${dir}/.env`);
      assert.match(
        checkOf(fileOnly.report, "network.proxy").fix ?? "",
        /HTTPS_PROXY is set in .*\.env only, where the runtime does not read it/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("doctor: CA variables that break every HTTPS call", async () => {
  await withSetup({}, async (setup) => {
    setup.kong.realisticSeed();
    const missingCert = await doctor(setup.env({ DENO_CERT: "/nonexistent/ca.pem" }));
    assert.equal(missingCert.result.code, 1, describe(missingCert.result));
    const ca = checkOf(missingCert.report, "network.ca");
    assert.equal(ca.status, "fail");
    assert.match(ca.detail, /DENO_CERT=\/nonexistent\/ca\.pem cannot be read \(file not found\)/);

    const dir = await Deno.makeTempDir({ prefix: "stoactl-doctor-ca-" });
    try {
      await Deno.writeTextFile(
        `${dir}/key.pem`,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
      );
      const notCert = await doctor(setup.env({ DENO_CERT: `${dir}/key.pem` }));
      assert.equal(checkOf(notCert.report, "network.ca").status, "fail");
      assert.match(checkOf(notCert.report, "network.ca").detail, /holds no PEM certificate/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }

    const badStore = await doctor(setup.env({ DENO_TLS_CA_STORE: "windows" }));
    assert.equal(checkOf(badStore.report, "network.ca").status, "fail");
    assert.match(
      checkOf(badStore.report, "network.ca").fix ?? "",
      /system, mozilla or system,mozilla/,
    );
  });
});

/** A CA and a server certificate for 127.0.0.1, made with openssl; `undefined` without it. */
async function makeCertificates(
  dir: string,
): Promise<{ ca: string; cert: string; key: string } | undefined> {
  const openssl = await which("openssl");
  if (!openssl) return undefined;
  const steps = [
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=stoactl test CA",
    ],
    [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
      "-subj",
      "/CN=127.0.0.1",
    ],
    [
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "2",
      "-extfile",
      "ext.cnf",
    ],
  ];
  await Deno.writeTextFile(
    `${dir}/ext.cnf`,
    "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
  );
  for (const args of steps) {
    const result = await run(openssl, { args, cwd: dir });
    assert.equal(result.code, 0, describe(result));
  }
  return { ca: `${dir}/ca.pem`, cert: `${dir}/server.pem`, key: `${dir}/server.key` };
}

Deno.test("doctor: a Control Plane certificate from a private CA fails until DENO_CERT names the CA", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stoactl-doctor-tls-" });
  try {
    const certificates = await makeCertificates(dir);
    if (!certificates) {
      notice("openssl is not installed: the TLS check of doctor was not exercised");
      return;
    }
    await withSetup({}, async (setup) => {
      setup.kong.realisticSeed();
      const tls = Deno.serve({
        hostname: "127.0.0.1",
        port: 0,
        cert: await Deno.readTextFile(certificates.cert),
        key: await Deno.readTextFile(certificates.key),
        onListen() {},
      }, (request) => setup.cp.fetch(request));
      try {
        const httpsUrl = `https://127.0.0.1:${tls.addr.port}`;
        const untrusted = await doctor(setup.env({ STOA_CONTROL_PLANE_URL: httpsUrl }));
        assert.equal(untrusted.result.code, 1, describe(untrusted.result));
        assertVerdicts(untrusted, { "control_plane.tls": "fail", "control_plane.key": "skip" });
        const check = checkOf(untrusted.report, "control_plane.tls");
        assert.equal(check.detail, "TLS certificate not accepted (UnknownIssuer)");
        assert.match(
          check.fix ?? "",
          /set DENO_CERT to its CA certificate file, or DENO_TLS_CA_STORE=system/,
        );

        const trusted = await doctor(
          setup.env({ STOA_CONTROL_PLANE_URL: httpsUrl, DENO_CERT: certificates.ca }),
        );
        assert.equal(trusted.result.code, 0, describe(trusted.result));
        assertVerdicts(trusted, {});
        assert.equal(checkOf(trusted.report, "control_plane.tls").detail, "certificate accepted");
        assert.match(
          checkOf(trusted.report, "network.ca").detail,
          /DENO_CERT=.*ca\.pem: 1 CA certificate added/,
        );
      } finally {
        await tls.shutdown();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("doctor: the local port served by an agent passes; by another program it fails", async () => {
  await withSetup({}, async (setup) => {
    setup.kong.realisticSeed();
    const agent = await AgentProcess.start({
      controlPlaneUrl: setup.cpUrl,
      apiKey: KEY,
      adminUrl: setup.kongUrl,
    });
    try {
      const served = await doctor(setup.env({ STOA_CONNECT_PORT: String(agent.port) }));
      assertVerdicts(served, {});
      assert.match(
        checkOf(served.report, "local.port").detail,
        /is served by stoa-connect 0\.1\.0 \(status (ok|degraded)\)/,
      );
    } finally {
      await agent.stop();
    }

    const web = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response("nope", { status: 404 }),
    );
    try {
      const taken = await doctor(setup.env({ STOA_CONNECT_PORT: String(web.addr.port) }));
      assert.equal(taken.result.code, 1, describe(taken.result));
      assertVerdicts(taken, { "local.port": "fail" });
      assert.match(
        checkOf(taken.report, "local.port").detail,
        /is used by another program \(GET \/health answered 404/,
      );
    } finally {
      await web.shutdown();
    }

    // A listener that never answers HTTP: the port cannot be bound.
    const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const bound = await doctor(setup.env({ STOA_CONNECT_PORT: String(silent.addr.port) }));
      assertVerdicts(bound, { "local.port": "fail" });
      assert.match(checkOf(bound.report, "local.port").detail, /in use by another program/);
    } finally {
      silent.close();
    }
  });
});
