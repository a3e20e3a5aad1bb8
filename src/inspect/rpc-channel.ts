import { isUtf8 } from "node:buffer";
import { LineSplitter } from "../jsonrpc/line-splitter.js";
import { classifyMessage, idKey, type ResponseMessage } from "../jsonrpc/message.js";
import { describeExit, type Upstream, type UpstreamExit } from "../upstream/spawn-upstream.js";
import { InspectError } from "./inspect-error.js";

// Newline-delimited JSON-RPC with a server the inspector started: its own
// requests with a deadline each, and answers to whatever the server asks on
// its way. Lines that are not JSON-RPC are skipped, as the wrapper skips
// them, and counted, so that a failure can say what the server wrote instead.

const MAX_LINE_BYTES = 100 * 1024 * 1024;
/** A server that writes this many lines that are not JSON-RPC is not speaking MCP on stdout. */
const MAX_STRAY_LINES = 1000;
const PREVIEW_CHARS = 120;
const EXIT_DRAIN_MS = 1000;
const SIMPLE_ANSWERS: Readonly<Record<string, unknown>> = { ping: {}, "roots/list": { roots: [] } };

interface Waiting {
  method: string;
  resolve(response: ResponseMessage): void;
  reject(error: InspectError): void;
  timer: NodeJS.Timeout;
}

export class RpcChannel {
  readonly #upstream: Upstream;
  readonly #waiting = new Map<string, Waiting>();
  #nextId = 1;
  #strayLines = 0;
  #firstStray: string | undefined;
  #exit: UpstreamExit | undefined;
  #fatal: InspectError | undefined;
  readonly #notified = new Map<string, number>();

  constructor(upstream: Upstream) {
    this.#upstream = upstream;
    const splitter = new LineSplitter(MAX_LINE_BYTES, {
      line: (line) => this.#onLine(line),
      oversize: (info) =>
        this.#failAll(
          () => new InspectError("protocol", `the server wrote a line of ${info.bytes} bytes, over the limit of ${MAX_LINE_BYTES}`),
        ),
    });
    const drained = new Promise<void>((resolve) => {
      upstream.child.stdout.on("data", (chunk: Buffer) => splitter.push(chunk));
      upstream.child.stdout.once("close", () => {
        splitter.end();
        resolve();
      });
    });
    void upstream.exited.then(async (exit) => {
      this.#exit = exit;
      // "exit" can come before the last lines are read; a grandchild may hold stdout open, so wait only so long.
      await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, EXIT_DRAIN_MS).unref())]);
      this.#failAll((method) => this.#exitError(exit, method));
    });
  }

  /** Sends a request and waits for its answer, an exit, or the deadline. */
  request(method: string, params: unknown, timeoutMs: number): Promise<ResponseMessage> {
    if (this.#fatal) return Promise.reject(this.#fatal);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(idKey(id));
        reject(new InspectError("timeout", `the server did not answer ${method} within ${formatSeconds(timeoutMs)}${this.#strayNote()}`));
      }, timeoutMs);
      this.#waiting.set(idKey(id), { method, resolve, reject, timer });
      this.#write({ jsonrpc: "2.0", id, method, params });
    });
  }

  /** How many notifications of this method the server has sent so far. */
  notificationCount(method: string): number {
    return this.#notified.get(method) ?? 0;
  }

  notify(method: string, params?: unknown): void {
    this.#write(params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params });
  }

  #write(message: unknown): void {
    if (this.#exit === undefined && !this.#upstream.child.stdin.writableEnded)
      this.#upstream.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  #onLine(line: Buffer): void {
    let value: unknown;
    try {
      if (!isUtf8(line)) throw new Error("not UTF-8");
      value = JSON.parse(line.toString("utf8"));
    } catch {
      this.#stray(line.toString("utf8", 0, PREVIEW_CHARS * 4));
      return;
    }
    const message = classifyMessage(value);
    if (message.kind === "invalid") {
      const waiting = message.id === null ? undefined : this.#take(message.id);
      if (waiting)
        waiting.reject(new InspectError("protocol", `the server's answer to ${waiting.method} is not valid JSON-RPC: ${message.reason}`));
      else this.#stray(line.toString("utf8", 0, PREVIEW_CHARS * 4));
    } else if (message.kind === "response") {
      this.#take(message.id)?.resolve(message);
    } else if (message.kind === "notification") {
      this.#notified.set(message.method, (this.#notified.get(message.method) ?? 0) + 1);
    } else if (message.kind === "request") {
      // Exactly one answer per request: the inspector has no roots to share and no model or user to ask.
      const result = SIMPLE_ANSWERS[message.method];
      if (result !== undefined) this.#write({ jsonrpc: "2.0", id: message.id, result });
      else
        this.#write({
          jsonrpc: "2.0",
          id: message.id,
          error: { code: -32601, message: `policy-wrap's inspector does not handle ${message.method}` },
        });
    }
  }

  #take(id: string | number): Waiting | undefined {
    const waiting = this.#waiting.get(idKey(id));
    if (!waiting) return undefined;
    this.#waiting.delete(idKey(id));
    clearTimeout(waiting.timer);
    return waiting;
  }

  #stray(text: string): void {
    this.#strayLines++;
    this.#firstStray ??= preview(text);
    if (this.#strayLines === MAX_STRAY_LINES)
      this.#failAll(
        () => new InspectError("protocol", `the server keeps writing lines that are not JSON-RPC to stdout${this.#strayNote()}`),
      );
  }

  #strayNote(): string {
    if (this.#strayLines === 0) return "";
    const lines = this.#strayLines === 1 ? "1 line" : `${this.#strayLines} lines`;
    return `; it wrote ${lines} on stdout that ${this.#strayLines === 1 ? "is" : "are"} not JSON-RPC, the first: ${JSON.stringify(this.#firstStray)}`;
  }

  #exitError(exit: UpstreamExit, method: string | undefined): InspectError {
    if (exit.error) return new InspectError("start", `the server ${describeExit(exit)}`);
    const before = method === undefined ? "" : ` before answering ${method}`;
    return new InspectError("exit", `the server ${describeExit(exit)}${before}${this.#strayNote()}`);
  }

  /** Ends the conversation: every waiting request and every later one fails with the error made for it. */
  #failAll(make: (method?: string) => InspectError): void {
    this.#fatal ??= make();
    for (const [key, waiting] of this.#waiting) {
      this.#waiting.delete(key);
      clearTimeout(waiting.timer);
      waiting.reject(make(waiting.method));
    }
  }
}

function preview(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}...` : text;
}

export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
