import type { Upstream } from "./spawn-upstream.js";

// The MCP lifecycle's shutdown for stdio: close the server's stdin, give it
// time to exit, then SIGTERM, then SIGKILL, always to the whole process tree.

export const GRACE_MS = 2000;

function exitedWithin(upstream: Upstream, ms: number): Promise<boolean> {
  if (upstream.hasExited()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void upstream.exited.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function stopUpstream(upstream: Upstream, graceMs = GRACE_MS): Promise<void> {
  upstream.child.stdin.end();
  if (await exitedWithin(upstream, graceMs)) return;
  upstream.signal("SIGTERM");
  if (await exitedWithin(upstream, graceMs)) return;
  upstream.signal("SIGKILL");
  await upstream.exited;
}

/** After a signal was forwarded: the upstream gets its grace, then SIGKILL. */
export async function killAfterGrace(upstream: Upstream, graceMs = GRACE_MS): Promise<void> {
  if (await exitedWithin(upstream, graceMs)) return;
  upstream.signal("SIGKILL");
}
