import { evaluate, isVisible, ruleFor, type DenyCause } from "../policy/evaluate.js";
import { ownCounter, type Target, type TargetKind } from "../policy/target.js";
import type { CompiledCondition, CompiledGroup, CompiledLimit, CompiledPolicy } from "../policy/types.js";

// What `explain` says about one live tool: whether tools/list shows it, the
// decision for a call with no arguments and the pointer that decides it, and
// everything that would apply to a call that gets further: approval, limits,
// conditions, the arguments schema. Pure: the policy and the name alone.

export interface LimitView {
  counter: string;
  max: number;
  window: string;
  scope: string;
  pointer: string;
}

export interface ConditionsView {
  kind: "require" | "deny_if";
  pointer: string;
  conditions: string[];
  onDeny?: string;
}

export interface ToolExplanation {
  name: string;
  visible: boolean;
  /** The rule the name falls under (exact or glob), if any. */
  rule?: string;
  call: { outcome: "allow" | "deny"; by: string; cause?: DenyCause; reason?: string };
  /** Whether an allowed call waits for a person's approval. */
  approval: boolean;
  limits: LimitView[];
  conditions: ConditionsView[];
  /** Pointer of the arguments schema the call must satisfy, if any. */
  argumentsSchema?: string;
}

function viewLimit(limit: CompiledLimit, kind: TargetKind, name: string): LimitView {
  return {
    counter: limit.perTarget ? ownCounter(kind, name) : limit.counter,
    max: limit.max,
    window: limit.windowLabel,
    scope: limit.scope,
    pointer: limit.pointer,
  };
}

function showCondition(condition: CompiledCondition): string {
  const path = ["args", ...condition.path].join(".");
  return condition.op === "exists"
    ? `${path} exists: ${String(condition.value)}`
    : `${path} ${condition.op} ${JSON.stringify(condition.value)}`;
}

function viewGroups(kind: ConditionsView["kind"], groups: CompiledGroup[]): ConditionsView[] {
  return groups.map((group) => ({
    kind,
    pointer: group.pointer,
    conditions: group.conditions.map(showCondition),
    ...(group.onDeny === undefined ? {} : { onDeny: group.onDeny }),
  }));
}

export function explainTool(policy: CompiledPolicy, name: string): ToolExplanation {
  return explainTarget(policy, { kind: "tool", name });
}

/** The same for a resource URI (a read) or a prompt (a get with no arguments). */
export function explainTarget(policy: CompiledPolicy, target: Target): ToolExplanation {
  const { name } = target;
  const decision = evaluate(policy, { ...target, arguments: {} });
  const visible = isVisible(policy, target);
  const rule = ruleFor(policy, target);
  const call: ToolExplanation["call"] =
    decision.outcome === "allow"
      ? { outcome: "allow", by: decision.rule }
      : { outcome: "deny", by: decision.rule, cause: decision.cause, reason: decision.reason };
  // A tool no call can reach has nothing else that applies.
  if (!visible) return { name, visible, ...(rule ? { rule: rule.pointer } : {}), call, approval: false, limits: [], conditions: [] };
  const shared = policy.sections[target.kind].sharedLimits;
  const limits = [...(rule?.limits ?? []), ...shared].map((limit) => viewLimit(limit, target.kind, name));
  return {
    name,
    visible,
    ...(rule ? { rule: rule.pointer } : {}),
    call,
    approval: rule?.action === "require_approval",
    limits,
    conditions: rule ? [...viewGroups("deny_if", rule.denyIf), ...viewGroups("require", rule.require)] : [],
    ...(rule?.validateArguments ? { argumentsSchema: `${rule.pointer}/arguments` } : {}),
  };
}

/** The decision in a few words, for the table. */
export function describeCall(explanation: ToolExplanation): string {
  const { call } = explanation;
  if (call.outcome === "deny") return `denied (${call.cause ?? "rule"})`;
  return explanation.approval ? "allowed after approval" : "allowed";
}

/** The lines under a tool's row: the reason for a refusal, then what would apply to a call that gets further. */
export function detailLines(explanation: ToolExplanation): string[] {
  const lines: string[] = [];
  // A hidden or unlisted tool's reason says no more than its cause; the others are the policy's own words.
  const { reason, cause } = explanation.call;
  if (reason !== undefined && cause !== "hidden" && cause !== "default") lines.push(`reason: ${reason}`);
  if (explanation.approval) lines.push("approval: a person is asked before each call runs");
  for (const limit of explanation.limits)
    lines.push(
      `limit: counter ${JSON.stringify(limit.counter)}, ${limit.max} per ${limit.window}, ${limit.scope} scope (${limit.pointer})`,
    );
  for (const group of explanation.conditions) {
    const onDeny =
      group.onDeny === undefined ? "" : `; ${group.kind === "require" ? "otherwise refused" : "refused"} with: ${group.onDeny}`;
    lines.push(`${group.kind} (${group.pointer}): ${group.conditions.join(" and ")}${onDeny}`);
  }
  if (explanation.argumentsSchema !== undefined) lines.push(`arguments: checked against the schema at ${explanation.argumentsSchema}`);
  return lines;
}
