import type { CallRef, CallResult, DecisionEvent, WrapperEvent } from "../events/events.js";
import { findCaseVariantKey, isRecord } from "../jsonrpc/message.js";
import { INTERNAL_ERROR } from "../jsonrpc/wire-errors.js";
import type { Limiter } from "../limits/limiter.js";
import type { PinVerdict } from "../pins/pin-reasons.js";
import type { Ticket } from "../limits/store.js";
import { evaluate, type Decision, type TargetCall } from "../policy/evaluate.js";
import { targetAction, targetLabel } from "../policy/target.js";
import type { Approvals } from "../approvals/approvals.js";
import type { LimitOutcome } from "../limits/limiter.js";
import { STORED_ARGUMENT_CHARS } from "../approvals/pending-store.js";
import { elicitationChannel, fitsInForm, keepAlive } from "./approval.js";
import { exactArgumentsText } from "./exact-arguments.js";
import { readContentsFilter } from "./read-contents.js";
import {
  auditRequiredReason,
  changedWhileWaitingReason,
  monitorApprovalReason,
  rateLimitReason,
  storeFaultReason,
  tooLongToShowReason,
} from "./call-reasons.js";
import { buildDecision, type Verdict } from "./decision-event.js";
import { denyError, denyResult, type DeniedCall } from "./deny-result.js";
import type { PolicyInForce } from "./policy-in-force.js";
import type { CallEnd, ClientRequest, RelayContext } from "./relay-context.js";
import type { RequestRefusals } from "./refuse-request.js";

// One call (a tools/call, resources/read, resources/subscribe or prompts/get),
// from the policy's verdict to the end of the call: decide (the policy, then a
// tool's pin) -> (peek at the limits -> hold for approval -> decide again) ->
// charge the limits -> forward -> settle.
// Every refusal and every admission is one decision event; every forwarded
// call ends in one call_end event. In monitor mode a refusal by the policy
// becomes a would_deny decision and the call is forwarded all the same.

const CALL_PARAMS = ["name", "arguments", "_meta", "task"];
/** JSON-RPC errors a server sends before it runs anything: the call provably never ran. */
const NEVER_RAN_CODES = new Set([-32700, -32600, -32601, -32602]);

type Allowed = Extract<Decision, { outcome: "allow" }>;

export interface TargetCallsOptions {
  /** The policy in force now (it may change between two steps of one call). */
  inForce(): PolicyInForce;
  /** The upstream's name: its serverInfo.name, or its command until it answered initialize. */
  serverName(): string;
  /** Whether the client can be asked with a form (and may be: --no-elicitation says not). */
  clientCanElicit(): boolean;
  limiter: Limiter;
  /** Holds calls that need a person, and races the channels that can ask one. */
  approvals: Approvals;
  emit: (event: WrapperEvent) => void;
  clock: () => number;
  approvalTimeoutMs: number;
  /**
   * With --audit-required: records a decision before its call is forwarded.
   * Resolves to undefined once the record is written, or to the problem that
   * kept it from being written (the call is then refused).
   */
  recordFirst?: (decision: DecisionEvent) => Promise<string | undefined>;
  /** Resolves once the tool definitions are known well enough to check a call against its pin; undefined when they are. */
  pinsReady(relay: RelayContext): Promise<void> | undefined;
  /** Whether the tool's definition is still the approved one (sync: the definitions are known). */
  pinVerdict(name: string): PinVerdict;
  /** Where params that cannot be read one way only are refused and recorded. */
  refusals: RequestRefusals;
}

export class TargetCalls {
  readonly #o: TargetCallsOptions;

  constructor(options: TargetCallsOptions) {
    this.#o = options;
  }

  handle(request: ClientRequest, relay: RelayContext): void {
    const params = request.params;
    const name = isRecord(params) && typeof params.name === "string" ? params.name : undefined;
    const malformed = (message: string) => this.#o.refusals.malformed(request, relay, { kind: "tool", name: name ?? "" }, message);
    if (!isRecord(params) || name === undefined) return malformed('Invalid params: tools/call needs a string "name"');
    // A case-insensitive parser upstream could read "Name" instead of the name checked here.
    const variant = findCaseVariantKey(params, CALL_PARAMS);
    if (variant !== undefined) return malformed(`Invalid params: ambiguous member "${variant}"`);
    if (params.arguments !== undefined && !isRecord(params.arguments)) return malformed("Invalid params: arguments must be an object");
    this.run(request, relay, { kind: "tool", name, arguments: params.arguments });
  }

  /** Decides a call whose params have been checked (see target-params for resources and prompts), and carries the decision out. */
  run(request: ClientRequest, relay: RelayContext, call: TargetCall): void {
    const ref: CallRef = { method: request.method, target: { kind: call.kind, name: call.name }, requestId: request.idRaw };
    // Pins are about tool definitions: only a tool waits for them.
    const ready = call.kind === "tool" ? this.#o.pinsReady(relay) : undefined;
    if (!ready) this.#decide(request, relay, ref, call);
    else
      void ready
        .then(() => this.#decide(request, relay, ref, call))
        .catch((error: unknown) => relay.fail(request, INTERNAL_ERROR, `Internal error in policy-wrap: ${String(error)}`));
  }

  #decide(request: ClientRequest, relay: RelayContext, ref: CallRef, call: TargetCall): void {
    const inForce = this.#o.inForce();
    const decision = evaluate(inForce.policy, call);
    if (decision.outcome === "deny") {
      this.#refuse(request, relay, ref, call, inForce, decision);
      return;
    }
    // Before approval and limits: nobody is asked about, and no quota spent on, a definition nobody approved.
    const held = this.#pinRefusal(call);
    if (held) this.#refuse(request, relay, ref, call, inForce, held);
    else if (!decision.needsApproval) void this.#admit(request, relay, ref, call, inForce, decision);
    else if (inForce.mode === "monitor") {
      // Asking a human would interrupt the workday monitor mode promises to leave alone.
      const reason = monitorApprovalReason(ref.target);
      this.#refuse(request, relay, ref, call, inForce, { rule: decision.rule, cause: "approval", reason });
    } else void this.#approveThenAdmit(request, relay, ref, call, inForce, decision);
  }

  async #approveThenAdmit(
    request: ClientRequest,
    relay: RelayContext,
    ref: CallRef,
    call: TargetCall,
    inForce: PolicyInForce,
    decision: Allowed,
  ): Promise<void> {
    // Nobody is asked to approve a call that its rate limit would refuse right now (nothing is charged yet).
    const peeked = await this.#o.limiter.peek(decision.limits, inForce.epoch);
    if (!peeked.admitted) {
      this.#refuseLimited(request, relay, ref, call, inForce, decision, peeked);
      return;
    }
    const server = this.#o.serverName();
    const label = targetLabel(ref.target);
    // A person approves the text the upstream will read, whole, or nobody is asked.
    const argumentsText = exactArgumentsText(request);
    if (argumentsText.length > STORED_ARGUMENT_CHARS) {
      const reason = tooLongToShowReason(label, argumentsText.length, STORED_ARGUMENT_CHARS);
      this.#deny(request, relay, ref, call, inForce, { rule: decision.rule, cause: "approval", reason });
      return;
    }
    const question = {
      tool: label,
      what: targetAction(ref.target, ref.method),
      arguments: argumentsText,
      server: `the MCP server ${JSON.stringify(server)}`,
    };
    const stopBeating = keepAlive(relay, request, label, this.#o.approvalTimeoutMs);
    const verdict = await this.#o.approvals.hold({
      ref,
      server,
      tool: label,
      arguments: argumentsText,
      rule: decision.rule,
      clientChannels: (approval) =>
        this.#o.clientCanElicit() && fitsInForm(question)
          ? [elicitationChannel(relay, { ...question, approvalId: approval?.id, approveCommand: approval?.command })]
          : [],
      onCancel: (handler) => relay.onCancel(request, handler),
    });
    stopBeating();
    // Cancelled by the client (owed no answer) or by the wrapper's stop (the relay answers what is left):
    // recorded as the refusal it is, so that every call has its decision.
    if (verdict.decision.answer === "cancelled") {
      const refused = { outcome: "deny" as const, rule: decision.rule, cause: "approval" as const, reason: verdict.reason };
      this.#o.emit(this.#decision(request, ref, call, this.#o.inForce(), refused));
      return;
    }
    // Judged again against the policy in force now: a reload may have hidden or denied the tool meanwhile,
    // and against the tool's definition now (the upstream may have changed it while a person looked).
    await this.#o.pinsReady(relay);
    const now = this.#o.inForce();
    if (verdict.decision.answer !== "approved") {
      // A human's no stands in monitor mode too (the policy may have switched modes meanwhile).
      const rule = evaluate(now.policy, call).rule;
      this.#deny(request, relay, ref, call, now, { rule, cause: "approval", reason: verdict.reason });
      return;
    }
    const again = evaluate(now.policy, call);
    if (again.outcome === "deny") {
      const reason = changedWhileWaitingReason(again.reason);
      this.#refuse(request, relay, ref, call, now, { ...again, reason });
      verdict.settle("refused", reason);
      return;
    }
    const held = this.#pinRefusal(call);
    if (held) {
      this.#refuse(request, relay, ref, call, now, held);
      verdict.settle("refused", held.reason);
      return;
    }
    const refused = await this.#admit(request, relay, ref, call, now, again);
    verdict.settle(refused === undefined ? "forwarded" : "refused", refused);
  }

  /** The refusal when the tool's definition is not the approved one (or cannot be checked); undefined when it is. */
  #pinRefusal(call: TargetCall): DeniedCall | undefined {
    // Pins are tool definitions; resources and prompts have none (issue 15 keeps pinning to tools).
    if (call.kind !== "tool") return undefined;
    const verdict = this.#o.pinVerdict(call.name);
    if (verdict.ok) return undefined;
    const { cause, reason, details } = verdict;
    return { rule: "/pin", cause, reason, details };
  }

  /** Charges the limits and forwards; returns the reason when the call was not forwarded (refused, or cancelled meanwhile). */
  async #admit(
    request: ClientRequest,
    relay: RelayContext,
    ref: CallRef,
    call: TargetCall,
    inForce: PolicyInForce,
    decision: Allowed,
  ): Promise<string | undefined> {
    const allow = { outcome: "allow" as const, rule: decision.rule };
    const approvedRule = decision.needsApproval ? decision.rule : undefined;
    if (decision.limits.length === 0) return this.#forward(request, relay, ref, call, inForce, allow, undefined, approvedRule);
    // Last, so that a call refused for any other reason consumes no quota. A refusal
    // charges nothing, so in monitor mode only what enforce mode admits is counted.
    const limited = await this.#o.limiter.admit(decision.limits, inForce.epoch);
    if (limited.admitted) return this.#forward(request, relay, ref, call, inForce, allow, limited.ticket, approvedRule);
    return this.#refuseLimited(request, relay, ref, call, inForce, decision, limited);
  }

  #refuseLimited(
    request: ClientRequest,
    relay: RelayContext,
    ref: CallRef,
    call: TargetCall,
    inForce: PolicyInForce,
    decision: Allowed,
    limited: Extract<LimitOutcome, { admitted: false }>,
  ): string {
    if ("fault" in limited) {
      const reason = storeFaultReason(call.name, limited.fault);
      this.#refuse(request, relay, ref, call, inForce, { rule: decision.rule, cause: "limit_store", reason });
      return reason;
    }
    const { limit, retryAfterMs, used } = limited;
    const details = { counter: limit.counter, scope: limit.scope, max: limit.max, windowMs: limit.windowMs, used, retryAfterMs };
    const reason = rateLimitReason(call.name, limit, retryAfterMs);
    this.#refuse(request, relay, ref, call, inForce, { rule: limit.pointer, cause: "rate_limit", reason, details });
    return reason;
  }

  async #forward(
    request: ClientRequest,
    relay: RelayContext,
    ref: CallRef,
    call: TargetCall,
    inForce: PolicyInForce,
    verdict: Verdict,
    ticket: Ticket | undefined,
    approvedRule?: string,
  ): Promise<string | undefined> {
    const { emit, clock, recordFirst } = this.#o;
    const decision = this.#decision(request, ref, call, inForce, verdict);
    if (recordFirst) {
      // --audit-required: nothing runs that the audit trail has not recorded.
      const problem = await recordFirst(decision);
      if (problem !== undefined) {
        if (ticket) void this.#o.limiter.refund(ticket);
        const reason = auditRequiredReason(call.name, problem);
        this.#deny(request, relay, ref, call, inForce, { rule: verdict.rule, cause: "audit", reason });
        return reason;
      }
    }
    emit(decision);
    const sent = clock();
    const end = (result: CallResult, refund: boolean, extra: { code?: number; bytes?: number } = {}) => {
      if (refund && ticket) void this.#o.limiter.refund(ticket);
      emit({
        type: "call_end",
        at: clock(),
        ...ref,
        outcome: verdict.outcome,
        result,
        durationMs: clock() - sent,
        refunded: refund && ticket !== undefined,
        ...extra,
      });
    };
    // A read's answer may carry other resources than the one asked for (a folder's contents): each is judged (read-contents).
    const rewrite =
      request.method === "resources/read"
        ? readContentsFilter({ inForce: this.#o.inForce, requested: call.name, approvedRule, emit, clock })
        : undefined;
    const forwarded = relay.forward(request, { settled: (how) => this.#settle(how, end), rewrite });
    // Cancelled by the client while its quota was being charged: it never ran.
    if (!forwarded) {
      end("cancelled", true);
      return "the call was cancelled before it was forwarded";
    }
    return undefined;
  }

  #settle(how: CallEnd, end: (result: CallResult, refund: boolean, extra?: { code?: number; bytes?: number }) => void): void {
    if (how.kind === "cancelled") end("cancelled", false);
    else if (how.kind === "upstream_gone") end("upstream_gone", false);
    else if (how.response.error) {
      const code = typeof how.response.error.code === "number" ? how.response.error.code : undefined;
      end("rpc_error", code !== undefined && NEVER_RAN_CODES.has(code), { code, bytes: how.bytes });
    } else end(how.toolError() ? "tool_error" : "ok", false, { bytes: how.bytes });
  }

  /** The policy refuses the call: in monitor mode it goes on, recorded as would_deny, and counts against no limit. */
  #refuse(request: ClientRequest, relay: RelayContext, ref: CallRef, call: TargetCall, inForce: PolicyInForce, denied: DeniedCall): void {
    if (inForce.mode !== "monitor") {
      this.#deny(request, relay, ref, call, inForce, denied);
      return;
    }
    const { rule, cause, reason, details } = denied;
    void this.#forward(request, relay, ref, call, inForce, { outcome: "would_deny", rule, cause, reason, details }, undefined);
  }

  /** Refuses the call in any mode. */
  #deny(request: ClientRequest, relay: RelayContext, ref: CallRef, call: TargetCall, inForce: PolicyInForce, denied: DeniedCall): void {
    const { rule, cause, reason, details } = denied;
    this.#o.emit(this.#decision(request, ref, call, inForce, { outcome: "deny", rule, cause, reason, details }));
    if (ref.target.kind === "tool") relay.answer(request, denyResult(ref.target, denied));
    else {
      const error = denyError(ref.target, denied);
      relay.fail(request, error.code, error.message, error.data);
    }
  }

  #decision(request: ClientRequest, ref: CallRef, call: TargetCall, inForce: PolicyInForce, verdict: Verdict): DecisionEvent {
    return buildDecision(request, ref, call, inForce, verdict, this.#o.clock());
  }
}
