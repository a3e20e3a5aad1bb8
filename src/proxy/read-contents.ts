import type { WrapperEvent } from "../events/events.js";
import { isRecord } from "../jsonrpc/message.js";
import { evaluate } from "../policy/evaluate.js";
import type { PolicyInForce } from "./policy-in-force.js";
import type { ResponseHook } from "./relay-context.js";

// A resources/read answer may carry several resources: the spec lets a read of
// a folder (or any collection) return the contents of everything in it, each
// with its own URI. Judging only the URI asked for would let a read of an
// allowed `file:///home/me/` carry `~/.aws/credentials`. So each entry of the
// answer's `contents` is judged by its own URI, under the policy in force when
// the answer comes: an entry stays if a read of its URI would be allowed
// without asking anyone, or is the resource that was asked for, or needs
// approval under the very rule a person just approved for this read. Other
// entries, and entries without a URI, are dropped. In monitor mode, or while
// the policy says nothing about resources, the answer passes untouched.

export interface ReadContentsOptions {
  inForce(): PolicyInForce;
  /** The URI the read asked for (judged, and approved if it had to be). */
  requested: string;
  /** The rule a person approved this read under, if one did. */
  approvedRule: string | undefined;
  emit: (event: WrapperEvent) => void;
  clock: () => number;
}

export function readContentsFilter(options: ReadContentsOptions): ResponseHook {
  return (response) => {
    const { policy, mode } = options.inForce();
    if (mode === "monitor" || !policy.sections.resource.governed) return;
    const result = response.result;
    if (!isRecord(result) || !Array.isArray(result.contents)) return;
    const contents = result.contents as unknown[];
    const kept = contents.filter((entry) => {
      if (!isRecord(entry) || typeof entry.uri !== "string") return false;
      if (entry.uri === options.requested) return true;
      const decision = evaluate(policy, { kind: "resource", name: entry.uri, arguments: {} });
      return decision.outcome === "allow" && (!decision.needsApproval || decision.rule === options.approvedRule);
    });
    if (kept.length === contents.length) return;
    options.emit({ type: "list", at: options.clock(), method: "resources/read", visible: kept.length, total: contents.length });
    return { replaceResult: { ...result, contents: kept } };
  };
}
