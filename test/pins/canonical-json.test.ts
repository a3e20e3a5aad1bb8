import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { recordExactNumbers } from "../../src/json/upstream-numbers.js";
import { canonicalJson, exactNumberText, MAX_DEFINITION_DEPTH } from "../../src/pins/canonical-json.js";
import { readDefinition } from "../../src/pins/tool-definition.js";

/** A tools/list answer's text, read as the relay reads the wrapper's own answers. */
function listed(text: string): Record<string, unknown> {
  const value = JSON.parse(text) as { result: { tools: Record<string, unknown>[] } };
  recordExactNumbers(value, text);
  return value.result.tools[0] as Record<string, unknown>;
}

const hashOf = (toolJson: string): string => {
  const read = readDefinition(listed(`{"jsonrpc":"2.0","id":1,"result":{"tools":[${toolJson}]}}`), "t");
  assert.ok(read.ok, JSON.stringify(read));
  return read.definition.hash;
};

describe("the canonical definition", () => {
  it("does not change with key order, whitespace or escapes in the upstream's JSON", () => {
    const plain = hashOf('{"name":"t","description":"Find A","inputSchema":{"type":"object","properties":{"a":{"type":"string"}}}}');
    const spelled = hashOf(
      '{ "inputSchema" : { "properties" : { "a" : { "type" : "\\u0073tring" } } ,\t"type":"object" } , "description":"Find \\u0041", "name":"t" }',
    );
    assert.equal(spelled, plain);
  });

  it("counts numbers by value as JSON Schema does: 1, 1.0, 1e0 and 10E-1 are one number", () => {
    const one = hashOf('{"name":"t","inputSchema":{"maximum":1}}');
    for (const spelling of ["1.0", "1e0", "10E-1", "0.1e1", "1.000000000000000000000"])
      assert.equal(hashOf(`{"name":"t","inputSchema":{"maximum":${spelling}}}`), one, spelling);
    assert.notEqual(hashOf('{"name":"t","inputSchema":{"maximum":2}}'), one);
    assert.equal(hashOf('{"name":"t","inputSchema":{"maximum":-0}}'), hashOf('{"name":"t","inputSchema":{"maximum":0}}'));
  });

  it("sees a change hidden past a double's precision or range, which a Python upstream reads exactly", () => {
    const pairs = [
      ["9007199254740993", "9007199254740992"],
      ["100000000000000000001", "100000000000000000000"],
      ["1e400", "2e400"],
      ["1e-400", "0"],
      ["0.10000000000000000001", "0.1"],
    ];
    for (const [a, b] of pairs)
      assert.notEqual(
        hashOf(`{"name":"t","inputSchema":{"maximum":${a}}}`),
        hashOf(`{"name":"t","inputSchema":{"maximum":${b}}}`),
        `${a} vs ${b}`,
      );
    // ... and still reads one exact value the same whatever its spelling.
    assert.equal(
      hashOf('{"name":"t","inputSchema":{"maximum":9007199254740993}}'),
      hashOf('{"name":"t","inputSchema":{"maximum":9.007199254740993e15}}'),
    );
    assert.equal(hashOf('{"name":"t","inputSchema":{"maximum":1e400}}'), hashOf('{"name":"t","inputSchema":{"maximum":10e399}}'));
  });

  it("keeps exact numbers in a top-level field and in arrays", () => {
    assert.notEqual(hashOf('{"name":"t","title":9007199254740993}'), hashOf('{"name":"t","title":9007199254740992}'));
    assert.notEqual(
      hashOf('{"name":"t","inputSchema":{"enum":[9007199254740993]}}'),
      hashOf('{"name":"t","inputSchema":{"enum":[9007199254740992]}}'),
    );
  });

  it("counts any different code point as a change: invisible characters, tag characters, NFC against NFD", () => {
    const base = hashOf('{"name":"t","description":"caf\\u00e9"}');
    for (const hidden of ["cafe\\u0301", "caf\\u00e9\\u200b", "caf\\u00e9\\udb40\\udc41", "caf\\u00e9\\u202e", "caf\\u00e9 "])
      assert.notEqual(hashOf(`{"name":"t","description":"${hidden}"}`), base, hidden);
  });

  it("tells lone surrogates apart (no two strings share a text)", () => {
    assert.notEqual(hashOf('{"name":"t","description":"\\ud800"}'), hashOf('{"name":"t","description":"\\ud801"}'));
    assert.notEqual(hashOf('{"name":"t","description":"\\ud800"}'), hashOf('{"name":"t","description":"\\ufffd"}'));
  });

  it("tells an absent field from null, and ignores fields outside the pin (icons, _meta)", () => {
    assert.notEqual(hashOf('{"name":"t"}'), hashOf('{"name":"t","description":null}'));
    assert.equal(hashOf('{"name":"t"}'), hashOf('{"name":"t","icons":[{"src":"x"}],"_meta":{"a":1}}'));
  });

  it("covers title, description, inputSchema, outputSchema and annotations", () => {
    const base = hashOf('{"name":"t"}');
    for (const field of ["title", "description", "inputSchema", "outputSchema", "annotations"])
      assert.notEqual(hashOf(`{"name":"t","${field}":{"x":1}}`), base, field);
  });

  it("refuses a definition nested deeper than it reads, and one whose numbers could not be read exactly", () => {
    let deep = "1";
    for (let i = 0; i < MAX_DEFINITION_DEPTH + 5; i++) deep = `[${deep}]`;
    const read = readDefinition(listed(`{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"t","inputSchema":${deep}}]}}`), "t");
    assert.equal(read.ok, false);
    // Duplicate keys stop the exact reading of a long number: the tool cannot be checked.
    const dup = listed('{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"t","inputSchema":{"maximum":9007199254740993,"maximum":5}}]}}');
    assert.equal(readDefinition(dup, "t").ok, false);
  });

  it("writes exact numbers in one form per value", () => {
    assert.equal(exactNumberText("9007199254740993"), "9.007199254740993e15");
    assert.equal(exactNumberText("-0.000123e-2"), "-1.23e-6");
    assert.equal(exactNumberText("1000e-3"), "1e0");
    assert.equal(exactNumberText("0e999"), "0");
    assert.equal(canonicalJson({ b: 1, a: [true, null, "x"] }), '{"a":[true,null,"x"],"b":1}');
  });
});
