import { listLimits } from "./compile-limits.js";
import { isVisible } from "./evaluate.js";
import type { CompiledPolicy } from "./types.js";

// What a reload changed, for the one-line log and for list_changed. Pure.

export interface PolicyChange {
  /** undefined when the client has not listed tools yet, so no visible set exists. */
  shown: string[] | undefined;
  hidden: string[] | undefined;
  limits: string[];
  /** Resources, resource templates and prompts the client listed whose visibility changed (lists without changes are left out). */
  lists?: ListChange[];
}

export interface ListChange {
  /** The list method: `resources/list`, `resources/templates/list`, `prompts/list`. */
  method: string;
  shown: string[];
  hidden: string[];
}

const LIST_WORDS: Record<string, string> = {
  "resources/list": "resources",
  "resources/templates/list": "resource templates",
  "prompts/list": "prompts",
};

export function describeChange(before: CompiledPolicy, after: CompiledPolicy, knownTools: readonly string[] | undefined): PolicyChange {
  const seen = (policy: CompiledPolicy, name: string) => isVisible(policy, { kind: "tool", name });
  const shown = knownTools?.filter((name) => !seen(before, name) && seen(after, name));
  const hidden = knownTools?.filter((name) => seen(before, name) && !seen(after, name));
  return { shown, hidden, limits: diffLimits(allLimits(before), allLimits(after)) };
}

export function visibleSetChanged(change: PolicyChange): boolean {
  return (change.shown?.length ?? 0) + (change.hidden?.length ?? 0) > 0;
}

export function formatChange(change: PolicyChange): string {
  const parts: string[] = [];
  if (change.shown === undefined || change.hidden === undefined) parts.push("visible tools: not listed by the client yet");
  else if (!visibleSetChanged(change)) parts.push("visible tools unchanged");
  else parts.push(`visible tools ${[...change.shown.map((n) => `+${n}`), ...change.hidden.map((n) => `-${n}`)].join(" ")}`);
  for (const list of change.lists ?? [])
    parts.push(
      `visible ${LIST_WORDS[list.method] ?? list.method} ${[...list.shown.map((n) => `+${n}`), ...list.hidden.map((n) => `-${n}`)].join(" ")}`,
    );
  parts.push(change.limits.length === 0 ? "limits unchanged" : `limits ${change.limits.join(", ")}`);
  return parts.join("; ");
}

function allLimits(policy: CompiledPolicy): Map<string, string> {
  return new Map(
    listLimits(policy).map((l) => [
      l.perTarget ? `${l.counter} (each ${l.counter.startsWith("prompt:") ? "prompt" : "tool"})` : l.counter,
      `${l.max}/${l.windowLabel}${l.scope === "session" ? " per session" : ""}`,
    ]),
  );
}

function diffLimits(before: Map<string, string>, after: Map<string, string>): string[] {
  const changes: string[] = [];
  for (const [counter, size] of after) {
    const old = before.get(counter);
    if (old === undefined) changes.push(`+${counter} (${size})`);
    else if (old !== size) changes.push(`${counter} ${old} -> ${size}`);
  }
  for (const counter of before.keys()) if (!after.has(counter)) changes.push(`-${counter}`);
  return changes;
}
