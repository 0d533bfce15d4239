import assert from "node:assert/strict";
import {
  clearSecrets,
  redact,
  redactValue,
  registerSecret,
} from "../../src/observability/redact.ts";

Deno.test("registered secrets are replaced everywhere, also percent-encoded", () => {
  clearSecrets();
  registerSecret("gw_prod_s3cr3t/+x");
  const text = "key gw_prod_s3cr3t/+x in url ?k=gw_prod_s3cr3t%2F%2Bx";
  assert.equal(redact(text), "key [REDACTED] in url ?k=[REDACTED]");
  clearSecrets();
});

Deno.test("tiny and empty secrets are not registered", () => {
  clearSecrets();
  registerSecret("");
  registerSecret("abc");
  registerSecret(undefined);
  assert.equal(redact("abc def"), "abc def");
});

Deno.test("URL credentials and echoed auth headers are hidden even when unregistered", () => {
  clearSecrets();
  assert.equal(
    redact("GET https://admin:hunter2@kong:8001/services failed"),
    "GET https://[REDACTED]kong:8001/services failed",
  );
  assert.equal(redact("Authorization: Bearer abc.def"), "Authorization: [REDACTED]");
  assert.equal(redact("x-gateway-key=gw_123"), "x-gateway-key=[REDACTED]");
  assert.equal(redact('Kong-Admin-Token: "tok"'), 'Kong-Admin-Token: "[REDACTED]"');
});

Deno.test("redactValue walks objects and arrays", () => {
  clearSecrets();
  registerSecret("topsecret");
  assert.deepEqual(redactValue({ a: ["x topsecret"], b: { c: "topsecret" }, n: 1, z: null }), {
    a: ["x [REDACTED]"],
    b: { c: "[REDACTED]" },
    n: 1,
    z: null,
  });
  clearSecrets();
});
