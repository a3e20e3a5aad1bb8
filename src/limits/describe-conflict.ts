import type { Conflict } from "./store.js";

// A counter defined two ways by two policies sharing a store. Counting with
// both windows would let each prune the other's calls, so the older policy's
// calls are refused, and this says why and what to do.

function size(windowMs: number, max: number): string {
  return `${max} per ${windowMs / 1000}s`;
}

export function describeConflict(conflicts: Conflict[]): string {
  const each = conflicts.map(
    ({ counter, stored, wanted }) =>
      `counter ${JSON.stringify(counter)} is defined as ${size(stored.windowMs, stored.max)} by a policy loaded later ` +
      `than this one, which says ${size(wanted.windowMs, wanted.max)}`,
  );
  return `${each.join("; ")}. Calls limited by it are refused until both policies agree: reload or restart this wrapper with the same definition, or give the counter another name`;
}
