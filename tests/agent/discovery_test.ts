import assert from "node:assert/strict";
import { createDiscovery, toPayload, withoutCredentials } from "../../src/agent/discovery.ts";
import { AgentState } from "../../src/agent/state.ts";
import { ControlPlaneClient } from "../../src/control_plane/client.ts";
import type { DiscoveredApi, GatewayAdapter } from "../../src/gateways/adapter.ts";
import { AgentMetrics } from "../../src/observability/metrics.ts";
import { ControlPlaneDouble } from "../fakes/control_plane_double.ts";

const WITH_PASSWORD: DiscoveredApi = {
  name: "billing",
  version: "",
  backend_url: "https://svc:S3cretPass@billing.internal:8443/v1",
  paths: ["/billing"],
  methods: [],
  policies: [],
  is_active: true,
};

Deno.test("withoutCredentials drops user and password and leaves other URLs alone", () => {
  assert.equal(
    withoutCredentials("https://svc:S3cretPass@billing.internal:8443/v1"),
    "https://billing.internal:8443/v1",
  );
  assert.equal(withoutCredentials("http://orders:8080/api"), "http://orders:8080/api");
  assert.equal(withoutCredentials(""), "");
  assert.equal(withoutCredentials("not a url"), "not a url");
  assert.equal(toPayload(WITH_PASSWORD).backend_url, "https://billing.internal:8443/v1");
});

Deno.test("backend credentials found on a gateway reach neither the state, the result nor the Control Plane", async () => {
  const cp = new ControlPlaneDouble({ keys: ["gw_discovery_key"] });
  const url = await cp.start();
  try {
    const client = new ControlPlaneClient({ baseUrl: url, apiKey: "gw_discovery_key" });
    const gateway = await client.register({
      hostname: "edge",
      mode: "connect",
      version: "0.1.0",
      admin_url: "http://edge:8090",
      environment: "production",
      capabilities: [],
      deployment_mode: "connect",
      topology: "remote-agent",
    });
    const state = new AgentState();
    state.registered(gateway.id, gateway.name);
    const adapter: GatewayAdapter = {
      type: "gravitee",
      probe: () => Promise.resolve({ type: "gravitee", version: "4.12" }),
      discover: () => Promise.resolve([WITH_PASSWORD]),
    };
    const discover = createDiscovery({
      client,
      state,
      metrics: new AgentMetrics(),
      adapter: () => Promise.resolve(adapter),
    });
    const result = await discover(new AbortController().signal);
    assert.equal(result.reported, true);
    const everything = JSON.stringify([result, state.discovery, cp.requestsTo("discovery")]);
    assert.ok(!everything.includes("S3cretPass"), everything);
    assert.equal(state.discovery.apis[0].backend_url, "https://billing.internal:8443/v1");
  } finally {
    await cp.stop();
  }
});
