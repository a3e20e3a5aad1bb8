import { ownCounter, TARGET_KINDS, type TargetKind } from "./target.js";
import type { CompiledLimit, CompiledPolicy, LimitDocument, PolicyProblem, Scope, WindowSpec } from "./types.js";

const NAMED_WINDOWS: Record<string, number> = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Timestamps are whole milliseconds: a shorter window would enforce nothing. */
const MIN_WINDOW_MS = 1;
/** Ten years: longer windows are typos, and keep the arithmetic exact. */
const MAX_WINDOW_MS = 10 * 365.25 * 86_400_000;

export function windowToMs(window: WindowSpec): number {
  return typeof window === "number" ? Math.round(window * 1000) : (NAMED_WINDOWS[window] as number);
}

/** Why a window of this many seconds cannot be enforced exactly, or undefined. */
function checkWindow(window: WindowSpec): string | undefined {
  if (typeof window !== "number") return undefined;
  const ms = window * 1000;
  if (Math.round(ms) < MIN_WINDOW_MS) return `window ${window} s is shorter than 1 ms, the clock's resolution: it would enforce nothing`;
  if (Math.abs(ms - Math.round(ms)) > 1e-6) return `window ${window} s is not a whole number of milliseconds`;
  if (ms > MAX_WINDOW_MS) return `window ${window} s is longer than ten years`;
  return undefined;
}

export function describeWindow(window: WindowSpec): string {
  return typeof window === "number" ? `${window}s` : window;
}

export function compileLimit(doc: LimitDocument, pointer: string): CompiledLimit {
  return {
    counter: doc.counter,
    windowMs: windowToMs(doc.window),
    windowLabel: describeWindow(doc.window),
    window: doc.window,
    max: doc.max,
    scope: doc.scope ?? "grant",
    pointer,
    perTarget: false,
  };
}

/**
 * Every limit's window can be enforced, and one counter is one budget: two
 * limits naming it must agree on its size and scope.
 */
export function checkLimits(limits: CompiledLimit[], problems: PolicyProblem[]): void {
  const first = new Map<string, CompiledLimit>();
  for (const limit of limits) {
    const badWindow = checkWindow(limit.window);
    if (badWindow) problems.push({ pointer: `${limit.pointer}/window`, message: badWindow });
    if (!Number.isSafeInteger(limit.max))
      problems.push({ pointer: `${limit.pointer}/max`, message: `max ${limit.max} is too large to count exactly` });
    // Counted under each target's own name: nothing to compare before a call names the target.
    if (limit.perTarget) continue;
    const seen = first.get(limit.counter);
    if (!seen) {
      first.set(limit.counter, limit);
      continue;
    }
    const differs: string[] = [];
    if (seen.windowMs !== limit.windowMs) differs.push(`window ${limit.windowLabel} vs ${seen.windowLabel}`);
    if (seen.max !== limit.max) differs.push(`max ${limit.max} vs ${seen.max}`);
    if (seen.scope !== limit.scope) differs.push(`scope ${limit.scope} vs ${seen.scope}`);
    if (differs.length > 0) {
      problems.push({
        pointer: limit.pointer,
        message: `counter "${limit.counter}" is also defined at ${seen.pointer} with a different ${differs.join(", ")}`,
      });
    }
  }
}

/**
 * `rate_limit: { max, window }`: one limit whose counter is named after the tool (or
 * prompt: target.ts ownCounter). On an exact rule that is the rule's key; on a glob rule
 * each matching target gets its own counter, named when the call names the target (a
 * shared budget is an explicit `limits` entry with one counter name).
 */
export function shorthandLimit(
  kind: TargetKind,
  key: string,
  perTarget: boolean,
  rate: { max: number; window: WindowSpec; scope?: Scope },
  pointer: string,
): CompiledLimit {
  const counter = ownCounter(kind, key);
  return { ...compileLimit({ counter, window: rate.window, max: rate.max, scope: rate.scope ?? "grant" }, pointer), perTarget };
}

/** Every limit the policy defines, all_tools first. */
export function listLimits(policy: CompiledPolicy): CompiledLimit[] {
  const limits: CompiledLimit[] = [];
  for (const kind of TARGET_KINDS) {
    const section = policy.sections[kind];
    limits.push(...section.sharedLimits);
    for (const rule of section.exact.values()) limits.push(...rule.limits);
    for (const { rule } of section.globs) limits.push(...rule.limits);
  }
  return limits;
}
