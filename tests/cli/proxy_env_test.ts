/**
 * The proxy rules doctor reports are Deno's own: each case is predicted by `proxyRoute` and then
 * observed by running a real `fetch` in a child process with the same variables, through a
 * recording proxy.
 *
 * @module
 */

import assert from "node:assert/strict";
import { goesThroughProxy, proxyRoute } from "../../src/cli/proxy_env.ts";

/** A TCP listener that records the request line of every connection and closes it. */
function recordingProxy(): { url: string; seen: string[]; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const seen: string[] = [];
  (async () => {
    for await (const connection of listener) {
      const buffer = new Uint8Array(512);
      const n = await connection.read(buffer).catch(() => null);
      seen.push(new TextDecoder().decode(buffer.subarray(0, n ?? 0)).split("\r\n")[0]);
      connection.close();
    }
  })().catch(() => {});
  return { url: `http://127.0.0.1:${listener.addr.port}`, seen, close: () => listener.close() };
}

/** Runs one `fetch` of `target` in a child process whose whole environment is `env`. */
async function observe(target: string, env: Record<string, string>): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `await fetch(${
        JSON.stringify(target)
      }, { signal: AbortSignal.timeout(3000) }).catch(() => {});`,
    ],
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin", ...env },
    clearEnv: true,
    stdout: "null",
    stderr: "null",
  });
  await child.output();
}

Deno.test("proxyRoute predicts where Deno's fetch goes", async () => {
  const a = recordingProxy();
  const b = recordingProxy();
  const target = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("direct"),
  );
  const local = `http://127.0.0.1:${target.addr.port}/`;
  const cases: [string, Record<string, string>, "A" | "B" | "direct"][] = [
    [local, {}, "direct"],
    [local, { HTTP_PROXY: a.url }, "A"],
    [local, { http_proxy: a.url }, "A"],
    [local, { HTTP_PROXY: a.url, http_proxy: b.url }, "A"],
    [local, { ALL_PROXY: a.url, HTTP_PROXY: b.url }, "A"],
    [local, { HTTPS_PROXY: a.url }, "direct"],
    [local, { HTTP_PROXY: a.url, NO_PROXY: "127.0.0.1" }, "direct"],
    [local, { HTTP_PROXY: a.url, NO_PROXY: "127.0.0.0/8" }, "direct"],
    [local, { HTTP_PROXY: a.url, NO_PROXY: `127.0.0.1:${target.addr.port}` }, "A"],
    [local, { HTTP_PROXY: a.url, NO_PROXY: "*" }, "A"],
    [local, { HTTP_PROXY: a.url, NO_PROXY: "", no_proxy: "127.0.0.1" }, "A"],
    [local, { HTTP_PROXY: a.url, no_proxy: "127.0.0.1" }, "direct"],
    ["http://api.example.test/", { HTTP_PROXY: a.url, NO_PROXY: "example.test" }, "direct"],
    ["http://example.test/", { HTTP_PROXY: a.url, NO_PROXY: ".example.test" }, "direct"],
    ["http://example.test/", { HTTP_PROXY: a.url, NO_PROXY: "*" }, "direct"],
    ["http://localhost.test/", { HTTP_PROXY: a.url, NO_PROXY: "host.test" }, "A"],
    ["https://api.example.test/", { HTTPS_PROXY: a.url }, "A"],
    ["https://api.example.test/", { HTTP_PROXY: a.url }, "direct"],
    ["https://api.example.test/", { HTTPS_PROXY: b.url, ALL_PROXY: a.url }, "A"],
  ];
  try {
    for (const [url, env, expected] of cases) {
      a.seen.length = 0;
      b.seen.length = 0;
      await observe(url, env);
      const observed = a.seen.length > 0 ? "A" : b.seen.length > 0 ? "B" : "direct";
      const context = `${url} with ${
        JSON.stringify(env).replaceAll(a.url, "A").replaceAll(b.url, "B")
      }`;
      assert.equal(observed, expected, `Deno itself: ${context}`);
      const route = proxyRoute(new URL(url), env);
      const predicted = goesThroughProxy(route)
        ? (route.proxy?.url === a.url ? "A" : "B")
        : "direct";
      assert.equal(predicted, expected, `proxyRoute: ${context} → ${JSON.stringify(route)}`);
    }
  } finally {
    a.close();
    b.close();
    await target.shutdown();
  }
});

Deno.test("proxyRoute names the variable and the NO_PROXY entry", () => {
  const url = new URL("http://127.0.0.1:8001/");
  assert.deepEqual(proxyRoute(url, {}), {});
  assert.deepEqual(proxyRoute(url, { HTTP_PROXY: "http://p:3128" }), {
    proxy: { variable: "HTTP_PROXY", url: "http://p:3128" },
  });
  assert.deepEqual(
    proxyRoute(url, { http_proxy: "http://p:3128", no_proxy: "localhost, 127.0.0.1" }),
    {
      proxy: { variable: "http_proxy", url: "http://p:3128" },
      bypass: { variable: "no_proxy", entry: "127.0.0.1" },
    },
  );
});
