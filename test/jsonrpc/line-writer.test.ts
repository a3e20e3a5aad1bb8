import assert from "node:assert/strict";
import { PassThrough, Writable } from "node:stream";
import { describe, it } from "node:test";
import { LineWriter } from "../../src/jsonrpc/line-writer.js";

// The writer gathers the messages of one input chunk (hold/release) or of one
// tick into one write: the bytes and their order must be exactly those of
// writing each message and its newline on its own.

function sink(highWaterMark = 1024 * 1024): { stream: Writable; writes: Buffer[]; text: () => string } {
  const writes: Buffer[] = [];
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      writes.push(chunk);
      callback();
    },
    writev(chunks, callback) {
      writes.push(Buffer.concat(chunks.map((c) => c.chunk as Buffer)));
      callback();
    },
  });
  return { stream, writes, text: () => Buffer.concat(writes).toString() };
}

const nextTick = () => new Promise((resolve) => process.nextTick(resolve));

describe("LineWriter", () => {
  it("writes what was written while held in one write, when released", () => {
    const { stream, writes, text } = sink();
    const writer = new LineWriter(stream);
    writer.hold();
    writer.write('{"a":1}');
    writer.write(Buffer.from('{"b":2}'));
    writer.write(Buffer.from('{"c":"\u00e9"}'));
    assert.equal(writes.length, 0);
    writer.release();
    assert.equal(writes.length, 1);
    assert.equal(text(), '{"a":1}\n{"b":2}\n{"c":"\u00e9"}\n');
  });

  it("gathers what is written outside a hold until the end of the tick", async () => {
    const { stream, writes, text } = sink();
    const writer = new LineWriter(stream);
    writer.write("one");
    writer.write(Buffer.from("two"));
    assert.equal(writes.length, 0);
    await nextTick();
    assert.equal(writes.length, 1);
    assert.equal(text(), "one\ntwo\n");
  });

  it("keeps the order when a large message comes between small ones", () => {
    const { stream, text } = sink();
    const writer = new LineWriter(stream);
    const large = Buffer.alloc(300 * 1024, 0x78);
    writer.hold();
    writer.write("before");
    writer.write([large.subarray(0, 1000), large.subarray(1000)]);
    writer.write("after");
    writer.release();
    assert.equal(text(), `before\n${large.toString()}\nafter\n`);
  });

  it("writes what is gathered before it ends the stream", async () => {
    const { stream, text } = sink();
    const writer = new LineWriter(stream);
    writer.hold();
    writer.write("last");
    writer.end();
    await new Promise((resolve) => stream.once("finish", resolve));
    assert.equal(text(), "last\n");
    assert.equal(writer.closed, true);
  });

  it("pauses the source while the stream is full and resumes it on drain", async () => {
    const writes: Buffer[] = [];
    let release: () => void = () => {};
    const stream = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _encoding, callback) {
        writes.push(chunk);
        release = callback;
      },
    });
    const source = new PassThrough();
    const writer = new LineWriter(stream);
    writer.throttle(source);
    writer.hold();
    writer.write("a message longer than the high-water mark");
    writer.release();
    assert.equal(source.isPaused(), true);
    const drained = new Promise((resolve) => stream.once("drain", resolve));
    release();
    await drained;
    assert.equal(source.isPaused(), false);
    assert.equal(Buffer.concat(writes).toString(), "a message longer than the high-water mark\n");
  });
});
