import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { wrapperExitCode } from "../../src/proxy/exit-code.js";

// The same end gives the same code whether or not the client's EOF was seen first.

const NOT_STARTED = { code: null, signal: null, error: new Error("spawn no-such-server ENOENT") };
const both = (exit: Parameters<typeof wrapperExitCode>[0]) =>
  [false, true].map((clientLeft) => wrapperExitCode(exit, { clientLeft, signal: undefined }));

describe("the wrapper's exit code", () => {
  it("is 127 for an upstream that could not start, whoever left first", () => assert.deepEqual(both(NOT_STARTED), [127, 127]));

  it("is 128 + n for an upstream killed by a signal the wrapper never sent", () =>
    assert.deepEqual(both({ code: null, signal: "SIGKILL", signalled: false }), [137, 137]));

  it("is 0 when the wrapper stopped the upstream after the client left", () =>
    assert.equal(wrapperExitCode({ code: null, signal: "SIGTERM", signalled: true }, { clientLeft: true, signal: undefined }), 0));

  it("is the upstream's own code, whoever left first", () => assert.deepEqual(both({ code: 5, signal: null, signalled: false }), [5, 5]));

  it("is 128 + n for a signal the wrapper received", () =>
    assert.equal(wrapperExitCode(NOT_STARTED, { clientLeft: true, signal: "SIGHUP" }), 129));
});
