import { KIND_NOUN, type Target } from "../policy/target.js";
import type { CompiledLimit } from "../policy/types.js";

// What the agent reads when the gate itself refuses a call (the policy's own
// reasons come from the policy). Kept here so the control flow stays short.

export function rateLimitReason(tool: string, limit: CompiledLimit, retryAfterMs: number): string {
  return (
    `Rate limit reached for ${tool}: ${limit.max} calls per ${limit.windowLabel} (counter ${limit.counter}). ` +
    `Retry in ${Math.ceil(retryAfterMs / 1000)}s.`
  );
}

export function storeFaultReason(tool: string, fault: string): string {
  return `The rate limit for "${tool}" cannot be checked (${fault}), so the call was refused.`;
}

export function changedWhileWaitingReason(reason: string): string {
  return `The policy changed while the call waited for approval, and no longer allows it: ${reason}`;
}

export function monitorApprovalReason(target: Target): string {
  return `${KIND_NOUN[target.kind]} "${target.name}" requires human approval; in monitor mode no one is asked and the call goes on.`;
}

export function auditRequiredReason(tool: string, problem: string): string {
  return `The call to "${tool}" was refused because the audit trail cannot record it (${problem}) and --audit-required is set.`;
}

export function tooLongToShowReason(tool: string, length: number, max: number): string {
  return (
    `The call to "${tool}" needs approval, but its arguments (${length} characters) are longer than a person can be shown ` +
    `(at most ${max}); it was refused rather than approved unseen.`
  );
}
