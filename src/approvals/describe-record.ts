import { randomUUID } from "node:crypto";
import { showWholeJson } from "../text/shown-json.js";
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

/** A record's arguments for scripts: their exact text, spliced into the JSON by recordsJson. */
class ExactArguments {
  constructor(readonly text: string) {}
}

/** The record for scripts (written with recordsJson): arguments as the JSON they are, when they were stored whole. */
export function recordJson(record: PendingRecord): Record<string, unknown> {
  const exact = record.argumentsTruncated ? undefined : showWholeJson(record.arguments);
  return { ...record, arguments: exact === undefined ? record.arguments : new ExactArguments(exact) };
}

/**
 * JSON text of a value holding records (recordJson), each record's arguments
 * written as their exact text: JSON.stringify of the parsed arguments would
 * print 9007199254740993 as 9007199254740992 and 1e400 as null, and a script
 * would read another number than the upstream does.
 */
export function recordsJson(value: unknown): string {
  const nonce = randomUUID();
  const texts: string[] = [];
  const text = JSON.stringify(
    value,
    (_key, item: unknown) => (item instanceof ExactArguments ? `${nonce}:${texts.push(item.text) - 1}` : item),
    2,
  );
  return text.replace(new RegExp(`"${nonce}:(\\d+)"`, "g"), (_match, index: string) => texts[Number(index)] as string);
}
