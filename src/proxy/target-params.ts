import { findCaseVariantKey, isRecord } from "../jsonrpc/message.js";
import type { TargetCall } from "../policy/evaluate.js";
import type { Target, TargetKind } from "../policy/target.js";

// What a resources/read, resources/subscribe or prompts/get asks for, checked
// before the policy judges it: the member the policy reads must be there, and
// no member may be one a case-insensitive binder could read in its place
// ("URI", "Name", "argumentſ"). When the policy governs the kind, members the
// method does not define are refused too: a server could read one of them
// instead of the one that was checked.

interface MethodShape {
  kind: TargetKind;
  /** The member that names the target. */
  key: "uri" | "name";
  members: readonly string[];
}

export const TARGET_METHODS: Record<string, MethodShape> = {
  "resources/read": { kind: "resource", key: "uri", members: ["uri", "_meta"] },
  "resources/subscribe": { kind: "resource", key: "uri", members: ["uri", "_meta"] },
  "prompts/get": { kind: "prompt", key: "name", members: ["name", "arguments", "_meta"] },
};

/** A refusal names what it can of the target (an empty name when there is no string one), for its record. */
export type TargetParams = { ok: true; call: TargetCall } | { ok: false; message: string; target: Target };

const NOT_STRING = "Invalid params: prompt arguments are strings, and are refused otherwise while the policy governs prompts";

export function readTargetParams(method: string, params: unknown, strict: boolean): TargetParams {
  const shape = TARGET_METHODS[method] as MethodShape;
  const name = isRecord(params) ? params[shape.key] : undefined;
  const target: Target = { kind: shape.kind, name: typeof name === "string" ? name : "" };
  if (!isRecord(params) || typeof name !== "string")
    return { ok: false, target, message: `Invalid params: ${method} needs a string "${shape.key}"` };
  const variant = findCaseVariantKey(params, shape.members);
  if (variant !== undefined) return { ok: false, target, message: `Invalid params: ambiguous member "${variant}"` };
  if (strict) {
    const unknown = Object.keys(params).find((key) => !shape.members.includes(key));
    if (unknown !== undefined)
      return {
        ok: false,
        target,
        message: `Invalid params: ${method} takes only ${shape.members.join(", ")}, not ${JSON.stringify(unknown)} (refused while the policy governs ${shape.kind}s)`,
      };
  }
  if (params.arguments !== undefined && !isRecord(params.arguments))
    return { ok: false, target, message: "Invalid params: arguments must be an object" };
  // MCP prompt arguments are strings: a server that interpolates ["prod"] or {"toString": ...} reads another value than the one judged.
  if (strict && shape.kind === "prompt" && isRecord(params.arguments)) {
    const key = Object.keys(params.arguments).find((k) => typeof (params.arguments as Record<string, unknown>)[k] !== "string");
    if (key !== undefined) return { ok: false, target, message: `${NOT_STRING} (${JSON.stringify(key)} is not)` };
  }
  return { ok: true, call: { kind: shape.kind, name, arguments: params.arguments } };
}
