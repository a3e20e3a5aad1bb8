import { userInfo } from "node:os";
import type { ApprovalChannel } from "../events/events.js";
import { processState } from "../records/process-ref.js";
import type { PendingApprovals, PendingRecord } from "./pending-store.js";

// A person's decision from outside the wrapper (`policy-wrap approve`/`deny`,
// the dashboard): written to the pending record, then, for the person's
// sake, what the wrapper did with it once it acted.

export const MAX_NOTE_CHARS = 1000;
const OUTCOME_POLL_MS = 25;

export type OutsideDecision = { answer: "approved" | "declined"; channel: Extract<ApprovalChannel, "cli" | "dashboard">; note?: string };

export type DecideOutcome =
  | { kind: "decided"; record: PendingRecord }
  | { kind: "unknown" }
  /** Decided before (by anyone, including a timeout, the client's cancellation, or the wrapper's end). */
  | { kind: "already"; record: PendingRecord };

/** The user deciding, as records name them. */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? "a user";
  }
}

export function decideFromOutside(pending: PendingApprovals, id: string, decision: OutsideDecision, now = Date.now()): DecideOutcome {
  const note = decision.note === undefined ? undefined : decision.note.slice(0, MAX_NOTE_CHARS);
  const result = pending.decideFromOutside(id, { ...decision, note, by: currentUser(), at: now });
  if (result.decided) return { kind: "decided", record: result.record };
  return result.record ? { kind: "already", record: result.record } : { kind: "unknown" };
}

/** The record once its wrapper has acted on the decision, or as it stands when the wrapper is gone or `waitMs` passed. */
export async function awaitOutcome(pending: PendingApprovals, id: string, waitMs: number): Promise<PendingRecord | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const record = pending.get(id);
    if (!record || record.outcome !== null || Date.now() >= deadline || processState(record.process) === "gone") return record;
    await new Promise((resolve) => setTimeout(resolve, OUTCOME_POLL_MS));
  }
}
