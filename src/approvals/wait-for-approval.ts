import type { AskingChannel, ChannelResult, ChannelWithdrawal, Decision } from "./channel.js";

// The one waiter for a held call, in the manner of an external authorization
// check: every channel is asked at once, the first decision wins, the others
// are withdrawn. A decision only stands once the arbiter (the pending record,
// or memory when there is none) has taken it: another process may have
// decided first, and then its decision is the one that applies. A timeout,
// the client's cancellation and the wrapper's stop are decisions too.

export interface Arbiter {
  /** Makes `proposed` the call's decision unless one stands already; returns the one that stands. */
  claim(proposed: Decision): Decision;
}

export interface WaitOptions {
  channels: AskingChannel[];
  arbiter: Arbiter;
  timeoutMs: number;
  clock: () => number;
  /** Registers what to do if the client cancels the call. */
  onCancel(handler: () => void): void;
  /** Aborted when the wrapper stops. */
  stopped: AbortSignal;
  /** The refusal's words for a timeout. */
  timedOutReason: string;
  /** Called when a channel withdraws while others still wait. */
  onWithdrawn?(withdrawal: ChannelWithdrawal): void;
}

/** The first-come arbiter, for a call with no pending record. */
export function memoryArbiter(): Arbiter {
  let standing: Decision | undefined;
  return { claim: (proposed) => (standing ??= proposed) };
}

export function waitForApproval(options: WaitOptions): Promise<Decision> {
  const { channels, arbiter, clock } = options;
  return new Promise<Decision>((resolve) => {
    const asking = new AbortController();
    let done = false;
    let remaining = channels.length;
    const finish = (proposed: Omit<Decision, "at">): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.stopped.removeEventListener("abort", onStop);
      let standing: Decision;
      try {
        standing = arbiter.claim({ ...proposed, at: clock() });
      } catch (error) {
        // The record cannot be written: a yes that cannot be recorded is not taken.
        const reason = `The approval could not be recorded (${error instanceof Error ? error.message : String(error)}), so the call was refused.`;
        standing = proposed.answer === "approved" ? { ...proposed, answer: "failed", reason, at: clock() } : { ...proposed, at: clock() };
      }
      asking.abort(withdrawalWords(standing));
      resolve(standing);
    };
    const onResult = (result: ChannelResult): void => {
      if (done) return;
      if (result.answer !== "withdrawn") {
        finish(result);
        return;
      }
      remaining--;
      if (remaining > 0) options.onWithdrawn?.(result);
      else finish({ answer: result.why, channel: result.channel, by: "the client", reason: result.reason });
    };
    const timer = setTimeout(
      () => finish({ answer: "timed_out", channel: "wrapper", by: "the timeout", reason: options.timedOutReason }),
      options.timeoutMs,
    );
    const onStop = (): void => finish({ answer: "cancelled", channel: "wrapper", by: "the wrapper stopped" });
    if (options.stopped.aborted) onStop();
    else options.stopped.addEventListener("abort", onStop);
    options.onCancel(() => finish({ answer: "cancelled", channel: "client", by: "the client" }));
    for (const channel of channels) {
      channel.ask(asking.signal).then(onResult, (error: unknown) =>
        onResult({
          answer: "withdrawn",
          channel: channel.name,
          why: "failed",
          reason: `The approval request failed: ${error instanceof Error ? error.message : String(error)}.`,
        }),
      );
    }
  });
}

/** Why the other channels' questions are withdrawn (the signal's reason; elicitation sends it with notifications/cancelled). */
function withdrawalWords(decision: Decision): string {
  switch (decision.answer) {
    case "timed_out":
      return "approval timed out";
    case "cancelled":
      return decision.channel === "client" ? "the call was cancelled" : "the wrapper is stopping";
    case "approved":
    case "declined":
      return `${decision.answer} elsewhere (${decision.channel}, by ${decision.by})`;
    default:
      return `approval ended: ${decision.answer}`;
  }
}
