import { HANG_GUARD_MS } from "./hang-guard.js";

// The client's side of a wrapper session, whichever way the wrapper runs (a
// process, or in this process on streams): raw newline-delimited JSON-RPC, so
// tests see exactly the bytes a client sees.

export type Json = Record<string, any>;

export interface StartOptions {
  policy: string;
  /** The upstream's command line (default: the fixture server). */
  upstream?: string[];
  extraArgs?: string[];
  /** For the upstream (and, run as a process, the wrapper). */
  env?: NodeJS.ProcessEnv;
  /** The Node.js binary that runs the wrapper (default: this one; processes only). */
  node?: string;
}

/** A wait that outlasts this fails with the wrapper's stderr (see hang-guard.ts). */
const DEADLINE_MS = HANG_GUARD_MS;

export interface WrapperExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export abstract class WrapperClient {
  readonly lines: string[] = [];
  stderr = "";
  abstract readonly exited: Promise<WrapperExit>;
  /** The pid of the process the wrapper runs in (this one, in process). */
  abstract readonly pid: number;
  #buffer = "";
  #stderrWaiters: (() => void)[] = [];
  #serve: ((request: Json) => Json) | undefined;
  #nextId = 1;
  #waiters: { test: (m: Json) => boolean; resolve: (m: Json) => void }[] = [];

  /** Writes bytes to the wrapper's stdin. */
  protected abstract write(data: string | Buffer): void;
  /** Ends the wrapper's stdin. */
  abstract closeStdin(): void;
  /** Whether the wrapper has ended. */
  protected abstract hasEnded(): boolean;

  get messages(): Json[] {
    return this.lines.map((line) => JSON.parse(line) as Json);
  }

  /** Feeds what the wrapper wrote to stdout. */
  protected onStdout(chunk: string): void {
    let start = 0;
    let newline: number;
    while ((newline = chunk.indexOf("\n", start)) !== -1) {
      const line = this.#buffer + chunk.slice(start, newline);
      this.#buffer = "";
      start = newline + 1;
      this.lines.push(line);
      const message = JSON.parse(line) as Json;
      if (this.#serve && typeof message.method === "string" && message.id !== undefined) {
        this.send({ jsonrpc: "2.0", id: message.id, result: this.#serve(message) });
      }
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.test(message)) return true;
        w.resolve(message);
        return false;
      });
    }
    this.#buffer += chunk.slice(start);
  }

  /** Feeds what the wrapper wrote to stderr. */
  protected onStderr(text: string): void {
    this.stderr += text;
    for (const wake of this.#stderrWaiters) wake();
  }

  /** Answers every request the wrapper sends to the client with the handler's result. */
  serve(handler: (request: Json) => Json): void {
    this.#serve = handler;
  }

  sendRaw(data: string | Buffer): void {
    this.write(data);
  }

  send(message: Json): void {
    this.sendRaw(`${JSON.stringify(message)}\n`);
  }

  /** The first message, already received or still to come, that passes the test. */
  waitFor(test: (m: Json) => boolean, what = "a matching message"): Promise<Json> {
    const seen = this.messages.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${DEADLINE_MS} ms; stderr:\n${this.stderr}`)), DEADLINE_MS);
      this.#waiters.push({
        test,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Resolves once stderr holds `count` matches of the pattern (a global regex). */
  waitForStderr(pattern: RegExp, count = 1): Promise<void> {
    const enough = () => (this.stderr.match(pattern)?.length ?? 0) >= count;
    if (enough()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`stderr did not show ${pattern} ${count} time(s) within ${DEADLINE_MS} ms:\n${this.stderr}`)),
        DEADLINE_MS,
      );
      const wake = () => {
        if (!enough()) return;
        clearTimeout(timer);
        this.#stderrWaiters = this.#stderrWaiters.filter((w) => w !== wake);
        resolve();
      };
      this.#stderrWaiters.push(wake);
    });
  }

  answerTo(id: unknown): Promise<Json> {
    return this.waitFor((m) => m.id === id && ("result" in m || "error" in m), `answer to id ${JSON.stringify(id)}`);
  }

  request(method: string, params?: Json, id: string | number = this.#nextId++): Promise<Json> {
    this.send(params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params });
    return this.answerTo(id);
  }

  async initialize(capabilities: Json = {}): Promise<Json> {
    const answer = await this.request("initialize", {
      protocolVersion: "2025-06-18",
      capabilities,
      clientInfo: { name: "test", version: "1" },
    });
    this.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    return answer;
  }

  callTool(name: string, args: Json = {}): Promise<Json> {
    return this.request("tools/call", { name, arguments: args });
  }

  /** Closes stdin (unless the wrapper has ended) and waits until the wrapper is done, its output read. */
  async stop(): Promise<void> {
    if (!this.hasEnded()) this.closeStdin();
    await this.exited;
  }
}
