import assert from "node:assert/strict";
import { log, setupLogging, teardownLogging } from "../../src/observability/logger.ts";
import { clearSecrets, registerSecret } from "../../src/observability/redact.ts";

async function capture(
  options: { level: "debug" | "info" | "warn" | "error"; format: "json" | "pretty" },
  fn: () => void,
): Promise<string[]> {
  const lines: string[] = [];
  await setupLogging({
    ...options,
    color: false,
    context: () => ({ instance: "edge-01", gateway_id: "gw-42" }),
    write: (line) => lines.push(line),
  });
  try {
    fn();
  } finally {
    await teardownLogging();
  }
  return lines;
}

Deno.test("JSON lines carry time, level, area, message, instance, gateway id and properties", async () => {
  const lines = await capture({ level: "info", format: "json" }, () => {
    log("heartbeat").info("sent {count} heartbeats", { count: 3 });
  });
  assert.equal(lines.length, 1);
  const entry = JSON.parse(lines[0]);
  assert.equal(entry.level, "info");
  assert.equal(entry.area, "heartbeat");
  assert.equal(entry.message, "sent 3 heartbeats");
  assert.equal(entry.instance, "edge-01");
  assert.equal(entry.gateway_id, "gw-42");
  assert.equal(entry.count, 3);
  assert.ok(!Number.isNaN(Date.parse(entry.time)));
});

Deno.test("LOG_LEVEL filters lower levels; warn is spelled warn", async () => {
  const lines = await capture({ level: "warn", format: "json" }, () => {
    const logger = log("t");
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
  });
  assert.deepEqual(lines.map((l) => JSON.parse(l).level), ["warn", "error"]);
});

Deno.test("debug level shows debug lines", async () => {
  const lines = await capture({ level: "debug", format: "json" }, () => log("t").debug("d"));
  assert.equal(lines.length, 1);
});

Deno.test("secrets never reach a log line, in messages, properties or errors", async () => {
  clearSecrets();
  registerSecret("gw_live_9f8e7d6c");
  registerSecret("admin-pass-123");
  const lines = await capture({ level: "debug", format: "json" }, () => {
    const logger = log("t");
    logger.info("key is {key}", { key: "gw_live_9f8e7d6c" });
    logger.error("failed: {error}", { error: new Error("401 for admin-pass-123") });
    logger.warn("GET https://u:p4ss@kong/services failed");
  });
  clearSecrets();
  const all = lines.join("\n");
  assert.ok(!all.includes("gw_live_9f8e7d6c"));
  assert.ok(!all.includes("admin-pass-123"));
  assert.ok(!all.includes("p4ss"));
  assert.equal((all.match(/\[REDACTED\]/g) ?? []).length >= 4, true, all);
});

Deno.test("pretty format is one readable line with the context", async () => {
  const lines = await capture({ level: "info", format: "pretty" }, () => {
    log("discovery").warn("gateway slow");
  });
  assert.match(
    lines[0],
    /^\d\d:\d\d:\d\d\.\d{3} WARN {2}discovery +gateway slow {2}\[instance=edge-01 gateway_id=gw-42\]$/,
  );
});
