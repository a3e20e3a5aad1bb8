import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { TextDecoder } from "node:util";
import { parsePolicy, type LocatedProblem, type ParseResult } from "./parse-policy.js";

// Reads the policy file. Every failure, including an unreadable file and bytes
// that are not UTF-8, comes back as problems, never as a thrown error, so that
// callers cannot forget to fail closed.

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The file's text, or why it cannot be had. */
export async function readPolicyText(file: string): Promise<{ text: string } | { problems: LocatedProblem[] }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a directory"
            : String(error);
    // The path as resolved, and from where: clients start servers in folders of their own choosing.
    const message = `cannot read the policy ${resolve(file)}: ${why} (working directory ${process.cwd()})`;
    return { problems: [{ line: 0, column: 0, pointer: "", message }] };
  }
  try {
    return { text: decoder.decode(bytes) };
  } catch {
    return { problems: [{ line: 1, column: 1, pointer: "", message: "the policy is not valid UTF-8" }] };
  }
}

export async function loadPolicy(file: string): Promise<ParseResult & { text?: string }> {
  const read = await readPolicyText(file);
  if ("problems" in read) return { ok: false, problems: read.problems };
  return { ...parsePolicy(read.text), text: read.text };
}

export function formatProblems(file: string, problems: LocatedProblem[]): string {
  return problems.map((p) => (p.line === 0 ? `${file}: ${p.message}` : `${file}:${p.line}:${p.column}: ${p.message}`)).join("\n");
}
