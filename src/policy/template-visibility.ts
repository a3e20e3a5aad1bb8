import { refusedOutright, type DenyCause } from "./evaluate.js";
import { SECTION } from "./target.js";
import type { CompiledPolicy } from "./types.js";
import { candidateUris, MAX_TEMPLATE_CHARS, PLACEHOLDER, templateItems } from "./uri-template.js";

// Whether resources/templates/list shows a template, and whether completion
// may offer a value for one of its variables: some URI the template can
// produce (with the known values filled in) would be allowed. See
// uri-template.ts for the URIs tried. Pure, like evaluate.

const PLACEHOLDER_REASON =
  "A resource template or completion value that contains U+E000 (private use) cannot be checked against the policy";

export interface TemplateRefusal {
  rule: string;
  cause: DenyCause;
  reason: string;
}

export function isTemplateVisible(policy: CompiledPolicy, template: string, values: Record<string, string> = {}): boolean {
  return refusedTemplate(policy, template, values) === undefined;
}

/** Why no URI the template can produce would be allowed (the first URI tried's refusal), or undefined when one would. */
export function refusedTemplate(
  policy: CompiledPolicy,
  template: string,
  values: Record<string, string> = {},
): TemplateRefusal | undefined {
  const section = policy.sections.resource;
  if (!section.governed || template.length > MAX_TEMPLATE_CHARS) return undefined;
  if ([template, ...Object.values(values)].some((text) => text.includes(PLACEHOLDER)))
    return { rule: `/${SECTION.resource.rules}`, cause: "uri", reason: `${PLACEHOLDER_REASON} (${JSON.stringify(template)}).` };
  const patterns = [
    ...section.hideExact.keys(),
    ...section.hideGlobs.map(({ glob }) => glob),
    ...section.exact.keys(),
    ...section.globs.map(({ glob }) => glob),
  ];
  let first: TemplateRefusal | undefined;
  for (const uri of candidateUris(templateItems(template, values), patterns)) {
    const refused = refusedOutright(policy, { kind: "resource", name: uri });
    if (!refused) return undefined;
    first ??= refused;
  }
  const reason = `No resource the template "${template}" can produce is allowed by policy.`;
  return first ? { rule: first.rule, cause: first.cause, reason } : { rule: section.defaultPointer, cause: "default", reason };
}
