import { createHash } from "node:crypto";
import { compilePolicy } from "./compile-policy.js";
import { checkAgainstSchema, describeSchemaErrors, lastSchemaErrors, refusedParts } from "./schema.js";
import { scanPolicyText } from "./scan-policy-text.js";
import { standInDocument } from "./stand-in-document.js";
import type { CompiledPolicy, PolicyDocument, PolicyProblem } from "./types.js";

// Text to compiled policy, or every problem with its line and column, in file
// order, in one pass: comments and trailing commas, schema problems and what
// only compiling finds are reported together. Parsing, schema check and
// compilation all happen here, so an invalid policy fails at load and never
// in the middle of a call.

export interface LocatedProblem {
  /** 0 when the problem is not at a place in the text (an unreadable file). */
  line: number;
  column: number;
  pointer: string;
  message: string;
}

export type ParseResult = { ok: true; policy: CompiledPolicy; document: PolicyDocument } | { ok: false; problems: LocatedProblem[] };

const MAX_POLICY_DEPTH = 64;

export function parsePolicy(text: string): ParseResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const positions = new Map<string, number>();
  const read = scanPolicyText(body, MAX_POLICY_DEPTH, positions);
  const located: { offset: number; pointer: string; message: string }[] = read.problems.map((p) => ({ ...p, pointer: "" }));
  const report = () => ({ ok: false as const, problems: inFileOrder(body, located) });
  if (!read.scan.ok) {
    const { scan } = read;
    const message = scan.problem === "duplicate-key" ? `${scan.message}: JSON parsers disagree on which one counts` : scan.message;
    located.push({ offset: scan.offset, pointer: scan.pointer ?? "", message });
    return report();
  }
  const document: unknown = JSON.parse(read.text);
  const add = (problems: PolicyProblem[]) => {
    for (const p of problems) located.push({ offset: offsetOf(positions, p.pointer), ...p });
  };
  if (checkAgainstSchema(document)) {
    const compiled = compilePolicy(document, createHash("sha256").update(text).digest("hex"));
    if (compiled.ok && located.length === 0) return { ok: true, policy: compiled.policy, document };
    if (!compiled.ok) add(compiled.problems);
    return report();
  }
  const errors = lastSchemaErrors();
  add(describeSchemaErrors(errors, document));
  // Compiled only for its problems: this policy has already failed.
  const standIn = standInDocument(document, refusedParts(errors));
  if (standIn !== undefined && checkAgainstSchema(standIn)) {
    const compiled = compilePolicy(standIn);
    if (!compiled.ok) add(compiled.problems);
  }
  return report();
}

function inFileOrder(body: string, problems: { offset: number; pointer: string; message: string }[]): LocatedProblem[] {
  const locate = lineLocator(body);
  return problems
    .map((p, order) => ({ ...p, order }))
    .sort((a, b) => a.offset - b.offset || a.order - b.order)
    .map(({ offset, pointer, message }) => ({ ...locate(offset), pointer, message }));
}

/** The value's own position, or its nearest ancestor's when the value is missing. */
function offsetOf(positions: Map<string, number>, pointer: string): number {
  let current = pointer;
  for (;;) {
    const offset = positions.get(current);
    if (offset !== undefined) return offset;
    if (current === "") return 0;
    current = current.slice(0, current.lastIndexOf("/"));
  }
}

/**
 * Line and column of offsets asked for in increasing order, in one pass over
 * the text for all of them: rescanning from the start for each problem made a
 * file with 20,000 problems take a minute (issue 10, class 11).
 */
function lineLocator(text: string): (offset: number) => { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  let i = 0;
  return (offset) => {
    for (; i < offset && i < text.length; i++) {
      if (text.charCodeAt(i) === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    return { line, column: offset - lineStart + 1 };
  };
}
