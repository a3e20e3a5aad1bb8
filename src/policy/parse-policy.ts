import { createHash } from "node:crypto";
import { scanJson } from "../json/scan-json.js";
import { compilePolicy } from "./compile-policy.js";
import { checkAgainstSchema, schemaProblems } from "./schema.js";
import type { CompiledPolicy, PolicyDocument } from "./types.js";

// Text to compiled policy, or every problem with its line and column. Parsing,
// schema check and compilation all happen here, so an invalid policy fails at
// load and never in the middle of a call.

export interface LocatedProblem {
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
  const scan = scanJson(body, { maxDepth: MAX_POLICY_DEPTH, positions });
  const locate = (offset: number) => lineAndColumn(body, offset);
  if (!scan.ok) {
    const message = scan.problem === "duplicate-key" ? `${scan.message}: JSON parsers disagree on which one counts` : scan.message;
    return { ok: false, problems: [{ ...locate(scan.offset), pointer: scan.pointer ?? "", message }] };
  }
  const document: unknown = JSON.parse(body);
  const at = (pointer: string, message: string): LocatedProblem => ({ ...locate(offsetOf(positions, pointer)), pointer, message });
  if (!checkAgainstSchema(document)) {
    return { ok: false, problems: schemaProblems().map((p) => at(p.pointer, p.message)) };
  }
  const compiled = compilePolicy(document, createHash("sha256").update(text).digest("hex"));
  if (!compiled.ok) return { ok: false, problems: compiled.problems.map((p) => at(p.pointer, p.message)) };
  return { ok: true, policy: compiled.policy, document };
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

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
