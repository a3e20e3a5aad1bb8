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

  it("refuses invalid escapes as syntax errors instead of throwing", () => {
    for (const text of ['"\\q"', '{"\\q":1}', '"\\u12"', '"\\u12g4"', '"\\', '"\\x41"', '{"a":"\\d+"}']) {
      const result = scan(text);
      assert.equal(result.ok === false && result.problem, "syntax", text);
      assert.throws(() => JSON.parse(text));
    }
  });
});

describe("scanJson in strict mode (client messages)", () => {
  const strict = (text: string) => scanJson(text, { maxDepth: 100, strict: true });

  it("emits the canonical text: whitespace and CRs between tokens dropped, strings and numbers as written", () => {
    const result = strict(' {\r"a" :\t[ 1.50 , -0 ,1E+2, 123456789012345678901234567890 ],\r\n "b\\u0041" : "x\\/\\u00e9 y" } ');
    assert.ok(result.ok);
    assert.equal(result.canonical, '{"a":[1.50,-0,1E+2,123456789012345678901234567890],"b\\u0041":"x\\/\\u00e9 y"}');
  });

  it("leaves text that is already canonical alone (no copy)", () => {
    const result = strict('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"s":"a b\\n"}}');
    assert.ok(result.ok);
    assert.equal(result.canonical, undefined);
  });

  it("writes U+0085, U+2028 and U+2029 in strings as escapes, in keys and values", () => {
    const result = strict('{"\u2028":"a\u0085b\u2029"}');
    assert.ok(result.ok);
    assert.equal(result.canonical, '{"\\u2028":"a\\u0085b\\u2029"}');
    assert.deepEqual(JSON.parse(result.canonical as string), { "\u2028": "a\u0085b\u2029" });
  });

  it("refuses keys equal under case folding, at any depth, escapes decoded", () => {
    for (const [text, message] of [
      ['{"params":{},"param\\u017f":{}}', /keys "params" and "paramſ" are equal under case folding/],
      ['{"a":[{"bucket":1,"BUCKET":2}]}', /"bucket" and "BUCKET"/],
      ['{"x":{"buc\\u212aet":1,"bucket":2}}', /equal under case folding/],
      ['{"id":1,"\\u0130D":2}', /equal under case folding/],
    ] as const) {
      const result = strict(text);
      assert.equal(result.ok === false && result.problem, "duplicate-key", text);
      assert.match((result as { message: string }).message, message);
    }
    assert.equal(scan('{"Foo":1,"foo":2}').ok, true, "policy files keep case-sensitive keys");
  });

  it("refuses lone surrogates and NUL in keys, which other parsers read differently", () => {
    for (const text of ['"\\ud800"', '"\\udc00"', '"\\ud800x"', '"\\ud800\\u0041"', '"\\ud800\\ud800"', '{"a\\u0000b":1}', '"\ud800"']) {
      const result = strict(text);
      assert.equal(result.ok === false && result.problem, "unsafe", text);
    }
    assert.equal(strict('"\\ud83d\\ude00\\u0000"').ok, true, "pairs and NUL in values are fine");
    assert.equal(scan('"\\ud800"').ok, true, "outside strict mode, what JSON.parse accepts");
  });

  it("notes the numbers a double cannot hold, with where they are", () => {
    const result = strict('{"a":[1,100000000000000000001,{"b":100.000000000000001}],"c":1e400,"d":12345678901234.5,"e":1e-400,"f":1.5e3}');
    assert.ok(result.ok);
    // Items of arrays are left out in strict mode (conditions reach values by keys); `numbers: true` keeps them.
    assert.deepEqual(result.numberLiterals, [
      { path: ["a", 2, "b"], literal: "100.000000000000001" },
      { path: ["c"], literal: "1e400" },
      { path: ["e"], literal: "1e-400" },
    ]);
  });
});
