import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classifyMessage, findCaseVariantKey, findGovernedVariant } from "../../src/jsonrpc/message.js";

describe("message guards", () => {
  it("finds keys a case-folding binder would read as a known one, ſ and K included", () => {
    const known = ["name", "arguments", "_meta", "task"];
    assert.equal(findCaseVariantKey({ name: "a", arguments: {} }, known), undefined);
    assert.equal(findCaseVariantKey({ name: "a", Name: "b" }, known), "Name");
    assert.equal(findCaseVariantKey({ name: "a", "argument\u017f": {} }, known), "argument\u017f");
    assert.equal(findCaseVariantKey({ taſk: {} }, known), "ta\u017fk");
    assert.equal(findCaseVariantKey({ other: 1 }, known), undefined);
  });

  it("refuses an envelope with a folded variant of an envelope key", () => {
    const message = classifyMessage({ jsonrpc: "2.0", id: 1, method: "tools/call", params: {}, "param\u017f": {} });
    assert.equal(message.kind, "invalid");
  });

  it("names the governed method a lenient dispatcher could take another spelling for", () => {
    const governed = ["initialize", "tools/list", "tools/call"];
    assert.equal(findGovernedVariant("tools/call", governed), undefined);
    assert.equal(findGovernedVariant("ping", governed), undefined);
    for (const spelling of ["Tools/Call", "TOOLS/CALL", " tools/call", "tools/call\t", "tools/call\u0000junk", "tool\u017f/li\u017ft"]) {
      assert.ok(findGovernedVariant(spelling, governed), JSON.stringify(spelling));
    }
  });
});
