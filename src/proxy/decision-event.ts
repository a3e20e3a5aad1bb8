import type { CallRef, DecisionEvent } from "../events/events.js";
import type { TargetCall } from "../policy/evaluate.js";
import type { PolicyInForce } from "./policy-in-force.js";
import type { ClientRequest } from "./relay-context.js";

/** The verdict part of a decision event: what was decided, by which part of the policy, and why. */
export type Verdict = Pick<DecisionEvent, "outcome" | "rule" | "cause" | "reason" | "details">;

/** The one decision event for a request, with the policy that decided it. */
export function buildDecision(
  request: ClientRequest,
  ref: CallRef,
  call: TargetCall,
  inForce: PolicyInForce,
  verdict: Verdict,
  at: number,
): DecisionEvent {
  return {
    type: "decision",
    at,
    ...ref,
    ...verdict,
    arguments: call.arguments,
    policy: inForce.policy.fingerprint,
    mode: inForce.mode,
    requestBytes: request.raw.length,
    raw: request.raw,
  };
}
