import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";

// A raw JSON-RPC client for benchmarks: newline framing, ids matched by a map,
// nothing parsed but what it needs.

export class RawClient {
  readonly child: ChildProcessByStdio<Writable, Readable, null>;
  #nextId = 1;
  #pending = new Map<number, (line: string) => void>();
  #parts: Buffer[] = [];

  constructor(command: string, args: string[]) {
    this.child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
    this.child.stdout.on("data", (chunk: Buffer) => this.#onData(chunk));
  }

  #onData(chunk: Buffer): void {
    let start = 0;
    let newline: number;
    while ((newline = chunk.indexOf(0x0a, start)) !== -1) {
      this.#parts.push(chunk.subarray(start, newline));
      const line = Buffer.concat(this.#parts);
      this.#parts = [];
      start = newline + 1;
      // The id is the last member in the upstream's answers and the first in ours; find it cheaply.
      const text = line.length > 4096 ? line.subarray(0, 200).toString() + line.subarray(line.length - 200).toString() : line.toString();
      const match = /"id":(\d+)/.exec(text);
      const resolve = match ? this.#pending.get(Number(match[1])) : undefined;
      if (match && resolve) {
        this.#pending.delete(Number(match[1]));
        resolve(line.length > 4096 ? `<${line.length} bytes>` : text);
      }
    }
    if (start < chunk.length) this.#parts.push(chunk.subarray(start));
  }

  request(method: string, params: unknown = {}): Promise<string> {
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
