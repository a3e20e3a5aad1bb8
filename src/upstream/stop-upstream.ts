import type { Upstream } from "./spawn-upstream.js";

// Shutting the upstream down, always the whole process tree: a launcher such
// as npx or uvx may exit and leave the real server running in its group, so
// every step waits for the tree, not for the direct child. Each path ends with
// nothing of the tree left running: SIGTERM, a grace, then SIGKILL.

export const GRACE_MS = 2000;
/** A process group has no exit event: while waiting for one to empty, look this often. */
const POLL_MS = 25;

/** True once nothing of the tree runs, false if something still does after `ms`. */
async function treeEnded(upstream: Upstream, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (upstream.treeRuns()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return true;
}

async function terminate(upstream: Upstream, graceMs: number): Promise<void> {
  upstream.signal("SIGTERM");
  if (await treeEnded(upstream, graceMs)) return;
  upstream.signal("SIGKILL");
  await treeEnded(upstream, graceMs);
}

/** The MCP lifecycle's shutdown for stdio: EOF on the server's stdin, a grace, then SIGTERM, a grace, SIGKILL. */
export async function stopUpstream(upstream: Upstream, graceMs = GRACE_MS): Promise<void> {
  upstream.child.stdin.end();
  if (await treeEnded(upstream, graceMs)) return;
  await terminate(upstream, graceMs);
}

/** After a signal was forwarded to the tree: a grace, then SIGKILL. */
export async function killAfterGrace(upstream: Upstream, graceMs = GRACE_MS): Promise<void> {
  if (await treeEnded(upstream, graceMs)) return;
  upstream.signal("SIGKILL");
  await treeEnded(upstream, graceMs);
}

/** The upstream ended on its own, or policy-wrap is failing: what is left of its tree goes too. */
export async function reapTree(upstream: Upstream, graceMs = GRACE_MS): Promise<void> {
  if (!upstream.treeRuns()) return;
  await terminate(upstream, graceMs);
}
