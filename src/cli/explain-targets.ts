import type { ServerCatalogue } from "../inspect/inspect-server.js";
import { escapeControl } from "../log.js";
import { isTemplateVisible } from "../policy/template-visibility.js";
import type { CompiledPolicy } from "../policy/types.js";
import type { LiveTargets } from "../policy/unmatched-names.js";
import { describeCall, detailLines, explainTarget, type ToolExplanation } from "./explain-report.js";
import { showName } from "./init-summary.js";

// What `explain` says about a server's resources, resource templates and
// prompts, for the kinds the policy governs (a policy that says nothing about
// resources gets no resource table, as before these sections existed).

export interface TargetsExplanation {
  resources?: ToolExplanation[];
  templates?: { uriTemplate: string; visible: boolean }[];
  prompts?: ToolExplanation[];
}

const names = (entries: Record<string, unknown>[] | undefined, key: string) =>
  entries && [...new Set(entries.map((entry) => entry[key] as string))];

/** The live names explain and validate --against check the policy's names against, per governed kind. */
export function liveTargets(policy: CompiledPolicy, catalogue: ServerCatalogue): LiveTargets {
  const live: LiveTargets = { tools: [...new Set(catalogue.tools.map((tool) => tool.name as string))] };
  if (policy.sections.prompt.governed && catalogue.prompts) live.prompts = names(catalogue.prompts, "name");
  if (policy.sections.resource.governed && catalogue.resources) {
    live.resources = names(catalogue.resources, "uri");
    live.templates = names(catalogue.resourceTemplates, "uriTemplate") ?? [];
  }
  return live;
}

export function explainTargets(policy: CompiledPolicy, live: LiveTargets): TargetsExplanation {
  const out: TargetsExplanation = {};
  if (live.resources) out.resources = live.resources.map((name) => explainTarget(policy, { kind: "resource", name }));
  if (live.templates)
    out.templates = live.templates.map((uriTemplate) => ({ uriTemplate, visible: isTemplateVisible(policy, uriTemplate) }));
  if (live.prompts) out.prompts = live.prompts.map((name) => explainTarget(policy, { kind: "prompt", name }));
  return out;
}

function table(heading: string, what: string, explanations: ToolExplanation[]): string[] {
  const shown = explanations.map((e) => showName(e.name));
  const width = Math.min(60, Math.max(heading.length, ...shown.map((n) => n.length)));
  const out = ["", `${heading.padEnd(width)}  LIST    ${what.padEnd(24)}  DECIDED BY`];
  explanations.forEach((explanation, i) => {
    const list = explanation.visible ? "shown " : "hidden";
    out.push(
      `${(shown[i] as string).padEnd(width)}  ${list}  ${describeCall(explanation).padEnd(24)}  ${escapeControl(explanation.call.by)}`,
    );
    for (const line of detailLines(explanation)) out.push(`${"".padEnd(width + 10)}${escapeControl(line)}`);
  });
  return out;
}

/** The text tables, after the tools' table. */
export function formatTargets(explained: TargetsExplanation): string[] {
  const out: string[] = [];
  if (explained.resources) out.push(...table("RESOURCE", "A READ", explained.resources));
  if (explained.templates && explained.templates.length > 0) {
    out.push("", "TEMPLATE  LIST");
    for (const t of explained.templates)
      out.push(`${showName(t.uriTemplate)}  ${t.visible ? "shown" : "hidden (no URI it can produce is allowed)"}`);
  }
  if (explained.prompts) out.push(...table("PROMPT", "A GET WITH NO ARGUMENTS", explained.prompts));
  return out;
}
