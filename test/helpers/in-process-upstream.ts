import { PassThrough, Writable, type Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import type { Upstream, UpstreamExit } from "../../src/upstream/spawn-upstream.js";
import { FIXTURE_SERVER, ROOT } from "./paths.js";

// An upstream server that runs in this process on streams, behind the
// wrapper's Upstream interface, standing in for the child process: EOF on its
// stdin ends it (as a server process ends when its stdin closes), a signal
// ends it, and once ended it writes nothing more. The servers are the same
// modules the fixture processes run.

export interface ServerPipes {
  env: NodeJS.ProcessEnv;
  input: Readable;
  output: Writable;
  exit(code: number): void;
  pid: number;
}

export type ServerStarter = (pipes: ServerPipes) => unknown;

export function inProcessUpstream(start: ServerStarter, env: NodeJS.ProcessEnv): Upstream {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let done = false;
  let signalled = false;
  let settle!: (exit: UpstreamExit) => void;
  const exited = new Promise<UpstreamExit>((resolve) => (settle = resolve));
  const end = (exit: UpstreamExit): void => {
    if (done) return;
    done = true;
    stdout.end();
    settle(exit);
  };
  // What a process has written before it exits reaches the pipe; nothing after.
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!done) stdout.write(chunk);
      callback();
    },
  });
  stdin.once("end", () => setImmediate(() => end({ code: 0, signal: null, signalled })));
  void Promise.resolve()
    .then(() => start({ env, input: stdin, output, exit: (code) => end({ code, signal: null, signalled }), pid: process.pid }))
    .catch((error: unknown) => {
      process.stderr.write(`in-process upstream failed: ${String(error)}\n`);
      end({ code: 1, signal: null, signalled });
    });
  return {
    child: { stdin, stdout },
    exited,
    hasExited: () => done,
    signal: (signal) => {
      if (done) return;
      signalled = true;
      end({ code: null, signal, signalled });
    },
    treeRuns: () => !done,
  };
}

type FixtureModule = { startFixtureServer: ServerStarter };
let fixture: Promise<FixtureModule> | undefined;

/** The SDK fixture server of test/fixtures/fixture-tools.mjs. */
export const fixtureServer: ServerStarter = async (pipes) => {
  fixture ??= import(pathToFileURL(`${ROOT}/test/fixtures/fixture-tools.mjs`).href) as Promise<FixtureModule>;
  return (await fixture).startFixtureServer(pipes);
};

/** The in-process server for an upstream command line, when there is one. */
export function serverFor(command: readonly string[]): ServerStarter | undefined {
  if (command.length === 2 && command[0] === process.execPath && command[1] === FIXTURE_SERVER) return fixtureServer;
  return undefined;
}
