import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { scanJson } from "../../src/json/scan-json.js";

const scan = (text: string, maxDepth = 100) => scanJson(text, { maxDepth });

describe("scanJson", () => {
  it("accepts what JSON.parse accepts, and says what the top level is", () => {
    for (const text of ['{"a":[1,2,{"b":null}],"c":"\\u0041"}', "[]", "{}", " 12.5e-3 ", '"s"', "true"]) {
      const result = scan(text);
      assert.equal(result.ok, true, text);
      JSON.parse(text);
    }
    assert.equal((scan("[1]") as { topLevel: string }).topLevel, "array");
  });

  it("rejects what JSON.parse rejects", () => {
    for (const text of ["{", '{"a":}', "[1,]", "01", '{"a" 1}', "tru", '"\u0001"', "{} x", ""]) {
      assert.equal(scan(text).ok, false, text);
      assert.throws(() => JSON.parse(text));
    }
  });

  it("finds duplicate keys at any depth, including ones spelled with escapes", () => {
    const nested = scan('{"a":{"name":1,"name":2}}');
    assert.equal(nested.ok === false && nested.problem, "duplicate-key");
    const escaped = scan('{"name":1,"n\\u0061me":2}');
    assert.equal(escaped.ok === false && escaped.key, "name");
  });

  it("keeps the raw text of top-level members, so big integer ids survive", () => {
    const result = scan('{"jsonrpc":"2.0","id":9007199254740993,"params":{"x":[1,{"y":2}]}}');
    assert.ok(result.ok);
    assert.equal(result.members.get("id"), "9007199254740993");
    assert.equal(result.members.get("params"), '{"x":[1,{"y":2}]}');
  });

  it("stops at the depth limit without recursion", () => {
    const deep = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    const result = scan(deep, 1000);
    assert.equal(result.ok === false && result.problem, "too-deep");
  });

  it("records the offset of every value by JSON Pointer", () => {
    const positions = new Map<string, number>();
    scanJson('{"tools":{"a/b":{"x":[true]}}}', { maxDepth: 10, positions });
    assert.equal(positions.get("/tools/a~1b/x/0"), 22);
  });
});
