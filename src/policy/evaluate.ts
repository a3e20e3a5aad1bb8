import { denies, isMet } from "./conditions.js";
import { findRule, hiddenBy, readTarget, type Reading } from "./match-target.js";
import { KIND_NOUN, ownCounter, SECTION, type Target, type TargetKind } from "./target.js";
import type { CompiledLimit, CompiledPolicy, CompiledRule, CompiledSection } from "./types.js";

// The decision for one call (a tools/call, a resources/read, a prompts/get),
// from the policy and the call alone: no I/O, no clock. Quotas and approval are
// the gate's business; the decision only says which limits apply and whether a
// human must approve. Each reading of the target's name (match-target) is
// judged; any refusal refuses, and an allowed call collects every reading's
// limits and approval.

export interface TargetCall extends Target {
  arguments: unknown;
}

export type DenyCause = "hidden" | "default" | "rule" | "condition" | "arguments" | "uri";

export type Decision =
  | { outcome: "allow"; target: Target; rule: string; limits: CompiledLimit[]; needsApproval: boolean }
  | { outcome: "deny"; target: Target; rule: string; cause: DenyCause; reason: string };

type Allowed = Extract<Decision, { outcome: "allow" }>;
type Denied = Extract<Decision, { outcome: "deny" }>;
type Visibility =
  | { visible: true; rule: CompiledRule | undefined }
  | { visible: false; cause: "hidden" | "default" | "rule"; pointer: string; rule?: CompiledRule };

function visibility(section: CompiledSection, reading: Reading): Visibility {
  const hidden = hiddenBy(reading.index, reading.name);
  if (hidden !== undefined) return { visible: false, cause: "hidden", pointer: hidden };
  const rule = findRule(reading.index, reading.name);
  if (!rule)
    return section.defaultAction === "allow"
      ? { visible: true, rule }
      : { visible: false, cause: "default", pointer: section.defaultPointer };
  if (rule.action === "deny") return { visible: false, cause: "rule", pointer: rule.pointer, rule };
  return { visible: true, rule };
}

/** Whether a list shows the target: exactly the targets a call could reach. */
export function isVisible(policy: CompiledPolicy, target: Target): boolean {
  return refusedOutright(policy, target) === undefined;
}

/** The refusal of every call to the target whatever its arguments (hidden, default, a deny rule, an unreadable URI), if any. */
export function refusedOutright(policy: CompiledPolicy, target: Target): Denied | undefined {
  const section = policy.sections[target.kind];
  const read = readTarget(section, target.kind, target.name);
  if (!read.ok) return section.governed ? unreadable(target, read.why) : undefined;
  for (const reading of read.readings) {
    const seen = visibility(section, reading);
    if (!seen.visible) return refusal(target, seen);
  }
  return undefined;
}

function unreadable(target: Target, why: string): Denied {
  const reason = `${KIND_NOUN[target.kind]} "${target.name}" cannot be checked against the policy: it ${why}.`;
  return { outcome: "deny", target, rule: `/${SECTION[target.kind].rules}`, cause: "uri", reason };
}

function refusal(target: Target, seen: Extract<Visibility, { visible: false }>): Denied {
  const noun = `${KIND_NOUN[target.kind]} "${target.name}"`;
  const reason =
    seen.cause === "hidden"
      ? `${noun} is hidden by policy.`
      : seen.cause === "default"
        ? `${noun} is not permitted by the default policy.`
        : (seen.rule?.reason ?? `${noun} is denied by policy.`);
  return { outcome: "deny", target, rule: seen.pointer, cause: seen.cause, reason };
}

/** The rule the target's name falls under as written (for explain), if any. */
export function ruleFor(policy: CompiledPolicy, target: Target): CompiledRule | undefined {
  const section = policy.sections[target.kind];
  const read = readTarget(section, target.kind, target.name);
  return read.ok && read.readings[0] ? findRule(read.readings[0].index, read.readings[0].name) : undefined;
}

export function evaluate(policy: CompiledPolicy, call: TargetCall): Decision {
  const section = policy.sections[call.kind];
  const target: Target = { kind: call.kind, name: call.name };
  const read = readTarget(section, call.kind, call.name);
  if (!read.ok) {
    if (!section.governed) return { outcome: "allow", target, rule: section.defaultPointer, limits: [], needsApproval: false };
    return unreadable(target, read.why);
  }
  let first: Allowed | undefined;
  const limits = new Map<string, CompiledLimit>();
  let needsApproval = false;
  for (const reading of read.readings) {
    const decision = evaluateReading(section, reading, target, call.arguments ?? {});
    if (decision.outcome === "deny") return decision;
    first ??= decision;
    needsApproval ||= decision.needsApproval;
    for (const limit of decision.limits)
      if (!limits.has(`${limit.pointer}\u0000${limit.counter}`)) limits.set(`${limit.pointer}\u0000${limit.counter}`, limit);
  }
  return { ...(first as Allowed), limits: [...limits.values()], needsApproval };
}

function evaluateReading(section: CompiledSection, reading: Reading, target: Target, args: unknown): Decision {
  const { kind, name } = target;
  const noun = `${KIND_NOUN[kind]} "${name}"`;
  const seen = visibility(section, reading);
  if (!seen.visible) return refusal(target, seen);
  const rule = seen.rule;
  if (!rule) return { outcome: "allow", target, rule: section.defaultPointer, limits: section.sharedLimits, needsApproval: false };

  const called = kind === "tool" ? "called" : "requested";
  const deniedBy = rule.denyIf.find((group) => denies(group, args));
  if (deniedBy)
    return {
      outcome: "deny",
      target,
      rule: deniedBy.pointer,
      cause: "condition",
      reason: deniedBy.onDeny ?? `${noun} was ${called} with arguments the policy denies.`,
    };
  const unmet = rule.require.find((group) => !isMet(group, args));
  if (unmet)
    return {
      outcome: "deny",
      target,
      rule: unmet.pointer,
      cause: "condition",
      reason: unmet.onDeny ?? `${noun} was ${called} without arguments the policy requires.`,
    };

  if (rule.validateArguments && !rule.validateArguments(args)) {
    const why = (rule.validateArguments.errors ?? [])
      .map((e) => `arguments${e.instancePath.replace(/\//g, ".")} ${e.message ?? "is invalid"}`)
      .join("; ");
    return {
      outcome: "deny",
      target,
      rule: `${rule.pointer}/arguments`,
      cause: "arguments",
      reason: `Arguments for "${name}" do not satisfy the policy: ${why}.`,
    };
  }
  return {
    outcome: "allow",
    target,
    rule: rule.pointer,
    limits: [...ownLimits(rule, kind, name), ...section.sharedLimits],
    needsApproval: rule.action === "require_approval",
  };
}

function ownLimits(rule: CompiledRule, kind: TargetKind, name: string): CompiledLimit[] {
  if (!rule.hasPerTargetLimits) return rule.limits;
  return rule.limits.map((limit) => (limit.perTarget ? { ...limit, counter: ownCounter(kind, name), perTarget: false } : limit));
}
