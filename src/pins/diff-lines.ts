import type { FieldDiff, JsonChange } from "./definition-diff.js";
import type { DiffOp } from "./text-diff.js";
import { visibleText } from "./visible-text.js";

// A definition's differences as lines a person reads, the same in a terminal
// (`policy-wrap pins diff`) and in the dashboard: every text from the server
// made visible (see visible-text), values cut at a readable length, and a
// word-by-word line where one line changed.

export interface DiffLine {
  /** " " unchanged, "-" removed, "+" added, "~" changed in place (a JSON value). */
  mark: " " | "-" | "+" | "~";
  text: string;
}

export interface FieldLines {
  field: string;
  lines: DiffLine[];
  /** git's --word-diff form, when one line changed. */
  words?: string;
}

const MAX_VALUE = 300;
/** Texts up to this many lines are shown with their unchanged lines; longer ones show the changes only. */
const CONTEXT_LINES = 20;
const MARK: Record<DiffOp["op"], DiffLine["mark"]> = { same: " ", removed: "-", added: "+" };

export function fieldLines(field: FieldDiff): FieldLines {
  if (field.kind === "json") return { field: field.field, lines: field.changes.map(jsonLine) };
  const lines: DiffLine[] = [];
  if (field.before === undefined) lines.push({ mark: " ", text: "(none before)" });
  if (field.after === undefined) lines.push({ mark: " ", text: "(none now)" });
  for (const op of field.lines)
    if (op.op !== "same" || field.lines.length <= CONTEXT_LINES) lines.push({ mark: MARK[op.op], text: visibleText(op.text) });
  const words = field.words && field.words.some((op) => op.op === "same") ? formatWords(field.words) : undefined;
  return { field: field.field, lines, words };
}

/** [-removed-]{+added+}; a pair that would look alike is shown code point by code point. */
function formatWords(ops: DiffOp[]): string {
  let out = "";
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as DiffOp;
    const next = ops[i + 1];
    if (op.op === "removed" && next?.op === "added" && visibleText(op.text) === visibleText(next.text)) {
      out += `[-${codePoints(op.text)}-]{+${codePoints(next.text)}+}`;
      i++;
    } else if (op.op === "same") out += visibleText(op.text);
    else out += op.op === "removed" ? `[-${visibleText(op.text)}-]` : `{+${visibleText(op.text)}+}`;
  }
  return out;
}

function codePoints(text: string): string {
  return Array.from(text, (char) => {
    const cp = char.codePointAt(0) as number;
    return cp >= 0x21 && cp <= 0x7e && char !== "\\" ? char : `\\u{${cp.toString(16).toUpperCase()}}`;
  }).join("");
}

function jsonLine(change: JsonChange): DiffLine {
  const path = visibleText(change.path === "" ? "(the whole field)" : change.path);
  const value = (text: string | undefined) =>
    visibleText(text === undefined ? "" : text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}...` : text);
  if (change.op === "added") return { mark: "+", text: `${path}: ${value(change.after)}` };
  if (change.op === "removed") return { mark: "-", text: `${path}: ${value(change.before)}` };
  return { mark: "~", text: `${path}: ${value(change.before)} -> ${value(change.after)}` };
}
