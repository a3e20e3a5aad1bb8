import type { WrapperEvent } from "../events/events.js";
import { INVALID_PARAMS } from "../jsonrpc/wire-errors.js";
import type { Target } from "../policy/target.js";
import { buildDecision } from "./decision-event.js";
import { denyError, type DeniedCall } from "./deny-result.js";
import type { PolicyInForce } from "./policy-in-force.js";
import type { ClientRequest, RelayContext } from "./relay-context.js";

// Refusals that come before a call can be judged: params that cannot be read
// one way only (answered -32602), and a completion for a prompt or template the
// policy refuses. Each is a decision like any other, so that the audit trail
// and the log see every request the wrapper kept from the upstream.

export interface RequestRefusals {
  /** The params cannot be read unambiguously: -32602, recorded with cause `params`. */
  malformed(request: ClientRequest, relay: RelayContext, target: Target, message: string): void;
  /** The policy refuses the target outright: the JSON-RPC error of a refused resource or prompt, recorded. */
  refused(request: ClientRequest, relay: RelayContext, target: Target, denied: DeniedCall): void;
}

export function createRefusals(options: { inForce(): PolicyInForce; emit(event: WrapperEvent): void; clock(): number }): RequestRefusals {
  const record = (request: ClientRequest, target: Target, denied: DeniedCall) => {
    const ref = { method: request.method, target, requestId: request.idRaw };
    const call = { ...target, arguments: undefined };
    options.emit(buildDecision(request, ref, call, options.inForce(), { outcome: "deny", ...denied }, options.clock()));
  };
  return {
    malformed(request, relay, target, message) {
      record(request, target, { rule: "", cause: "params", reason: message });
      relay.fail(request, INVALID_PARAMS, message);
    },
    refused(request, relay, target, denied) {
      record(request, target, denied);
      const error = denyError(target, denied);
      relay.fail(request, error.code, error.message, error.data);
    },
  };
}
