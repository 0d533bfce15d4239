/**
 * `stoactl connect discover` on Gravitee and webMethods: the detected type (explicit and auto),
 * the JSON equal to what the agent reports to the Control Plane, and refused credentials.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ControlPlaneDouble } from "../fakes/control_plane_double.ts";
import { GraviteeEmulator } from "../fakes/gravitee_emulator.ts";
import { WebMethodsEmulator } from "../fakes/webmethods_emulator.ts";
import { AgentProcess } from "./agent_process.ts";
import { describe, jsonOf, stoactl } from "./stoactl_process.ts";

const GATEWAYS = [
  {
    type: "gravitee",
    create: () => new GraviteeEmulator(),
    user: "admin",
    password: "admin",
  },
  {
    type: "webmethods",
    create: () => new WebMethodsEmulator({ version: "11.0" }),
    user: "Administrator",
    password: "manage",
  },
] as const;

for (const gateway of GATEWAYS) {
  Deno.test(`discover on ${gateway.type}: explicit and auto type, JSON equal to the agent's report`, async () => {
    const cp = new ControlPlaneDouble({ keys: ["gw_discover_gw_key"] });
    const emulator = gateway.create();
    emulator.realisticSeed();
    const cpUrl = await cp.start();
    const adminUrl = await emulator.start();
    try {
      const agent = await AgentProcess.start({
        controlPlaneUrl: cpUrl,
        apiKey: "gw_discover_gw_key",
        adminUrl,
        env: {
          STOA_GATEWAY_TYPE: gateway.type,
          STOA_GATEWAY_ADMIN_USER: gateway.user,
          STOA_GATEWAY_ADMIN_PASSWORD: gateway.password,
        },
      });
      try {
        await agent.waitUntilReported();
      } finally {
        await agent.stop();
      }
      const reported = (cp.requestsTo("discovery").at(-1)?.body as { apis: unknown[] }).apis;
      assert.ok(reported.length > 0);

      for (const type of [gateway.type, "auto"]) {
        const result = await stoactl([
          "connect",
          "discover",
          "--admin-url",
          adminUrl,
          "--type",
          type,
          "--user",
          gateway.user,
          "--password",
          gateway.password,
          "--output",
          "json",
        ]);
        assert.equal(result.code, 0, describe(result));
        assert.deepEqual(jsonOf(result), reported, `--type ${type}`);
      }

      const table = await stoactl([
        "connect",
        "discover",
        "--admin-url",
        adminUrl,
        "--user",
        gateway.user,
        "--password",
        gateway.password,
      ]);
      assert.equal(table.code, 0, describe(table));
      assert.match(table.stdout, new RegExp(`^Gateway: ${gateway.type} `));
      assert.match(table.stdout, new RegExp(`\\n${reported.length} APIs? discovered\\.\\n$`));

      const refused = await stoactl([
        "connect",
        "discover",
        "--admin-url",
        adminUrl,
        "--type",
        gateway.type,
        "--user",
        gateway.user,
        "--password",
        "wrong-password-77",
      ]);
      assert.equal(refused.code, 1, describe(refused));
      assert.ok(!refused.stderr.includes("wrong-password-77"));
    } finally {
      await emulator.stop();
      await cp.stop();
    }
  });
}
