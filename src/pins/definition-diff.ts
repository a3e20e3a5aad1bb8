import { escapePointerToken } from "../json/scan-json.js";
import { recordExactNumbers } from "../json/upstream-numbers.js";
import { canonicalJson } from "./canonical-json.js";
import { diffLines, diffWords, type DiffOp } from "./text-diff.js";
import { PINNED_FIELDS } from "./tool-definition.js";

// What changed between two pinned definitions, field by field: texts
// (description, title, name) as line and word differences, everything else
// (schemas, annotations) as JSON Pointer paths with the value before and
// after. Leaves are compared in their canonical text, so numbers keep every
// digit (9007199254740993 is not 9007199254740992 here either). Values come
// from outside: whoever shows them escapes them.

export type FieldDiff =
  | { field: string; kind: "text"; before: string | undefined; after: string | undefined; lines: DiffOp[]; words?: DiffOp[] }
  | { field: string; kind: "json"; changes: JsonChange[] };

export interface JsonChange {
  /** JSON Pointer inside the field ("" for the field itself). */
  path: string;
  op: "added" | "removed" | "changed";
  /** Canonical JSON text of the value before and after. */
  before?: string;
  after?: string;
}

const TEXT_FIELDS = new Set(["name", "title", "description"]);

/** Parses a stored canonical definition with its numbers exact. */
export function parseDefinition(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  recordExactNumbers(value, text);
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The fields that differ, in the order PINNED_FIELDS names them; `before` is undefined for a tool with no pin. */
export function diffDefinitions(before: string | undefined, after: string): FieldDiff[] {
  const b = before === undefined ? {} : parseDefinition(before);
  const a = parseDefinition(after);
  const diffs: FieldDiff[] = [];
  for (const field of PINNED_FIELDS) {
    const inB = b[field] !== undefined;
    const inA = a[field] !== undefined;
    if (!inB && !inA) continue;
    if (inB && inA && canonicalJson(b[field], b, field) === canonicalJson(a[field], a, field)) continue;
    if (TEXT_FIELDS.has(field) && (!inB || typeof b[field] === "string") && (!inA || typeof a[field] === "string")) {
      diffs.push(textDiff(field, b[field] as string | undefined, a[field] as string | undefined));
    } else {
      const changes: JsonChange[] = [];
      diffJson(b, a, field, "", changes, inB, inA);
      diffs.push({ field, kind: "json", changes });
    }
  }
  return diffs;
}

function textDiff(field: string, before: string | undefined, after: string | undefined): FieldDiff {
  const lines = diffLines(before ?? "", after ?? "");
  // Within one line, words show what changed; across lines the line diff already does.
  const words =
    before !== undefined && after !== undefined && !before.includes("\n") && !after.includes("\n") ? diffWords(before, after) : undefined;
  return { field, kind: "text", before, after, lines, words };
}

/** Compares parentB[key] with parentA[key] (each present or not), appending the differences under `path`. */
function diffJson(
  parentB: object,
  parentA: object,
  key: string | number,
  path: string,
  changes: JsonChange[],
  inB: boolean,
  inA: boolean,
): void {
  const b = (parentB as Record<string | number, unknown>)[key];
  const a = (parentA as Record<string | number, unknown>)[key];
  if (!inB) {
    changes.push({ path, op: "added", after: canonicalJson(a, parentA, key) });
    return;
  }
  if (!inA) {
    changes.push({ path, op: "removed", before: canonicalJson(b, parentB, key) });
    return;
  }
  const bothObjects = isObject(b) && isObject(a);
  const bothArrays = Array.isArray(b) && Array.isArray(a);
  if (bothObjects) {
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
    for (const k of keys) diffJson(b, a, k, `${path}/${escapePointerToken(k)}`, changes, Object.hasOwn(b, k), Object.hasOwn(a, k));
    return;
  }
  if (bothArrays) {
    for (let i = 0; i < Math.max(b.length, a.length); i++) diffJson(b, a, i, `${path}/${i}`, changes, i < b.length, i < a.length);
    return;
  }
  const before = canonicalJson(b, parentB, key);
  const after = canonicalJson(a, parentA, key);
  if (before !== after) changes.push({ path, op: "changed", before, after });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
