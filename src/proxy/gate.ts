import { findCaseVariantKey, isRecord } from "../jsonrpc/message.js";
import { INVALID_PARAMS } from "../jsonrpc/wire-errors.js";
import type { Logger } from "../log.js";
import { evaluate, isVisible } from "../policy/evaluate.js";
import type { CompiledPolicy } from "../policy/types.js";
import { denyResult, type DeniedCall } from "./deny-result.js";
import { listAllTools, UpstreamListError } from "./list-tools.js";
import { advertiseListChanged } from "./patch-initialize.js";
import type { ClientRequest, Interceptor, RelayContext } from "./relay.js";

// The one place policy is applied. The relay hands over the requests the
// policy cares about; the gate asks the pure evaluator for a decision and
// carries it out: answer with a denial, or forward.

const CALL_PARAMS = ["name", "arguments", "_meta", "task"];

export interface GateOptions {
  /** Read on every request, so a reload takes effect for the next call. */
  policy: () => CompiledPolicy;
  log: Logger;
}

export class Gate {
  readonly #options: GateOptions;

  constructor(options: GateOptions) {
    this.#options = options;
  }

  interceptors(): Map<string, Interceptor> {
    return new Map<string, Interceptor>([
      ["initialize", (request, relay) => relay.forward(request, advertiseListChanged)],
      ["tools/list", (request, relay) => void this.#listTools(request, relay)],
      ["tools/call", (request, relay) => this.#callTool(request, relay)],
    ]);
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
    const decision = evaluate(this.#options.policy(), { name: params.name, arguments: params.arguments });
    if (decision.outcome === "deny") {
      this.#deny(request, relay, decision);
      return;
    }
    if (decision.needsApproval) {
      this.#deny(request, relay, {
        tool: decision.tool,
        rule: decision.rule,
        cause: "approval",
        reason: `Tool "${decision.tool}" requires human approval, and policy-wrap cannot ask for it on this connection. To run it without approval, set its "action" to "allow" in the policy.`,
      });
      return;
    }
    this.#options.log.debug(`allowed ${decision.tool} by ${decision.rule}`);
    relay.forward(request);
  }

  #deny(request: ClientRequest, relay: RelayContext, denied: DeniedCall): void {
    this.#options.log.info(`denied ${denied.tool} (${denied.cause}, ${denied.rule}): ${denied.reason}`);
    relay.answer(request, denyResult(denied));
  }

  async #listTools(request: ClientRequest, relay: RelayContext): Promise<void> {
    try {
      const { rest, tools } = await listAllTools(relay, request.params);
      const policy = this.#options.policy();
      const visible = tools.filter((tool) => typeof tool.name === "string" && isVisible(policy, tool.name));
      this.#options.log.debug(`tools/list: ${visible.length} of ${tools.length} tools visible`);
      relay.answer(request, { ...rest, tools: visible });
    } catch (error) {
      if (error instanceof UpstreamListError) relay.fail(request, error.code, error.message, error.data);
      else relay.fail(request, -32000, `tools/list failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
