import assert from "node:assert/strict";
import { constantTimeEquals, isLoopback } from "../../src/server/access.ts";

Deno.test("loopback addresses are recognised in every form", () => {
  for (const address of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1"]) {
    assert.equal(isLoopback(address), true, address);
  }
  for (
    const address of ["10.0.0.1", "192.168.1.1", "::ffff:10.0.0.1", "128.0.0.1", "", undefined]
  ) {
    assert.equal(isLoopback(address), false, String(address));
  }
});

Deno.test("token comparison", () => {
  assert.equal(constantTimeEquals("abc", "abc"), true);
  assert.equal(constantTimeEquals("abc", "abd"), false);
  assert.equal(constantTimeEquals("abc", "abcd"), false);
  assert.equal(constantTimeEquals("", ""), true);
});
