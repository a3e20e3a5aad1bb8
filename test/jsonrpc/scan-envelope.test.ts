import assert from "node:assert/strict";
import { isUtf8 } from "node:buffer";
import { describe, it } from "node:test";
import { ByteParts, isUtf8Parts } from "../../src/jsonrpc/byte-parts.js";
import { classifyMessage } from "../../src/jsonrpc/message.js";
import { envelopeObject, scanEnvelope } from "../../src/jsonrpc/scan-envelope.js";

/** Cuts a buffer into chunks of the given sizes, repeating the pattern. */
function cut(buf: Buffer, sizes: number[]): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0, k = 0; i < buf.length; k++) {
    const size = sizes[k % sizes.length] as number;
    parts.push(buf.subarray(i, i + size));
    i += size;
  }
  return parts;
}

const read = (text: string, sizes: number[] = [text.length]) => {
  const bytes = new ByteParts(cut(Buffer.from(text), sizes));
  const envelope = scanEnvelope(bytes);
  return envelope && envelopeObject(bytes, envelope);
};

describe("scanEnvelope", () => {
  const text =
    '{"result":{"content":[{"type":"text","text":"a \\"quoted\\" \\\\ }]{ text ✓"}],"n":[1,2,{"x":null}]},"jsonrpc":"2.0","id":"a\\"b"}';

  it("reads the envelope of a message as JSON.parse would, however it is chunked", () => {
    for (const sizes of [[text.length], [1], [3, 7], [16, 1, 2]]) {
      const object = read(text, sizes);
      assert.ok(object, String(sizes));
      assert.deepEqual({ ...object }, JSON.parse(text));
      const message = classifyMessage(object);
      assert.equal(message.kind === "response" && message.id, 'a"b');
    }
  });

  it("parses the result only when it is read", () => {
    const object = read('{"jsonrpc":"2.0","id":1,"result":{"big":"not yet"}}');
    assert.ok(object);
    assert.equal(typeof Object.getOwnPropertyDescriptor(object, "result")?.get, "function");
    assert.deepEqual(object.result, { big: "not yet" });
  });

  it("refuses what is not one JSON object with closed strings and brackets", () => {
    for (const bad of [
      "[1]",
      '{"a":1',
      '{"a":"x}',
      '{"a":[1,2}',
      '{"a":{"b":1]}',
      '{"a":1} trailing',
      '{"a":1,"a":2}',
      "not json",
      '{"a"}',
    ]) {
      assert.equal(read(bad, [2, 3]), undefined, bad);
    }
  });
});

describe("isUtf8Parts", () => {
  const samples = [
    Buffer.from("plain ascii"),
    Buffer.from("é ✓ 𝄞 mixed ünïcödé 日本語"),
    Buffer.from([0x61, 0xc3, 0x28, 0x62]),
    Buffer.from([0xe2, 0x82]),
    Buffer.from([0xf0, 0x9d, 0x84, 0x9e, 0x80]),
    Buffer.from([0xed, 0xa0, 0x80]),
    Buffer.from([0xc0, 0xaf]),
  ];
  it("agrees with isUtf8 on the whole, for every way of cutting the bytes", () => {
    for (const sample of samples) {
      for (const sizes of [[sample.length], [1], [2], [3], [1, 2], [2, 3, 1], [5]]) {
        assert.equal(isUtf8Parts(cut(sample, sizes)), isUtf8(sample), `${sample.toString("hex")} cut ${sizes}`);
      }
    }
  });
});
