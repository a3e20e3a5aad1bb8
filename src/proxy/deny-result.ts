import type { Cause } from "../events/events.js";
import type { Target } from "../policy/target.js";

// What the client gets for a refused call. A tools/call gets a normal result
// with isError, so that clients show it to the model (many hide JSON-RPC
// errors), and the decision in _meta for programs. A resources/read,
// resources/subscribe or prompts/get has no error result to carry it: it gets
// a JSON-RPC error whose message starts like the tool's text and whose data is
// the same decision object.

export const DECISION_META_KEY = "policy-wrap/decision";
/** Server-defined range: the policy refused the request (resources and prompts; tools get an isError result). */
export const POLICY_DENIED = -32003;

export interface DeniedCall {
  rule: string;
  cause: Cause;
  reason: string;
  /** Facts that go with the cause (a rate limit's counter, max, retryAfterMs...). */
  details?: Record<string, unknown>;
}

/** The decision object: `{ outcome, tool | resource | prompt, cause, rule, reason, ...details }`. */
export function decisionObject(target: Target, denied: DeniedCall): Record<string, unknown> {
  return {
    outcome: "deny",
    [target.kind]: target.name,
    cause: denied.cause,
    rule: denied.rule,
    reason: denied.reason,
    ...denied.details,
  };
}

export function denyResult(target: Target, denied: DeniedCall): Record<string, unknown> {
  return {
    content: [{ type: "text", text: `[POLICY DENIED] ${denied.reason}` }],
    isError: true,
    _meta: { [DECISION_META_KEY]: decisionObject(target, denied) },
  };
}

export function denyError(target: Target, denied: DeniedCall): { code: number; message: string; data: Record<string, unknown> } {
  return { code: POLICY_DENIED, message: `[POLICY DENIED] ${denied.reason}`, data: decisionObject(target, denied) };
}
