import type { Upstream } from "./spawn-upstream.js";

// The moment the upstream has started up, for work the wrapper can leave
// until then: probing the counter store, watching the policy, starting the
// audit trail's writer thread, the records' housekeeping. Done while the
// upstream starts, that work competes with it for the CPU (on a busy 2-core
// machine it put 60 ms on the client's first answer), and none of it is
// needed to relay that answer.

/** Past this, deferred work starts anyway: an upstream may take seconds to say anything (uvx fetching a package). */
export const STARTUP_GRACE_MS = 500;

/** Resolves once the upstream has written its first bytes, has exited, or graceMs have passed, whichever comes first. */
export function upstreamStartedUp(upstream: Upstream, graceMs = STARTUP_GRACE_MS): Promise<void> {
  return new Promise<void>((resolve) => {
    // Cleared at the first bytes or the exit, so it never keeps a finished wrapper waiting.
    const timer = setTimeout(resolve, graceMs);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    upstream.child.stdout.once("data", done);
    void upstream.exited.then(done);
  });
}
