import type { Decision } from "./channel.js";

// What the agent reads when a held call is refused, and what stderr says.
// Each says which channel decided and who, with the person's own words.

const VIA: Record<string, string> = {
  cli: "policy-wrap deny",
  dashboard: "the policy-wrap dashboard",
};

export function approveCommand(id: string, flags: readonly string[]): string {
  return ["policy-wrap", "approve", id, ...flags].join(" ");
}

export function timedOutReason(tool: string, timeoutMs: number): string {
  return `No one approved the call to "${tool}" within ${Math.round(timeoutMs / 1000)} s.`;
}

export function unavailableReason(tool: string, recordsFault: string | undefined): string {
  return (
    `Tool "${tool}" requires human approval, and nobody can be asked: this client cannot ask for it (it does not support MCP elicitation)` +
    (recordsFault === undefined ? "" : ` and the approval cannot be held for \`policy-wrap approve\` (${recordsFault})`) +
    `. To allow the tool without approval, set its "action" to "allow" in the policy; to keep it blocked, set "action": "deny".`
  );
}

/** The words for a refusal decided by a person (declined) or by the wrapper (dismissed, failed, timed out...). */
export function refusalReason(tool: string, decision: Decision): string {
  if (decision.reason !== undefined) return decision.reason;
  if (decision.answer === "declined") {
    if (decision.channel === "elicitation") return `The user declined the call to "${tool}".`;
    const note = decision.note ? `: ${decision.note}` : ".";
    return `${decision.by} denied the call to "${tool}" with ${VIA[decision.channel] ?? decision.channel}${note}`;
  }
  if (decision.answer === "abandoned") return `The approval for "${tool}" was abandoned.`;
  return `The call to "${tool}" was not approved (${decision.answer}).`;
}
