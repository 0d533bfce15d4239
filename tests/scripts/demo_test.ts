import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

async function demo(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "demo", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  assert.equal(code, 0, out + new TextDecoder().decode(stderr));
  return out;
}

function assertLoop(out: string, gateway: string): void {
  assert.match(
    out,
    new RegExp(`CP ✔ registration from demo-${gateway}-01, version \\d+\\.\\d+\\.\\d+`),
  );
  assert.match(out, new RegExp(`gateway type: ${gateway}`));
  assert.match(out, /CP ⇢ discovery report: \d+ APIs/);
  assert.match(out, /CP ✔ policy demo-rate-limit: applied/);
  assert.match(out, /CP ✔ policy demo-cors: applied/);
  assert.match(out, /CP ✔ deployment weather-api \(generation 1\): applied/);
  assert.match(out, /GW ✎ (PUT|POST) /);
  assert.match(out, /CP ♥ heartbeat #1: uptime \d+s/);
  assert.match(out, /agent exited with code 0/);
}

Deno.test("deno task demo shows the whole loop on Kong: registration, heartbeats, discovery, policies and a deployment applied and acked", async () => {
  const out = await demo(["--duration", "7s"]);
  assertLoop(out, "kong");
  for (const api of ["payments-api", "orders-api", "users-api", "legacy-billing"]) {
    assert.ok(out.includes(api), api);
  }
});

for (const gateway of ["gravitee", "webmethods"]) {
  Deno.test(`deno task demo --gateway ${gateway} shows the same loop`, async () => {
    assertLoop(await demo(["--gateway", gateway, "--duration", "7s"]), gateway);
  });
}

Deno.test("deno task demo refuses an unknown gateway with exit code 2", async () => {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "demo", "--gateway", "nginx"],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(code, 2);
  assert.match(new TextDecoder().decode(stderr), /not one of kong, gravitee, webmethods/);
});
