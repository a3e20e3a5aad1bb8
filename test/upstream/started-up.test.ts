import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import type { Upstream, UpstreamExit } from "../../src/upstream/spawn-upstream.js";
import { upstreamStartedUp } from "../../src/upstream/started-up.js";

// When the wrapper's deferred start-up work (store probe, policy watcher,
// audit writer thread, records) may begin: at the upstream's first bytes, at
// its exit, or after the grace period, whichever comes first.

function fakeUpstream(): { upstream: Upstream; stdout: PassThrough; exit: (exit: UpstreamExit) => void } {
  const stdout = new PassThrough();
  let exit!: (exit: UpstreamExit) => void;
  const exited = new Promise<UpstreamExit>((resolve) => (exit = resolve));
  const upstream: Upstream = {
    child: { stdin: new PassThrough(), stdout },
    exited,
    hasExited: () => false,
    signal: () => {},
    treeRuns: () => true,
  };
  return { upstream, stdout, exit };
}

/** Whether the promise has settled, after the callbacks already due have run. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe("upstream started up", () => {
  it("waits for the upstream's first bytes, then resolves", async () => {
    const { upstream, stdout } = fakeUpstream();
    // Read as the relay reads it: a data listener of its own.
    const seen: string[] = [];
    stdout.on("data", (chunk: Buffer) => seen.push(chunk.toString()));
    const startedUp = upstreamStartedUp(upstream, 60_000);
    assert.equal(await settled(startedUp), false);
    stdout.write('{"jsonrpc":"2.0","id":0,"result":{}}\n');
    await startedUp;
    assert.deepEqual(seen, ['{"jsonrpc":"2.0","id":0,"result":{}}\n'], "the relay still reads every byte");
  });

  it("resolves when the upstream exits without writing anything", async () => {
    const { upstream, exit } = fakeUpstream();
    const startedUp = upstreamStartedUp(upstream, 60_000);
    assert.equal(await settled(startedUp), false);
    exit({ code: 1, signal: null });
    await startedUp;
  });

  it("resolves after the grace period when the upstream says nothing", async () => {
    const { upstream } = fakeUpstream();
    await upstreamStartedUp(upstream, 1);
  });
});
