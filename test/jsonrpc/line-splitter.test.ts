import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LineSplitter, type OversizeLine } from "../../src/jsonrpc/line-splitter.js";
import { sniffId } from "../../src/jsonrpc/sniff-id.js";

function split(chunks: (string | Buffer)[], max = 1000) {
  const lines: string[] = [];
  const oversize: OversizeLine[] = [];
  const splitter = new LineSplitter(max, { line: (l) => lines.push(l.toString()), oversize: (o) => oversize.push(o) });
  for (const chunk of chunks) splitter.push(Buffer.from(chunk));
  splitter.end();
  return { lines, oversize };
}

describe("LineSplitter", () => {
  it("joins lines split across chunks and splits chunks holding several lines", () => {
    assert.deepEqual(split(['{"a":', '1}\n{"b"', ":2}\n{}\n"]).lines, ['{"a":1}', '{"b":2}', "{}"]);
  });

  it("drops a trailing CR and skips empty lines", () => {
    assert.deepEqual(split(["a\r\n\n\r\nb\n"]).lines, ["a", "b"]);
  });

  it("treats a last line without newline as a line at end of input", () => {
    assert.deepEqual(split(["a\nb"]).lines, ["a", "b"]);
  });

  it("skips an oversize line to its end, keeping only its edges, then goes on", () => {
    const big = `{"jsonrpc":"2.0","id":"big","pad":"${"x".repeat(5000)}"}`;
    const { lines, oversize } = split(["ok\n", big.slice(0, 3000), big.slice(3000), "\nafter\n"]);
    assert.deepEqual(lines, ["ok", "after"]);
    assert.equal(oversize.length, 1);
    assert.equal(oversize[0]?.bytes, big.length);
    assert.ok((oversize[0]?.head.length ?? 0) <= 256 && (oversize[0]?.tail.length ?? 0) <= 256);
    assert.equal(sniffId(oversize[0]!.head, oversize[0]!.tail), '"big"');
  });
});

describe("sniffId", () => {
  const b = (s: string) => Buffer.from(s);
  it("finds a leading or trailing top-level id", () => {
    assert.equal(sniffId(b('{"jsonrpc":"2.0","id":42,"result":'), b("...}")), "42");
    assert.equal(sniffId(b('{"result":{"content":'), b('"x"}]},"jsonrpc":"2.0","id":"a\\"b"}')), '"a\\"b"');
  });
  it("does not mistake a nested id for the message's", () => {
    assert.equal(sniffId(b('{"result":{"id":5,'), b('{"id":6}}')), null);
  });
});
