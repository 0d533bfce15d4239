/**
 * packaging/systemd/stoa-connect.service: the directives the guide and the hardening require, then
 * `systemd-analyze verify` (which prints problems but still exits 0 for many of them, so any output
 * about the unit fails the test) and `systemd-analyze security --offline`, where available.
 */

import assert from "node:assert/strict";
import { describe, notice, ROOT, run, which } from "./helpers.ts";

const UNIT = `${ROOT}/packaging/systemd/stoa-connect.service`;
const STATE_DIR = "/var/lib/stoa-connect";

/** `[Section]` → list of `[key, value]` in file order (keys may repeat). */
type Unit = Map<string, [string, string][]>;

function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: [string, string][] | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = [];
      unit.set(header[1], section);
      continue;
    }
    const eq = line.indexOf("=");
    assert.ok(section && eq > 0, `not a directive inside a section: ${line}`);
    section.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return unit;
}

function values(unit: Unit, section: string, key: string): string[] {
  return (unit.get(section) ?? []).filter(([k]) => k === key).map(([, v]) => v);
}

function only(unit: Unit, section: string, key: string): string {
  const found = values(unit, section, key);
  assert.equal(found.length, 1, `[${section}] ${key}= must be set once, found ${found.length}`);
  return found[0];
}

Deno.test("systemd unit: runs the installed binary with the env file, as the guide says", async () => {
  const unit = parseUnit(await Deno.readTextFile(UNIT));
  assert.equal(only(unit, "Service", "ExecStart"), "/usr/local/bin/stoa-connect");
  assert.equal(only(unit, "Service", "EnvironmentFile"), "/etc/stoa-connect/env");
  assert.equal(only(unit, "Service", "Restart"), "on-failure");
  assert.equal(only(unit, "Service", "RestartPreventExitStatus"), "2", "exit 2 = invalid config");
  assert.match(only(unit, "Unit", "After"), /\bnetwork-online\.target\b/);
  assert.match(only(unit, "Unit", "Wants"), /\bnetwork-online\.target\b/);
  assert.equal(only(unit, "Install", "WantedBy"), "multi-user.target");
});

Deno.test("systemd unit: hardening and a state directory the agent uses", async () => {
  const unit = parseUnit(await Deno.readTextFile(UNIT));
  const expected: Record<string, string> = {
    NoNewPrivileges: "yes",
    ProtectSystem: "strict",
    PrivateTmp: "yes",
    ProtectHome: "yes",
    DynamicUser: "yes",
    StateDirectory: "stoa-connect",
    CapabilityBoundingSet: "",
  };
  for (const [key, value] of Object.entries(expected)) {
    assert.equal(only(unit, "Service", key), value, `${key}=`);
  }
  // ProtectSystem=strict makes everything else read-only: the agent's state must go where systemd
  // made the state directory.
  assert.ok(
    values(unit, "Service", "Environment").includes(`STOA_STATE_DIR=${STATE_DIR}`),
    `Environment=STOA_STATE_DIR=${STATE_DIR} is missing`,
  );
  assert.equal(`/var/lib/${only(unit, "Service", "StateDirectory")}`, STATE_DIR);
  // V8 needs writable+executable memory for its JIT: this setting would crash the agent.
  assert.deepEqual(values(unit, "Service", "MemoryDenyWriteExecute"), []);
});

Deno.test("systemd unit: systemd-analyze verify and security", async () => {
  const analyze = await which("systemd-analyze");
  if (analyze === undefined) {
    notice("systemd-analyze is not installed: the unit was checked by parsing only");
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "stoa-systemd-" });
  try {
    // verify insists that ExecStart's program exists; point it at a stand-in with the same role.
    const fakeBinary = `${dir}/stoa-connect`;
    await Deno.writeTextFile(fakeBinary, "#!/bin/sh\n");
    await Deno.chmod(fakeBinary, 0o755);
    const text = (await Deno.readTextFile(UNIT)).replace(
      /^ExecStart=\/usr\/local\/bin\/stoa-connect$/m,
      `ExecStart=${fakeBinary}`,
    );
    assert.ok(text.includes(`ExecStart=${fakeBinary}`));
    await Deno.mkdir(`${dir}/unit`);
    const copy = `${dir}/unit/stoa-connect.service`;
    await Deno.writeTextFile(copy, text);

    // The checker must be able to fail here: a misspelt directive has to be reported.
    const broken = `${dir}/broken/stoa-connect.service`;
    await Deno.mkdir(`${dir}/broken`);
    await Deno.writeTextFile(broken, text.replace("NoNewPrivileges=yes", "NoNewPrivilege=yes"));
    const brokenResult = await run(analyze, { args: ["verify", broken] });
    assert.match(brokenResult.stderr, /Unknown key 'NoNewPrivilege'/, describe(brokenResult));

    const verify = await run(analyze, { args: ["verify", copy] });
    const problems = (verify.stdout + verify.stderr).split("\n").filter((l) =>
      l.includes("stoa-connect.service")
    );
    assert.equal(verify.code, 0, describe(verify));
    assert.deepEqual(problems, [], describe(verify));

    const security = await run(analyze, { args: ["security", "--offline=yes", copy] });
    const exposure = /Overall exposure level for stoa-connect\.service: (\d+\.\d+)/.exec(
      security.stdout,
    );
    if (exposure === null) {
      notice(`systemd-analyze security --offline is not supported here:\n${describe(security)}`);
      return;
    }
    // 0 = fully locked down, 10 = unprotected; what remains is network access, which the agent needs.
    assert.ok(Number(exposure[1]) <= 2.0, `exposure ${exposure[1]} > 2.0\n${security.stdout}`);
    const readme = await Deno.readTextFile(`${ROOT}/README.md`);
    assert.ok(
      readme.includes(`\`systemd-analyze security\` rates it ${exposure[1]}`),
      `README.md must quote the measured exposure ${exposure[1]}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
