import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { argumentsText, canonicalExactJson } from "../../src/json/exact-json.js";

// Arguments as the upstream reads them: cut from the forwarded text, and put in
// canonical order without a parse rounding, nulling or unsigning a number.

describe("argumentsText", () => {
  it("cuts params.arguments exactly as written", () => {
    const request =
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"pay","arguments":{"to":9007199254740993,"amount":1e400,"fee":-0}}}';
    assert.equal(argumentsText(request), '{"to":9007199254740993,"amount":1e400,"fee":-0}');
  });

  it("is {} for a call without arguments", () => {
    assert.equal(argumentsText('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}'), "{}");
  });
});

describe("canonicalExactJson", () => {
  it("sorts keys at every depth and keeps number literals as written", () => {
    assert.equal(
      canonicalExactJson('{"b":[1.0,{"z":-0,"a":1e400}],"a":9007199254740993,"s":"1 \\"2\\" 3"}'),
      '{"a":9007199254740993,"b":[1.0,{"a":1e400,"z":-0}],"s":"1 \\"2\\" 3"}',
    );
  });

  it("tells apart numbers a parse would make equal", () => {
    const hash = (text: string) => createHash("sha256").update(canonicalExactJson(text)).digest("hex");
    assert.notEqual(hash('{"to":9007199254740993}'), hash('{"to":9007199254740992}'));
    assert.notEqual(hash('{"n":1.0}'), hash('{"n":1}'));
    assert.equal(hash('{"a":1,"b":2}'), hash('{"b":2,"a":1}'));
  });

  it("leaves digits inside strings and keys alone", () => {
    assert.equal(canonicalExactJson('{"9":"-12e3","k":["0",0]}'), '{"9":"-12e3","k":["0",0]}');
  });
});
