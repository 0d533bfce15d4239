import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

Deno.test("deno task demo shows registration, heartbeats and the discovered APIs, then stops cleanly", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "demo", "--duration", "7s"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  assert.equal(code, 0, out + new TextDecoder().decode(stderr));
  assert.match(out, /CP ✔ registration from demo-kong-01, version \d+\.\d+\.\d+/);
  assert.match(out, /gateway type: kong/);
  assert.match(out, /CP ⇢ discovery report: 4 APIs/);
  for (const api of ["payments-api", "orders-api", "users-api", "legacy-billing"]) {
    assert.ok(out.includes(api), api);
  }
  assert.match(out, /CP ♥ heartbeat #1: uptime \d+s, 4 APIs/);
  assert.match(out, /agent exited with code 0/);
});
