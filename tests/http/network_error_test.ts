/**
 * Transport failures are named by their real cause, found at the bottom of Deno's "fetch failed"
 * chain and of the agent's own wrappers.
 *
 * @module
 */

import assert from "node:assert/strict";
import { classifyNetworkError } from "../../src/http/network_error.ts";
import { ControlPlaneClient } from "../../src/control_plane/client.ts";
import { freePort } from "../cli/stoactl_process.ts";

async function fetchError(url: string, init?: RequestInit): Promise<unknown> {
  try {
    await fetch(url, init);
  } catch (error) {
    return error;
  }
  throw new Error(`${url} answered`);
}

Deno.test("a refused connection, directly and through the Control Plane client", async () => {
  const url = `http://127.0.0.1:${freePort()}/`;
  assert.deepEqual(classifyNetworkError(await fetchError(url)), {
    kind: "refused",
    reason: "connection refused",
  });
  const client = new ControlPlaneClient({ baseUrl: url, apiKey: "k" });
  const wrapped = await client.fetchConfig(crypto.randomUUID()).catch((error) => error);
  assert.deepEqual(classifyNetworkError(wrapped), {
    kind: "refused",
    reason: "connection refused",
  });
});

Deno.test("an unknown host name", async () => {
  const error = await fetchError("http://stoactl-test.invalid/");
  assert.equal(classifyNetworkError(error).kind, "dns", String((error as Error).cause));
});

Deno.test("a timeout", async () => {
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const error = await fetchError(`http://127.0.0.1:${silent.addr.port}/`, {
      signal: AbortSignal.timeout(100),
    });
    assert.deepEqual(classifyNetworkError(error), {
      kind: "timeout",
      reason: "no answer in time (timed out)",
    });
  } finally {
    silent.close();
  }
});

Deno.test("TLS and CA failures, as Deno 2 words them", () => {
  const untrusted = new TypeError("fetch failed", {
    cause: new Error(
      "error sending request for url (https://cp.example/): client error (Connect): invalid peer certificate: UnknownIssuer",
    ),
  });
  assert.deepEqual(classifyNetworkError(untrusted), {
    kind: "tls",
    reason: "TLS certificate not accepted (UnknownIssuer)",
  });
  const caFile = new Error("Failed opening CA file: No such file or directory (os error 2)");
  assert.equal(classifyNetworkError(caFile).kind, "ca_file");
  const store = new Error(
    'Unknown certificate store "windows" specified (allowed: "system,mozilla")',
  );
  assert.equal(classifyNetworkError(store).kind, "ca_file");
});

Deno.test("anything else keeps its deepest message on one line", () => {
  const error = new Error("outer", { cause: new Error("inner\n  detail") });
  assert.deepEqual(classifyNetworkError(error), { kind: "other", reason: "inner detail" });
});
