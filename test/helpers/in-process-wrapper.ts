import { PassThrough } from "node:stream";
import { after } from "node:test";
import { runCommand } from "../../src/cli/run.js";
import { spawnUpstream } from "../../src/upstream/spawn-upstream.js";
import { inProcessUpstream, serverFor } from "./in-process-upstream.js";
import { fixtureCommand } from "./paths.js";
import { WrapperClient, type StartOptions, type WrapperExit } from "./wrapper-client.js";

// The wrapper run in this process through the binary's own wiring
// (runCommand, startProxy, the relay and the gate), with the client on
// in-memory streams. The fixture upstream runs in process too; any other
// upstream command starts as a real child process. For decisions and message
// handling; the process harness (wrapper-process.ts) is for what needs the
// process: exit codes, signals, pids, several processes, the environment.

/** Environment the wrapper itself reads: only a process of its own can be given it. */
const WRAPPER_ENV = /^(POLICY_WRAP_|NODE_)/;

export class InProcessWrapper extends WrapperClient {
  readonly exited: Promise<WrapperExit>;
  readonly pid = process.pid;
  readonly #stdin = new PassThrough();
  #ended = false;

  constructor(options: StartOptions) {
    super();
    const env = options.env ?? {};
    const wrapperEnv = Object.keys(env).filter((name) => WRAPPER_ENV.test(name));
    if (wrapperEnv.length > 0) throw new Error(`the in-process wrapper cannot be given ${wrapperEnv.join(", ")}: start a process`);
    if (options.node !== undefined) throw new Error("the in-process wrapper runs on this Node.js: start a process");
    const upstream = options.upstream ?? fixtureCommand();
    const stdout = new PassThrough();
    stdout.setEncoding("utf8");
    // Each chunk arrives in a later turn of the event loop, as from a pipe: a test's loop of calls answered
    // in process would otherwise run on microtasks alone, and starve the wrapper's timers and its audit thread.
    stdout.on("data", (chunk: string) => setImmediate(() => this.onStdout(chunk)));
    const server = serverFor(upstream);
    const upstreamEnv = { ...process.env, ...env };
    const argv = ["--policy", options.policy, ...(options.extraArgs ?? []), "--", ...upstream];
    this.exited = runCommand(argv, {
      clientInput: this.#stdin,
      clientOutput: stdout,
      stderr: (text) => this.onStderr(text),
      spawnUpstream: (command, args) => (server ? inProcessUpstream(server, upstreamEnv) : spawnUpstream(command, args, upstreamEnv)),
      ownsProcess: false,
    }).then(
      (code) => ({ code, signal: null }),
      // As the binary does: the failure on stderr, exit code 1.
      (error: unknown) => {
        this.onStderr(`policy-wrap: ${error instanceof Error ? error.stack : String(error)}\n`);
        return { code: 1, signal: null };
      },
    );
    void this.exited.then(() => (this.#ended = true));
  }

  protected write(data: string | Buffer): void {
    if (!this.#stdin.writableEnded) this.#stdin.write(data);
  }

  closeStdin(): void {
    this.#stdin.end();
  }

  protected hasEnded(): boolean {
    return this.#ended;
  }
}

/** A starter whose wrappers are all stopped when the test file ends. */
export function inProcessStarter(): (options: StartOptions) => InProcessWrapper {
  const running: InProcessWrapper[] = [];
  after(async () => Promise.all(running.map((w) => w.stop())));
  return (options) => {
    const wrapper = new InProcessWrapper(options);
    running.push(wrapper);
    return wrapper;
  };
}
