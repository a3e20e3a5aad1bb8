import { foldKey } from "../json/fold-key.js";
import { findCaseVariantKey, isRecord } from "../jsonrpc/message.js";
import { refusedOutright } from "../policy/evaluate.js";
import { isTemplateVisible, refusedTemplate } from "../policy/template-visibility.js";
import type { CompiledPolicy } from "../policy/types.js";
import { templateVariables } from "../policy/uri-template.js";
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
  const read = readArgument(params as Record<string, unknown>, name);
  if (!read.ok) {
    refusals.malformed(request, relay, target, read.message);
    return;
  }
  const { argument, known } = read;
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
  // A lenient server may tell a prompt from a template by the member it finds rather than by type.
  if ("name" in ref && "uri" in ref) return "Invalid params: the reference names both a prompt (name) and a template (uri)";
  // "ref/Prompt" is not a prompt reference here, and may be one to a lenient server.
  if (type !== undefined && kind === undefined && Object.values(REF_TYPES).some((t) => foldKey(t) === foldKey(type)))
    return `Invalid params: reference type ${JSON.stringify(type)} is ambiguous`;
  return undefined;
}

type ArgumentRead = { ok: true; argument: string; known: Record<string, string> } | { ok: false; message: string };

/**
 * The argument a template completion is for, and the values its context
 * gives the template's other variables: the answer's values are judged on
 * them, so they must read one way only. A member that folds onto `name`,
 * `value` or `arguments` (Go's binder reads `Name` as `name`), an argument
 * name that folds onto a variable of the template without being it, a
 * missing argument or a context value that is not a string is refused.
 */
function readArgument(params: Record<string, unknown>, template: string): ArgumentRead {
  const { argument, context } = params;
  if (!isRecord(argument) || typeof argument.name !== "string")
    return { ok: false, message: 'Invalid params: completion for a resource template needs an argument with a string "name"' };
  const variant =
    findCaseVariantKey(argument, ["name", "value"]) ?? (isRecord(context) ? findCaseVariantKey(context, ["arguments"]) : undefined);
  if (variant !== undefined) return { ok: false, message: `Invalid params: ambiguous member "${variant}"` };
  const name = argument.name;
  const variables = templateVariables(template);
  const folded = variables.find((variable) => variable !== name && foldKey(variable) === foldKey(name));
  if (folded !== undefined && !variables.includes(name))
    return { ok: false, message: `Invalid params: argument ${JSON.stringify(name)} is not the template's ${JSON.stringify(folded)}` };
  const given = isRecord(context) && context.arguments !== undefined ? context.arguments : {};
  if (!isRecord(given) || Object.values(given).some((value) => typeof value !== "string"))
    return { ok: false, message: "Invalid params: context.arguments must map names to strings" };
  return { ok: true, argument: name, known: given as Record<string, string> };
}

function dropRefusedValues(
  result: unknown,
  policy: CompiledPolicy,
  template: string,
  argument: string,
  known: Record<string, string>,
): { replaceResult: unknown } | undefined {
  if (!isRecord(result) || !isRecord(result.completion) || !Array.isArray(result.completion.values)) return;
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
