/**
 * One measured discovery through the agent's own driver, in its own process so its peak memory is
 * its own. Prints one JSON line: APIs found, admin calls, wall time, resident memory before and
 * peak. Calls are counted by the fetch the adapter is given, the same way for every gateway.
 *
 * Usage: deno run -A bench/discovery.ts --type kong|gravitee|webmethods --url URL
 *          [--user U --password P]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { GATEWAY_TYPES, type GatewayType } from "../src/gateways/adapter.ts";
import { DRIVERS } from "../src/gateways/drivers.ts";
import { memoryOf } from "./support.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    type: { type: "string" },
    url: { type: "string" },
    user: { type: "string" },
    password: { type: "string" },
  },
});
const type = values.type as GatewayType;
const driver = GATEWAY_TYPES.includes(type) ? DRIVERS[type] : undefined;
if (!driver || !values.url) {
  console.error(
    "usage: discovery.ts --type kong|gravitee|webmethods --url URL [--user U --password P]",
  );
  Deno.exit(2);
}

let calls = 0;
const counting: typeof fetch = (input, init) => {
  calls++;
  return fetch(input, init);
};
const before = memoryOf("self");
const adapter = await driver.create({
  adminUrl: new URL(values.url),
  user: values.user,
  password: values.password,
  fetch: counting,
});
const started = performance.now();
const info = await adapter.probe();
const apis = await adapter.discover();
const ms = performance.now() - started;
const after = memoryOf("self");
console.log(JSON.stringify({
  version: info.version,
  apis: apis.length,
  paths: apis.reduce((n, api) => n + api.paths.length, 0),
  calls,
  ms: Math.round(ms),
  rss_before: before.rss,
  peak_rss: after.peak,
}));
