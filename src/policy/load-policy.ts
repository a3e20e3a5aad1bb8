import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { resolve } from "node:path";
import { TextDecoder } from "node:util";
import { parsePolicy, type LocatedProblem, type ParseResult } from "./parse-policy.js";

// Reads the policy file. Every failure, including an unreadable file and bytes
// that are not UTF-8, comes back as problems, never as a thrown error, so that
// callers cannot forget to fail closed.

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Larger files are refused: a policy is kilobytes, and every reload reads,
 * checks and compiles all of it on the event loop (see docs/guarantees.md).
 */
export const MAX_POLICY_BYTES = 4 * 1024 * 1024;

class NotRegular extends Error {
  constructor(readonly code: "EISDIR" | "ENOTREG" | "EFBIG") {
    super(code);
  }
}

/**
 * The bytes of a regular file of at most MAX_POLICY_BYTES. Opened without
 * blocking and checked before reading: a FIFO put in the policy's place would
 * block a plain read until someone writes to it, and a device never ends.
 */
async function readRegularFile(file: string): Promise<Buffer> {
  const handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new NotRegular("EISDIR");
    if (!stat.isFile()) throw new NotRegular("ENOTREG");
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(Math.min(1 << 20, MAX_POLICY_BYTES + 1 - total)), 0, undefined, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > MAX_POLICY_BYTES) throw new NotRegular("EFBIG");
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

/** The file's text, or why it cannot be had. */
export async function readPolicyText(file: string): Promise<{ text: string } | { problems: LocatedProblem[] }> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a directory"
            : code === "ENOTREG"
              ? "it is not a regular file (a FIFO, socket or device)"
              : code === "EFBIG"
                ? `it is larger than ${MAX_POLICY_BYTES} bytes`
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
