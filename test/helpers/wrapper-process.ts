import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { after } from "node:test";
import { BIN, fixtureCommand } from "./paths.js";
import { WrapperClient, type StartOptions, type WrapperExit } from "./wrapper-client.js";

// Runs the real policy-wrap binary as a child process: for what needs the
// process (its exit code, signals, its pid, several processes, its environment).
// Decisions and message handling run in process: see in-process-wrapper.ts.

export type { Json, StartOptions } from "./wrapper-client.js";

export class WrapperProcess extends WrapperClient {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<WrapperExit>;

  constructor(options: StartOptions) {
    super();
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
    this.child.stdout.on("data", (chunk: string) => this.onStdout(chunk));
    this.child.stderr.setEncoding("utf8");
    this.child.stderr.on("data", (chunk: string) => this.onStderr(chunk));
    this.child.stdin.on("error", () => {});
    // "close", not "exit": by then stdout and stderr are read to their end (an "exit" can come before the last
    // lines). The upstream shares stderr, so a descendant the wrapper left running would hold this back.
    this.exited = new Promise((resolve) => this.child.once("close", (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid as number;
  }

  protected write(data: string | Buffer): void {
    this.child.stdin.write(data);
  }

  closeStdin(): void {
    this.child.stdin.end();
  }

  protected hasEnded(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
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
