import type { ApprovalAnswer, ApprovalChannel } from "../events/events.js";

// An approval channel is one way of asking a person: a form in the client
// (elicitation), or a pending record that `policy-wrap approve` and the
// dashboard decide (out of band). The waiter asks every channel at once and
// takes the first decision; a channel that cannot decide withdraws instead.

/** A person's yes or no. */
export interface ChannelDecision {
  answer: "approved" | "declined";
  channel: ApprovalChannel;
  by: string;
  note?: string;
}

/** The channel cannot decide (dismissed without an answer, failed): the others may still. */
export interface ChannelWithdrawal {
  answer: "withdrawn";
  channel: ApprovalChannel;
  why: "dismissed" | "failed";
  /** The refusal's words, should no other channel remain. */
  reason: string;
}

export type ChannelResult = ChannelDecision | ChannelWithdrawal;

export interface AskingChannel {
  readonly name: Extract<ApprovalChannel, "elicitation" | "out_of_band">;
  /** Asks; aborting the signal withdraws the question (the first answer elsewhere won). */
  ask(signal: AbortSignal): Promise<ChannelResult>;
}

/** How a held call's approval ended: exactly one, whoever made it. */
export interface Decision {
  answer: ApprovalAnswer;
  channel: ApprovalChannel;
  by: string;
  note?: string;
  at: number;
  /** For refusals: the words the agent reads. */
  reason?: string;
}
