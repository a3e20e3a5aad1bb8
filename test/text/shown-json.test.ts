import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { showJson, visibleJsonText } from "../../src/text/shown-json.js";

// The arguments a person approves, shown as the upstream will read them.

const HOSTILE =
  '{"to":9007199254740993,"amount":1e400,"tiny":1e-400,"zero":-0,"precise":100.000000000000001,' +
  '"note":"pay \u202Eredro\u202C ok\u200B","k\u2066ey":[true,null,-1.50E+3],"esc":"\\u0072m \\/x","del":"\u007f\u0085"}';

describe("arguments shown for approval", () => {
  it("keeps every number exactly as written, where JSON.parse and JSON.stringify would round or drop it", () => {
    const shown = showJson(HOSTILE);
    for (const literal of ["9007199254740993", "1e400", "1e-400", "-0", "100.000000000000001", "-1.50E+3"])
      assert.ok(shown.includes(literal), literal);
    assert.ok(!JSON.stringify(JSON.parse(HOSTILE)).includes("9007199254740993"), "JSON.stringify would have shown another number");
  });

  it("shows every hidden character of keys and strings as an escape, and means the same to a JSON parser", () => {
    const shown = showJson(HOSTILE);
    assert.doesNotMatch(shown, /[\u202e\u202c\u200b\u2066\u007f\u0085]/u);
    for (const escape of ["\\u202e", "\\u202c", "\\u200b", "\\u2066", "\\u007f", "\\u0085"]) assert.ok(shown.includes(escape), escape);
    assert.ok(shown.includes('"esc":"rm /x"'), "escapes of visible characters are decoded");
    const parsed = JSON.parse(shown) as Record<string, unknown>;
    const original = JSON.parse(HOSTILE) as Record<string, unknown>;
    assert.deepEqual(parsed, original);
  });

  it("pretty-prints as JSON.stringify does, without touching what it prints", () => {
    const text = '{"a":[1,{"b":"c"},[]],"d":{},"e":12345678901234567890}';
    assert.equal(
      showJson(text, 2),
      '{\n  "a": [\n    1,\n    {\n      "b": "c"\n    },\n    []\n  ],\n  "d": {},\n  "e": 12345678901234567890\n}',
    );
    assert.equal(showJson(text), text);
    assert.equal(showJson("{}", 2), "{}");
  });

  it("shows text cut short as written, its hidden characters escaped", () => {
    const cut = '{"to":9007199254740993,"note":"a\u202Eb';
    assert.equal(showJson(cut, 2), '{"to":9007199254740993,"note":"a\\u202eb');
    assert.equal(visibleJsonText("x\u{E0041}y"), "x\\udb40\\udc41y", "a tag character, as its two UTF-16 escapes");
  });

  it("walks a long string and deep nesting without failing", () => {
    const long = JSON.stringify({ content: "x".repeat(1 << 20) });
    assert.equal(showJson(long), long);
    const deep = `${"[".repeat(900)}1${"]".repeat(900)}`;
    assert.equal(showJson(deep), deep);
  });
});
