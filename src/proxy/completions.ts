import { foldKey } from "../json/fold-key.js";
import { findCaseVariantKey, isRecord } from "../jsonrpc/message.js";
import { refusedOutright } from "../policy/evaluate.js";
import { isTemplateVisible, refusedTemplate } from "../policy/template-visibility.js";
import type { CompiledPolicy } from "../policy/types.js";
import type { PolicyInForce } from "./policy-in-force.js";
import type { RequestRefusals } from "./refuse-request.js";
import type { ClientRequest, RelayContext } from "./relay-context.js";

// completion/complete offers values for a prompt's or a resource template's
// arguments. Completing for a prompt or template the policy refuses would
// tell the agent what it may not see (a hidden prompt's argument values), so
// such a request is refused like a prompts/get, with the same error. For a
// template that is allowed, a value is dropped from the answer when the URI
// it would produce (the value as written and percent-encoded, with the other
// arguments the request gives) could not be read. While the policy says
// nothing about the kind, or in monitor mode, completion passes untouched.

const REF_TYPES = { prompt: "ref/prompt", resource: "ref/resource" } as const;
const PARAMS = ["ref", "argument", "context", "_meta"];

export function handleCompletion(
  request: ClientRequest,
  relay: RelayContext,
  inForce: () => PolicyInForce,
  refusals: RequestRefusals,
): void {
  const params = request.params;
  const ref = isRecord(params) && isRecord(params.ref) ? params.ref : undefined;
  const type = typeof ref?.type === "string" ? ref.type : undefined;
  const kind = type === REF_TYPES.prompt ? "prompt" : type === REF_TYPES.resource ? "resource" : undefined;
  const { policy, mode } = inForce();
  const governed = policy.sections.prompt.governed || policy.sections.resource.governed;
  if (!governed || mode === "monitor") {
    relay.forward(request);
    return;
  }
  const invalid = checkShape(params, ref, type, kind);
  if (invalid !== undefined) {
    refusals.malformed(request, relay, { kind: kind ?? "prompt", name: referenceName(ref, kind) }, invalid);
    return;
  }
  if (!ref || !kind || !policy.sections[kind].governed) {
    relay.forward(request);
    return;
  }
  const name = kind === "prompt" ? ref.name : ref.uri;
  if (typeof name !== "string") {
    const message = `Invalid params: a ${type} reference needs a string "${kind === "prompt" ? "name" : "uri"}"`;
    refusals.malformed(request, relay, { kind, name: "" }, message);
    return;
  }
  const target = { kind, name } as const;
  const refused = kind === "prompt" ? refusedOutright(policy, target) : refusedTemplate(policy, name);
  if (refused) {
    refusals.refused(request, relay, target, refused);
    return;
  }
  if (kind === "prompt") {
    relay.forward(request);
    return;
  }
  const { argument, known } = argumentsOf(params as Record<string, unknown>);
  relay.forward(request, { rewrite: (response) => dropRefusedValues(response.result, inForce().policy, name, argument, known) });
}

/** What a reference names, as far as it names it as a string (for the record of a refusal). */
function referenceName(ref: Record<string, unknown> | undefined, kind: string | undefined): string {
  const name = kind === "resource" ? ref?.uri : ref?.name;
  return typeof name === "string" ? name : "";
}

/** Why the request cannot be judged as it is written, or undefined. */
function checkShape(
  params: unknown,
  ref: Record<string, unknown> | undefined,
  type: string | undefined,
  kind: string | undefined,
): string | undefined {
  if (!isRecord(params) || !ref) return undefined;
  const variant = findCaseVariantKey(params, PARAMS) ?? findCaseVariantKey(ref, ["type", "name", "uri"]);
  if (variant !== undefined) return `Invalid params: ambiguous member "${variant}"`;
  // "ref/Prompt" is not a prompt reference here, and may be one to a lenient server.
  if (type !== undefined && kind === undefined && Object.values(REF_TYPES).some((t) => foldKey(t) === foldKey(type)))
    return `Invalid params: reference type ${JSON.stringify(type)} is ambiguous`;
  return undefined;
}

function argumentsOf(params: Record<string, unknown>): { argument: string | undefined; known: Record<string, string> } {
  const argument = isRecord(params.argument) && typeof params.argument.name === "string" ? params.argument.name : undefined;
  const context = isRecord(params.context) && isRecord(params.context.arguments) ? params.context.arguments : {};
  const known: Record<string, string> = {};
  for (const [key, value] of Object.entries(context)) if (typeof value === "string") known[key] = value;
  return { argument, known };
}

function dropRefusedValues(
  result: unknown,
  policy: CompiledPolicy,
  template: string,
  argument: string | undefined,
  known: Record<string, string>,
): { replaceResult: unknown } | undefined {
  if (argument === undefined || !isRecord(result) || !isRecord(result.completion) || !Array.isArray(result.completion.values)) return;
  const values = result.completion.values as unknown[];
  const allowed = values.filter(
    (value) =>
      typeof value === "string" &&
      isTemplateVisible(policy, template, { ...known, [argument]: value }) &&
      isTemplateVisible(policy, template, { ...known, [argument]: encodeURIComponent(value) }),
  );
  if (allowed.length === values.length) return;
  const { total: _total, ...completion } = result.completion;
  return { replaceResult: { ...result, completion: { ...completion, values: allowed } } };
}
