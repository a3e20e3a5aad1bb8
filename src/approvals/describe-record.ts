import type { PendingRecord } from "./pending-store.js";

// Records in words, for the terminal (escaped by the caller) and the dashboard.

const ANSWER_WORDS: Record<string, string> = {
  approved: "approved",
  declined: "denied",
  dismissed: "dismissed",
  timed_out: "timed out",
  failed: "failed",
  cancelled: "cancelled",
  unavailable: "could not be asked",
  abandoned: "abandoned",
};

export function answerWords(answer: string): string {
  return ANSWER_WORDS[answer] ?? answer;
}

/** "denied by alice (cli): not now", "timed out", "cancelled by the client", "abandoned: the wrapper (pid 7) is gone". */
export function describeDecision(record: PendingRecord): string {
  const d = record.decision;
  if (!d) return "waiting";
  const note = d.note ? `: ${d.note}` : "";
  if (d.channel === "wrapper") return d.answer === "timed_out" ? answerWords(d.answer) : `${answerWords(d.answer)}: ${d.by}`;
  if (d.channel === "client") return `${answerWords(d.answer)} by the client`;
  return `${answerWords(d.answer)} by ${d.by} (${d.channel})${note}`;
}

/** What the wrapper did once the call was decided. */
export function describeOutcome(record: PendingRecord): string | undefined {
  const o = record.outcome;
  if (!o) return undefined;
  if (o.result === "forwarded") return "the wrapper forwarded the call to the server";
  if (o.result === "dropped") return "the call was dropped";
  return `the wrapper refused the call${o.detail ? `: ${o.detail}` : ""}`;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** The record for scripts: arguments parsed when they were stored whole. */
export function recordJson(record: PendingRecord): Record<string, unknown> {
  let args: unknown = record.arguments;
  if (!record.argumentsTruncated) {
    try {
      args = JSON.parse(record.arguments);
    } catch {
      // kept as text
    }
  }
  return { ...record, arguments: args };
}
