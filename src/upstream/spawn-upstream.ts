import { spawn as spawnPosix, spawnSync, type ChildProcessByStdio } from "node:child_process";
import { createRequire } from "node:module";
import { constants } from "node:os";
import type { Readable, Writable } from "node:stream";
import { groupRuns } from "./process-group.js";

// Starts the upstream server. On Windows, cross-spawn resolves npx/uvx .cmd
// shims, which Node refuses to run without a shell; elsewhere it adds nothing
// but start-up time, so it is loaded only there. On POSIX the child leads its
// own process group so that signals reach the grandchildren that launchers
// such as npx and uvx leave behind.

export interface UpstreamExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  error?: Error;
  /** Whether policy-wrap had signalled the process before it ended (a death by a signal nobody sent is the upstream's own failure). */
  signalled?: boolean;
}

type UpstreamChild = ChildProcessByStdio<Writable, Readable, null>;

/** The upstream's ends of the conversation: what the wrapper writes to it and reads from it. */
export interface UpstreamPipes {
  stdin: Writable;
  stdout: Readable;
}

export interface Upstream {
  child: UpstreamPipes;
  exited: Promise<UpstreamExit>;
  hasExited(): boolean;
  /** Signals the whole process tree; never throws. */
  signal(signal: NodeJS.Signals): void;
  /** Whether any process of the tree still runs (the direct child may be gone while its children run on). */
  treeRuns(): boolean;
}

const ownGroup = process.platform !== "win32";
const spawn: typeof spawnPosix = ownGroup ? spawnPosix : (createRequire(import.meta.url)("cross-spawn") as typeof spawnPosix);

export function spawnUpstream(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Upstream {
  const child = spawn(command, args, {
    env,
    stdio: ["pipe", "pipe", "inherit"],
    detached: ownGroup,
    windowsHide: true,
  }) as UpstreamChild;
  // Writes to a dead child fail with EPIPE; the exit handler reports the death.
  child.stdin.on("error", () => {});
  let done = false;
  let signalled = false;
  const exited = new Promise<UpstreamExit>((resolve) => {
    child.once("exit", (code, signal) => {
      done = true;
      resolve({ code, signal, signalled });
    });
    child.once("error", (error) => {
      if (child.pid !== undefined && !done) return;
      done = true;
      resolve({ code: null, signal: null, error });
    });
  });
  return {
    child,
    exited,
    hasExited: () => done,
    signal: (signal) => {
      if (!done) signalled = true;
      signalTree(child, signal);
    },
    // Windows: taskkill /T ends the tree; whether it ran is all that can be known of it here.
    treeRuns: () => (ownGroup && child.pid !== undefined ? groupRuns(child.pid) : !done),
  };
}

function signalTree(child: UpstreamChild, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    if (ownGroup) process.kill(-child.pid, signal);
    // Windows has no process groups and a .cmd shim sits between us and the server: end the tree.
    else spawnSync("taskkill", ["/pid", String(child.pid), "/T", ...(signal === "SIGKILL" ? ["/F"] : [])], { stdio: "ignore" });
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

/** The shell convention: the code, or 128 + the signal's number. */
export function exitCodeOf(exit: UpstreamExit): number {
  if (exit.error) return 127;
  if (exit.code !== null) return exit.code;
  const number = exit.signal ? constants.signals[exit.signal] : undefined;
  return number !== undefined ? 128 + number : 1;
}

export function describeExit(exit: UpstreamExit): string {
  if (exit.error) return `could not be started (${exit.error.message})`;
  if (exit.code !== null) return `exited with code ${exit.code}`;
  return `was killed by ${exit.signal ?? "an unknown signal"}`;
}
