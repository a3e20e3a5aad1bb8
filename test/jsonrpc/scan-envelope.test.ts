import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classifyMessage } from "../../src/jsonrpc/message.js";
import { envelopeObject, scanEnvelope } from "../../src/jsonrpc/scan-envelope.js";

const read = (text: string) => {
  const buf = Buffer.from(text);
  const envelope = scanEnvelope(buf);
  return envelope && envelopeObject(buf, envelope);
};

describe("scanEnvelope", () => {
  it("reads the envelope of a message as JSON.parse would", () => {
    const text = '{"result":{"content":[{"type":"text","text":"a \\"quoted\\" \\\\ }]{ text"}],"n":[1,2,{"x":null}]},"jsonrpc":"2.0","id":"a\\"b"}';
    const object = read(text);
    assert.ok(object);
    assert.deepEqual({ ...object }, JSON.parse(text));
    const message = classifyMessage(object);
    assert.equal(message.kind === "response" && message.id, 'a"b');
  });

  it("parses the result only when it is read", () => {
    const object = read('{"jsonrpc":"2.0","id":1,"result":{"big":"not yet"}}');
    assert.ok(object);
    const descriptor = Object.getOwnPropertyDescriptor(object, "result");
    assert.equal(typeof descriptor?.get, "function");
    assert.deepEqual(object.result, { big: "not yet" });
  });

  it("refuses what is not one JSON object with closed strings and brackets", () => {
    for (const text of ["[1]", '{"a":1', '{"a":"x}', '{"a":[1,2}', '{"a":{"b":1]}', '{"a":1} trailing', '{"a":1,"a":2}', "not json", '{"a"}']) {
      assert.equal(read(text), undefined, text);
    }
  });
});
