/**
 * One measured Kong discovery, in its own process so its peak memory is its own. Prints one JSON
 * line: admin calls, wall time, APIs found, resident memory before and peak.
 *
 * Usage: deno run … bench/kong_discovery.ts <admin-url>
 *
 * @module
 */

import { createKongAdapter } from "../src/gateways/kong/kong_adapter.ts";
import { memoryOf } from "./support.ts";

const adminUrl = Deno.args[0];
if (!adminUrl) {
  console.error("usage: kong_discovery.ts <admin-url>");
  Deno.exit(2);
}
const before = memoryOf("self");
const adapter = createKongAdapter({ adminUrl });
const started = performance.now();
const info = await adapter.probe();
const apis = await adapter.discover();
const ms = performance.now() - started;
const after = memoryOf("self");
console.log(JSON.stringify({
  version: info.version,
  apis: apis.length,
  routes: apis.reduce((n, api) => n + api.paths.length, 0),
  calls: adapter.calls,
  ms: Math.round(ms),
  rss_before: before.rss,
  peak_rss: after.peak,
}));
