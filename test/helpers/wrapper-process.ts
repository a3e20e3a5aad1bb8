import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { after } from "node:test";
import { BIN, fixtureCommand } from "./paths.js";

// Runs the real policy-wrap binary as a child process and speaks raw
// newline-delimited JSON-RPC to it, so tests see exactly the bytes a client sees.

export type Json = Record<string, any>;

export interface StartOptions {
  policy: string;
  upstream?: string[];
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
  /** The Node.js binary that runs the wrapper (default: this one). */
  node?: string;
}

const DEADLINE_MS = 15_000;

export class WrapperProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #buffer = "";
  #stderrWaiters: (() => void)[] = [];
  #serve: ((request: Json) => Json) | undefined;
  #nextId = 1;
  #waiters: { test: (m: Json) => boolean; resolve: (m: Json) => void }[] = [];

  constructor(options: StartOptions) {
    const upstream = options.upstream ?? fixtureCommand();
    this.child = spawn(
      options.node ?? process.execPath,
      [BIN, "--policy", options.policy, ...(options.extraArgs ?? []), "--", ...upstream],
      {
        env: { ...process.env, ...options.env },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    this.child.stdout.setEncoding("utf8");
    this.child.stdout.on("data", (chunk: string) => this.#onData(chunk));
    this.child.stderr.setEncoding("utf8");
    this.child.stderr.on("data", (chunk: string) => {
      this.stderr += chunk;
      for (const wake of this.#stderrWaiters) wake();
    });
    this.child.stdin.on("error", () => {});
    this.exited = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  get messages(): Json[] {
    return this.lines.map((line) => JSON.parse(line) as Json);
  }

  #onData(chunk: string): void {
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

  /** Answers every request the wrapper sends to the client with the handler's result. */
  serve(handler: (request: Json) => Json): void {
    this.#serve = handler;
  }

  sendRaw(data: string | Buffer): void {
    this.child.stdin.write(data);
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

  closeStdin(): void {
    this.child.stdin.end();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.closeStdin();
    await this.exited;
  }
}

export function startWrapper(options: StartOptions): WrapperProcess {
  return new WrapperProcess(options);
}

/** A starter whose wrappers are all stopped when the test file ends. */
export function wrapperStarter(): (options: StartOptions) => WrapperProcess {
  const running: WrapperProcess[] = [];
  after(async () => Promise.all(running.map((w) => w.stop())));
  return (options) => {
    const wrapper = startWrapper(options);
    running.push(wrapper);
    return wrapper;
  };
}
