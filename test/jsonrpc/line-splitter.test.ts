import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
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

describe("LineSplitter memory (issue 10, class 11)", () => {
  // Collect garbage on demand, so that what is measured is what the splitter holds.
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const held = () => {
    gc();
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };

  it("holds a partial line fed one byte per chunk at about its size, not a Buffer per byte", () => {
    const lines: Buffer[] = [];
    const splitter = new LineSplitter(10_000_000, { line: (l) => lines.push(l), oversize: () => {} });
    const bytes = 300_000;
    // Each chunk is a view of one buffer that outlives both measures: a splitter holding the chunks would hold
    // their objects (tens of MB of heap), and no array buffer freed later than the collection (as Node 24 frees
    // them) counts either way.
    const source = Buffer.alloc(bytes, 0x61);
    const before = held();
    for (let i = 0; i < bytes; i++) splitter.push(source.subarray(i, i + 1));
    const growth = held() - before;
    assert.ok(growth < 4 * bytes, `a ${bytes}-byte partial line holds ${growth} bytes`);
    splitter.push(Buffer.from("\n"));
    assert.equal(lines[0]?.length, bytes);
    assert.ok(lines[0]?.every((b) => b === 0x61));
  });

  it("keeps a whole line found in one chunk where it lies, and joins a long one in order", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter(1000, { line: (l) => lines.push(l.toString()), oversize: () => lines.push("oversize") });
    splitter.push(Buffer.from("abc\n"));
    for (const piece of ["x", "y".repeat(20_000).slice(0, 500), "z", "\n"]) splitter.push(Buffer.from(piece));
    splitter.push(Buffer.from(`${"w".repeat(1001)}\nlast\n`));
    assert.deepEqual(lines, ["abc", `x${"y".repeat(500)}z`, "oversize", "last"]);
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
