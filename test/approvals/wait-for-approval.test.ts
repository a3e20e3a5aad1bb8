import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AskingChannel, ChannelResult, Decision } from "../../src/approvals/channel.js";
import { memoryArbiter, waitForApproval, type Arbiter, type WaitOptions } from "../../src/approvals/wait-for-approval.js";

// The waiter in-process, with channels the test answers by hand: the first
// decision stands, the others are withdrawn with a reason, a withdrawal alone
// ends nothing while another channel still asks.

interface HandChannel extends AskingChannel {
  answer(result: ChannelResult): void;
  withdrawnFor(): Promise<string>;
}

function handChannel(name: "elicitation" | "out_of_band"): HandChannel {
  let answer: (result: ChannelResult) => void = () => {};
  let withdrawn: (reason: string) => void = () => {};
  const withdrawal = new Promise<string>((resolve) => (withdrawn = resolve));
  return {
    name,
    ask(signal) {
      signal.addEventListener("abort", () => withdrawn(String(signal.reason)));
      return new Promise((resolve) => (answer = resolve));
    },
    answer: (result) => answer(result),
    withdrawnFor: () => withdrawal,
  };
}

function options(channels: AskingChannel[], overrides: Partial<WaitOptions> = {}): WaitOptions & { cancel(): void; stop(): void } {
  let cancel = () => {};
  const stopping = new AbortController();
  return {
    channels,
    arbiter: memoryArbiter(),
    timeoutMs: 60_000,
    clock: () => 42,
    onCancel: (handler) => (cancel = handler),
    stopped: stopping.signal,
    timedOutReason: "too slow",
    cancel: () => cancel(),
    stop: () => stopping.abort(),
    ...overrides,
  };
}

describe("waitForApproval", () => {
  it("takes the first decision and withdraws the other channel, saying why", async () => {
    const form = handChannel("elicitation");
    const terminal = handChannel("out_of_band");
    const waiting = waitForApproval(options([form, terminal]));
    terminal.answer({ answer: "approved", channel: "cli", by: "ann", note: "ok" });
    form.answer({ answer: "declined", channel: "elicitation", by: "the user" });
    assert.deepEqual(await waiting, { answer: "approved", channel: "cli", by: "ann", note: "ok", at: 42 });
    assert.equal(await form.withdrawnFor(), "approved elsewhere (cli, by ann)");
  });

  it("goes on waiting when one channel withdraws, and ends with its reason when the last does", async () => {
    const form = handChannel("elicitation");
    const terminal = handChannel("out_of_band");
    const withdrawals: string[] = [];
    const waiting = waitForApproval(options([form, terminal], { onWithdrawn: (w) => withdrawals.push(w.why) }));
    form.answer({ answer: "withdrawn", channel: "elicitation", why: "dismissed", reason: "dismissed it" });
    terminal.answer({ answer: "withdrawn", channel: "out_of_band", why: "failed", reason: "cannot read" });
    const decision = await waiting;
    assert.deepEqual(withdrawals, ["dismissed"]);
    assert.deepEqual([decision.answer, decision.reason], ["failed", "cannot read"]);
  });

  it("takes the decision the arbiter already holds, not the one proposed", async () => {
    const stored: Decision = { answer: "declined", channel: "dashboard", by: "bob", at: 1 };
    const arbiter: Arbiter = { claim: () => stored };
    const form = handChannel("elicitation");
    const waiting = waitForApproval(options([form], { arbiter }));
    form.answer({ answer: "approved", channel: "elicitation", by: "the user" });
    assert.equal(await waiting, stored);
  });

  it("refuses a yes the arbiter cannot record, and lets a no through", async () => {
    const broken: Arbiter = {
      claim: () => {
        throw new Error("disk full");
      },
    };
    const yes = handChannel("elicitation");
    const refused = waitForApproval(options([yes], { arbiter: broken }));
    yes.answer({ answer: "approved", channel: "elicitation", by: "the user" });
    const decision = await refused;
    assert.equal(decision.answer, "failed");
    assert.match(decision.reason ?? "", /could not be recorded \(disk full\)/);
    const no = handChannel("elicitation");
    const declined = waitForApproval(options([no], { arbiter: broken }));
    no.answer({ answer: "declined", channel: "elicitation", by: "the user" });
    assert.equal((await declined).answer, "declined");
  });

  it("ends on the client's cancellation, the wrapper's stop and the timeout", async () => {
    const a = handChannel("out_of_band");
    const cancelled = options([a]);
    const byClient = waitForApproval(cancelled);
    cancelled.cancel();
    assert.deepEqual(await byClient, { answer: "cancelled", channel: "client", by: "the client", at: 42 });
    assert.equal(await a.withdrawnFor(), "the call was cancelled");

    const b = handChannel("out_of_band");
    const stopping = options([b]);
    const byStop = waitForApproval(stopping);
    stopping.stop();
    assert.equal((await byStop).channel, "wrapper");

    const c = handChannel("out_of_band");
    const timedOut = await waitForApproval(options([c], { timeoutMs: 1 }));
    assert.deepEqual([timedOut.answer, timedOut.reason], ["timed_out", "too slow"]);
    assert.equal(await c.withdrawnFor(), "approval timed out");
  });
});
