import { scanJson, type ScanResult } from "../json/scan-json.js";

// Policies are written by hand and often start as copies of JSONC files
// (editor settings) with comments and trailing commas. Both are errors (the
// policy is JSON, and other tools read it too), but each is named as what it
// is, then blanked out with spaces (lines and columns stay where they were) so
// that the rest of the file is still checked in the same pass. The strict
// scanner itself is unchanged: it also reads the wire, where nothing is forgiven.

export interface TextProblem {
  offset: number;
  message: string;
}

export interface PolicyTextScan {
  /** The text with comments and trailing commas blanked out. */
  text: string;
  /** The comments and trailing commas found, in file order. */
  problems: TextProblem[];
  scan: ScanResult;
}

/** More than this many comments and commas: report those, and stop. */
const MAX_REPAIRS = 200;
const COMMENT = "comments are not allowed in JSON";

export function scanPolicyText(body: string, maxDepth: number, positions: Map<string, number>): PolicyTextScan {
  let text = body;
  const problems: TextProblem[] = [];
  for (;;) {
    positions.clear();
    const scan = scanJson(text, { maxDepth, positions });
    if (scan.ok || scan.problem !== "syntax" || problems.length >= MAX_REPAIRS) return { text, problems, scan };
    const repair = findRepair(text, scan.offset);
    if (!repair) return { text, problems, scan };
    problems.push({ offset: repair.start, message: repair.message });
    text = text.slice(0, repair.start) + text.slice(repair.start, repair.end).replace(/[^\r\n]/g, " ") + text.slice(repair.end);
  }
}

/** The comment or trailing comma that made the scanner stop at `offset`, if that is what it was. */
function findRepair(text: string, offset: number): { start: number; end: number; message: string } | undefined {
  if (text.startsWith("//", offset)) {
    const newline = text.indexOf("\n", offset);
    return { start: offset, end: newline === -1 ? text.length : newline, message: `${COMMENT} (// ...)` };
  }
  if (text.startsWith("/*", offset)) {
    const close = text.indexOf("*/", offset + 2);
    if (close === -1) return { start: offset, end: text.length, message: `${COMMENT} (/* ... without its closing */)` };
    return { start: offset, end: close + 2, message: `${COMMENT} (/* ... */)` };
  }
  const closer = text[offset];
  if (closer === "}" || closer === "]") {
    let before = offset - 1;
    while (before >= 0 && /\s/.test(text[before] as string)) before--;
    if (text[before] === ",") {
      const what = closer === "}" ? "the last member of an object" : "the last item of a list";
      return { start: before, end: before + 1, message: `trailing comma after ${what}` };
    }
  }
  return undefined;
}
