import { findCaseVariantKey, isRecord } from "../jsonrpc/message.js";
import { INVALID_PARAMS } from "../jsonrpc/wire-errors.js";
import type { Limiter } from "../limits/limiter.js";
import type { Logger } from "../log.js";
import { describeChange, type PolicyChange } from "../policy/describe-change.js";
import { evaluate, isVisible, type Decision } from "../policy/evaluate.js";
import type { CompiledPolicy } from "../policy/types.js";
import { askForApproval, supportsFormElicitation } from "./approval.js";
import { denyResult, type DeniedCall } from "./deny-result.js";
import { listAllTools, UpstreamListError } from "./list-tools.js";
import { advertiseListChanged } from "./patch-initialize.js";
import type { ClientRequest, Interceptor, RelayContext } from "./relay.js";

// The one place policy is applied. The relay hands over the requests the
// policy cares about; the gate asks the pure evaluator for a decision and
// carries it out: answer with a denial, or forward.

const CALL_PARAMS = ["name", "arguments", "_meta", "task"];

export interface GateOptions {
  policy: CompiledPolicy;
  limiter: Limiter;
  log: Logger;
  /** How the upstream is named to the user until its initialize result names it. */
  serverLabel: string;
  approvalTimeoutMs: number;
}

type Allowed = Extract<Decision, { outcome: "allow" }>;

export class Gate {
  readonly #options: GateOptions;
  #policy: CompiledPolicy;
  /** The upstream's tool names as of the client's last tools/list. */
  #knownTools: string[] | undefined;
  #clientCanElicit = false;
  #serverName: string;

  constructor(options: GateOptions) {
    this.#options = options;
    this.#policy = options.policy;
    this.#serverName = options.serverLabel;
  }

  /**
   * Swaps in a new policy: one assignment, so every call is judged wholly by
   * the old policy or wholly by the new one. Calls already admitted keep their decision.
   */
  replacePolicy(policy: CompiledPolicy): PolicyChange {
    const change = describeChange(this.#policy, policy, this.#knownTools);
    this.#policy = policy;
    return change;
  }

  interceptors(): Map<string, Interceptor> {
    return new Map<string, Interceptor>([
      ["initialize", (request, relay) => this.#initialize(request, relay)],
      ["tools/list", (request, relay) => void this.#listTools(request, relay)],
      ["tools/call", (request, relay) => this.#callTool(request, relay)],
    ]);
  }

  #initialize(request: ClientRequest, relay: RelayContext): void {
    this.#clientCanElicit = supportsFormElicitation(request.params);
    relay.forward(request, (response) => {
      const info = isRecord(response.result) && isRecord(response.result.serverInfo) ? response.result.serverInfo : undefined;
      if (typeof info?.name === "string") this.#serverName = `the MCP server "${info.name}"`;
      return advertiseListChanged(response);
    });
  }

  #callTool(request: ClientRequest, relay: RelayContext): void {
    const params = request.params;
    if (!isRecord(params) || typeof params.name !== "string") {
      relay.fail(request, INVALID_PARAMS, 'Invalid params: tools/call needs a string "name"');
      return;
    }
    // A case-insensitive parser upstream could read "Name" instead of the name checked here.
    const variant = findCaseVariantKey(params, CALL_PARAMS);
    if (variant !== undefined) {
      relay.fail(request, INVALID_PARAMS, `Invalid params: ambiguous member "${variant}"`);
      return;
    }
    if (params.arguments !== undefined && !isRecord(params.arguments)) {
      relay.fail(request, INVALID_PARAMS, "Invalid params: arguments must be an object");
      return;
    }
    const decision = evaluate(this.#policy, { name: params.name, arguments: params.arguments });
    if (decision.outcome === "deny") {
      this.#deny(request, relay, decision);
      return;
    }
    if (!decision.needsApproval) {
      this.#admit(request, relay, decision);
    } else if (!this.#clientCanElicit) {
      this.#deny(request, relay, {
        tool: decision.tool,
        rule: decision.rule,
        cause: "approval",
        reason: `Tool "${decision.tool}" requires human approval, and this client cannot ask for it (it does not support MCP elicitation). To allow the tool without approval, set its "action" to "allow" in the policy; to keep it blocked, set "action": "deny".`,
      });
    } else {
      void this.#approveThenAdmit(request, relay, decision, params.arguments);
    }
  }

  async #approveThenAdmit(request: ClientRequest, relay: RelayContext, decision: Allowed, args: unknown): Promise<void> {
    const outcome = await askForApproval(relay, request, {
      tool: decision.tool,
      args,
      server: this.#serverName,
      timeoutMs: this.#options.approvalTimeoutMs,
    });
    if ("cancelled" in outcome) {
      this.#options.log.info(`dropped ${decision.tool}: the client cancelled it while approval was pending`);
    } else if (outcome.approved) {
      this.#options.log.info(`approved ${decision.tool} by the user`);
      this.#admit(request, relay, decision);
    } else {
      this.#deny(request, relay, { tool: decision.tool, rule: decision.rule, cause: "approval", reason: outcome.reason });
    }
  }

  #admit(request: ClientRequest, relay: RelayContext, decision: Allowed): void {
    // Last, so that a call refused for any other reason consumes no quota.
    const limited = this.#options.limiter.admit(decision.limits);
    if (!limited.admitted) {
      if ("fault" in limited) {
        this.#deny(request, relay, {
          tool: decision.tool,
          rule: decision.rule,
          cause: "limit_store",
          reason: `The rate limit for "${decision.tool}" cannot be checked (${limited.fault}), so the call was refused.`,
        });
        return;
      }
      const { limit, retryAfterMs, used } = limited;
      const reason = `Rate limit reached for ${decision.tool}: ${limit.max} calls per ${limit.windowLabel} (counter ${limit.counter}). Retry in ${Math.ceil(retryAfterMs / 1000)}s.`;
      this.#deny(
        request,
        relay,
        { tool: decision.tool, rule: limit.pointer, cause: "rate_limit", reason },
        { counter: limit.counter, scope: limit.scope, max: limit.max, windowMs: limit.windowMs, used, retryAfterMs },
      );
      return;
    }
    this.#options.log.debug(`allowed ${decision.tool} by ${decision.rule}`);
    const ticket = limited.ticket;
    // A JSON-RPC error means the tool never ran; an isError result keeps the charge.
    relay.forward(request, ticket && ((response) => void (response.error && this.#options.limiter.refund(ticket))));
  }

  #deny(request: ClientRequest, relay: RelayContext, denied: DeniedCall, details?: Record<string, unknown>): void {
    // A store fault is reported once by the limiter; repeating it per call would bury it.
    const log = denied.cause === "limit_store" ? this.#options.log.debug : this.#options.log.info;
    log(`denied ${denied.tool} (${denied.cause}, ${denied.rule}): ${denied.reason}`);
    relay.answer(request, denyResult(denied, details));
  }

  async #listTools(request: ClientRequest, relay: RelayContext): Promise<void> {
    try {
      const { rest, tools } = await listAllTools(relay, request.params);
      const policy = this.#policy;
      this.#knownTools = tools.flatMap((tool) => (typeof tool.name === "string" ? [tool.name] : []));
      const visible = tools.filter((tool) => typeof tool.name === "string" && isVisible(policy, tool.name));
      this.#options.log.debug(`tools/list: ${visible.length} of ${tools.length} tools visible`);
      relay.answer(request, { ...rest, tools: visible });
    } catch (error) {
      if (error instanceof UpstreamListError) relay.fail(request, error.code, error.message, error.data);
      else relay.fail(request, -32000, `tools/list failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
