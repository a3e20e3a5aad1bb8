import type { Cause } from "../events/events.js";

// The result the agent sees for a refused call: a normal tools/call result with
// isError, so that clients show it to the model (many hide JSON-RPC errors),
// and the decision in _meta for programs.

export const DECISION_META_KEY = "policy-wrap/decision";

export interface DeniedCall {
  tool: string;
  rule: string;
  cause: Cause;
  reason: string;
  /** Facts that go with the cause (a rate limit's counter, max, retryAfterMs...). */
  details?: Record<string, unknown>;
}

export function denyResult(denied: DeniedCall): Record<string, unknown> {
  return {
    content: [{ type: "text", text: `[POLICY DENIED] ${denied.reason}` }],
    isError: true,
    _meta: {
      [DECISION_META_KEY]: {
        outcome: "deny",
        tool: denied.tool,
        cause: denied.cause,
        rule: denied.rule,
        reason: denied.reason,
        ...denied.details,
      },
    },
  };
}
