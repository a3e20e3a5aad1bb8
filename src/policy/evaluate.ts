import { denies, isMet } from "./conditions.js";
import type { CompiledLimit, CompiledPolicy, CompiledRule } from "./types.js";

// The decision for one call, from the policy and the call alone: no I/O, no
// clock. Quotas and approval are the gate's business; the decision only says
// which limits apply and whether a human must approve.

export interface ToolCall {
  name: string;
  arguments: unknown;
}

export type DenyCause = "hidden" | "default" | "rule" | "condition" | "arguments";

export type Decision =
  | { outcome: "allow"; tool: string; rule: string; limits: CompiledLimit[]; needsApproval: boolean }
  | { outcome: "deny"; tool: string; rule: string; cause: DenyCause; reason: string };

type Visibility =
  | { visible: true; rule: CompiledRule | undefined }
  | { visible: false; cause: "hidden" | "default" | "rule"; pointer: string; rule?: CompiledRule };

export function findRule(policy: CompiledPolicy, name: string): CompiledRule | undefined {
  const exact = policy.exact.get(name);
  if (exact) return exact;
  return policy.globs.find(({ glob }) => glob.regex.test(name))?.rule;
}

function hiddenBy(policy: CompiledPolicy, name: string): string | undefined {
  return policy.hideExact.get(name) ?? policy.hideGlobs.find(({ glob }) => glob.regex.test(name))?.pointer;
}

function visibility(policy: CompiledPolicy, name: string): Visibility {
  const hidden = hiddenBy(policy, name);
  if (hidden !== undefined) return { visible: false, cause: "hidden", pointer: hidden };
  const rule = findRule(policy, name);
  if (!rule) return policy.defaultAction === "allow" ? { visible: true, rule } : { visible: false, cause: "default", pointer: "/default" };
  if (rule.action === "deny") return { visible: false, cause: "rule", pointer: rule.pointer, rule };
  return { visible: true, rule };
}

/** Whether tools/list shows the tool: exactly the tools a call could reach. */
export function isVisible(policy: CompiledPolicy, name: string): boolean {
  return visibility(policy, name).visible;
}

export function evaluate(policy: CompiledPolicy, call: ToolCall): Decision {
  const tool = call.name;
  const seen = visibility(policy, tool);
  if (!seen.visible) {
    const reason =
      seen.cause === "hidden"
        ? `Tool "${tool}" is hidden by policy.`
        : seen.cause === "default"
          ? `Tool "${tool}" is not permitted by the default policy.`
          : (seen.rule?.reason ?? `Tool "${tool}" is denied by policy.`);
    return { outcome: "deny", tool, rule: seen.pointer, cause: seen.cause, reason };
  }
  const rule = seen.rule;
  if (!rule) return { outcome: "allow", tool, rule: "/default", limits: policy.allToolsLimits, needsApproval: false };

  const args = call.arguments ?? {};
  const deniedBy = rule.denyIf.find((group) => denies(group, args));
  if (deniedBy)
    return {
      outcome: "deny",
      tool,
      rule: deniedBy.pointer,
      cause: "condition",
      reason: deniedBy.onDeny ?? `Tool "${tool}" was called with arguments the policy denies.`,
    };
  const unmet = rule.require.find((group) => !isMet(group, args));
  if (unmet)
    return {
      outcome: "deny",
      tool,
      rule: unmet.pointer,
      cause: "condition",
      reason: unmet.onDeny ?? `Tool "${tool}" was called without arguments the policy requires.`,
    };

  if (rule.validateArguments && !rule.validateArguments(args)) {
    const why = (rule.validateArguments.errors ?? [])
      .map((e) => `arguments${e.instancePath.replace(/\//g, ".")} ${e.message ?? "is invalid"}`)
      .join("; ");
    return {
      outcome: "deny",
      tool,
      rule: `${rule.pointer}/arguments`,
      cause: "arguments",
      reason: `Arguments for "${tool}" do not satisfy the policy: ${why}.`,
    };
  }
  const own = rule.hasPerToolLimits
    ? rule.limits.map((limit) => (limit.perTool ? { ...limit, counter: tool, perTool: false } : limit))
    : rule.limits;
  return {
    outcome: "allow",
    tool,
    rule: rule.pointer,
    limits: [...own, ...policy.allToolsLimits],
    needsApproval: rule.action === "require_approval",
  };
}
