import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";

// A raw JSON-RPC client for benchmarks, as lean as a client can be, since its
// own cost dilutes every ratio the bench reports: newline framing on bytes, a
// line that arrived whole handed over where it lies (no copy, no decoding), the
// id read digit by digit from the first bytes (no regex, no JSON.parse), and
// answers matched to their requests by integer id. It runs as plain JavaScript
// (bench/run.ts is bundled before it runs; no tsx in the measured process).

/** `"id":`, which every answer here carries among its first members. */
const ID_KEY = Buffer.from('"id":');
/** How far into an answer its id is looked for: the envelope comes first in both the upstream's answers and the wrapper's. */
const ID_WITHIN = 64;

/** The integer id of an answer, or -1 (a notification, or an id that is not a plain integer). */
export function answerId(line: Buffer): number {
  const at = line.subarray(0, ID_WITHIN).indexOf(ID_KEY);
  if (at === -1) return -1;
  let i = at + ID_KEY.length;
  while (line[i] === 0x20) i++;
  let id = 0;
  const first = i;
  for (let c = line[i]; c !== undefined && c >= 0x30 && c <= 0x39; c = line[++i]) id = id * 10 + (c - 0x30);
  return i === first ? -1 : id;
}

export class RawClient {
  readonly child: ChildProcessByStdio<Writable, Readable, null>;
  #nextId = 1;
  readonly #pending = new Map<number, (line: Buffer) => void>();
  #parts: Buffer[] = [];

  constructor(command: string, args: string[]) {
    this.child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
    this.child.stdout.on("data", (chunk: Buffer) => this.#onData(chunk));
  }

  #onData(chunk: Buffer): void {
    let start = 0;
    let newline: number;
    while ((newline = chunk.indexOf(0x0a, start)) !== -1) {
      let line = chunk.subarray(start, newline);
      if (this.#parts.length > 0) {
        this.#parts.push(line);
        line = Buffer.concat(this.#parts);
        this.#parts = [];
      }
      start = newline + 1;
      const id = answerId(line);
      const resolve = this.#pending.get(id);
      if (resolve) {
        this.#pending.delete(id);
        resolve(line);
      }
    }
    if (start < chunk.length) this.#parts.push(chunk.subarray(start));
  }

  /** Sends a request; resolves with the answer's bytes (a view of the read buffer: copy it to keep it). */
  request(method: string, params: unknown = {}): Promise<Buffer> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.child.stdin.write(`{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${JSON.stringify(params)}}\n`);
    });
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    if (this.child.exitCode === null) await new Promise((resolve) => this.child.once("exit", resolve));
  }
}
