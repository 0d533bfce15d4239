import assert from "node:assert/strict";
import { readCredentials } from "../../src/credentials/consumer_credentials.ts";
import { clearSecrets, redact } from "../../src/observability/redact.ts";

Deno.test("credentials are read entry by entry; incomplete ones are dropped", () => {
  const read = readCredentials({
    credentials: [
      { consumer_id: "c1", api_name: "orders", auth_type: "key-auth", key: "key-aaaa" },
      {
        consumer_id: "c2",
        api_name: "orders",
        auth_type: "basic-auth",
        key: "bob",
        secret: "pw-bbbb",
      },
      { consumer_id: "c3", api_name: "", auth_type: "oauth2", key: "client", secret: "cs-cccc" },
      { consumer_id: "", key: "orphan" },
      { consumer_id: "c4", auth_type: "key-auth" },
      "not an object",
      null,
    ],
  });
  assert.deepEqual(read.desired, [
    { consumerId: "c1", apiName: "orders", authType: "key-auth", key: "key-aaaa" },
    { consumerId: "c2", apiName: "orders", authType: "basic-auth", key: "bob", secret: "pw-bbbb" },
    { consumerId: "c3", apiName: "", authType: "oauth2", key: "client", secret: "cs-cccc" },
  ]);
  assert.equal(read.dropped, 4);
  assert.deepEqual(read.invalid, []);
  clearSecrets();
});

Deno.test("unknown auth types and missing secrets are failures with a reason", () => {
  const read = readCredentials({
    credentials: [
      { consumer_id: "c1", api_name: "orders", auth_type: "hmac-auth", key: "k1" },
      { consumer_id: "c2", auth_type: "basic-auth", key: "alice" },
      { consumer_id: "c3", key: "k3" },
    ],
  });
  assert.deepEqual(read.invalid.map((i) => [i.id, i.name, i.error]), [
    [
      "c1",
      "c1 (orders)",
      'unsupported auth_type "hmac-auth"; expected key-auth, basic-auth, oauth2',
    ],
    ["c2", "c2", "a basic-auth credential needs a secret (the password)"],
    ["c3", "c3", "auth_type is missing; expected key-auth, basic-auth, oauth2"],
  ]);
  assert.deepEqual(read.desired, []);
  clearSecrets();
});

Deno.test("no secret, or no list, means no credentials; duplicates count once", () => {
  assert.deepEqual(readCredentials(null), { desired: [], invalid: [], dropped: 0 });
  assert.deepEqual(readCredentials({ other: 1 }).desired, []);
  assert.deepEqual(readCredentials({ credentials: "x" }).desired, []);
  const entry = { consumer_id: "c", auth_type: "key-auth", key: "dup-key" };
  assert.equal(readCredentials({ credentials: [entry, entry] }).desired.length, 1);
  clearSecrets();
});

Deno.test("every key and secret read is redacted from then on", () => {
  readCredentials({
    credentials: [{
      consumer_id: "c",
      auth_type: "basic-auth",
      key: "user-x",
      secret: "hunter2-pw",
    }],
  });
  assert.equal(redact("login user-x / hunter2-pw"), "login [REDACTED] / [REDACTED]");
  clearSecrets();
});
