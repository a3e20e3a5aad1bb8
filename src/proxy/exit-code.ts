import { exitCodeOf, type UpstreamExit } from "../upstream/spawn-upstream.js";

// The code policy-wrap exits with, as docs/cli.md documents it. The client's
// EOF and the upstream's end can reach the wrapper in either order (a client
// started with </dev/null closes stdin before the spawn has even failed), so
// the code depends on what happened, never on which was noticed first.

export interface HowItEnded {
  /** The client closed stdin or stopped reading, and the wrapper began the shutdown. */
  clientLeft: boolean;
  /** A signal the wrapper received and forwarded. */
  signal: NodeJS.Signals | undefined;
}

export function wrapperExitCode(exit: UpstreamExit, how: HowItEnded): number {
  if (how.signal) return exitCodeOf({ code: null, signal: how.signal });
  // Could not start, or died of a signal the wrapper never sent: the upstream's failure, whoever left first.
  if (exit.error || (exit.signal !== null && !exit.signalled)) return exitCodeOf(exit);
  // An orderly shutdown: 0, or the upstream's own non-zero code.
  if (how.clientLeft) return exit.code ?? 0;
  return exitCodeOf(exit);
}
