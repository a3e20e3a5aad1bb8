import { escapePointerToken } from "../json/scan-json.js";
import { compilePolicy } from "../policy/compile-policy.js";
import { checkPattern, isGlob } from "../policy/glob.js";
import type { PolicyDocument, RuleDocument } from "../policy/types.js";
import { argumentsSchema } from "./arguments-schema.js";
import { classifyTool, type Classification } from "./classify-tool.js";
import { EXECUTE_RATE_LIMIT, RISK_CLASSES, type ToolClass } from "./verbs.js";

// The starter policy `init` writes: default deny, one exact rule per
// classified tool, grouped by class, each with a description a reviewer can
// read in an editor. Unknown tools get no rule, so the default refuses them.

export interface ClassifiedTool extends Classification {
  /** Facts about the written rule itself (an arguments schema that could not be used, ...). */
  notes: string[];
}

export interface StarterPolicy {
  document: PolicyDocument & { $schema?: string; description: string };
  tools: ClassifiedTool[];
}

export interface StarterOptions {
  /** For the policy's `$schema`. */
  schemaRef: string;
  /** "name version" of the server, for the policy's description. */
  serverLabel: string;
}

type StarterRule = { description: string } & RuleDocument;

const MAX_KEY_LENGTH = 256;

/** Why a tool name cannot be a policy key, which the policy would read as a pattern. */
function unwritableName(name: string): string | undefined {
  if (name.length === 0) return "it has no name";
  if (name.length > MAX_KEY_LENGTH) return `its name is longer than ${MAX_KEY_LENGTH} characters`;
  if (isGlob(name)) return "its name contains * or ?, which a policy reads as a wildcard";
  const bad = checkPattern(name);
  return bad && `its name ${bad}`;
}

/** One classification per name; a name listed twice with different definitions is not trusted with a rule. */
function classifyAll(tools: Record<string, unknown>[]): ClassifiedTool[] {
  const byName = new Map<string, Record<string, unknown>[]>();
  for (const tool of tools) {
    const name = tool.name as string;
    byName.set(name, [...(byName.get(name) ?? []), tool]);
  }
  return [...byName].map(([name, definitions]) => {
    const unwritable = unwritableName(name);
    if (unwritable) return { name, class: "unknown", evidence: [`${unwritable}, so no rule can name it`], notes: [] };
    const classes = definitions.map(classifyTool);
    const first = classes[0] as Classification;
    const distinct = new Set(definitions.map((d) => JSON.stringify(d))).size;
    if (distinct === 1) return { ...first, notes: definitions.length > 1 ? [`listed ${definitions.length} times`] : [] };
    const destructive = classes.find((c) => c.class === "destructive");
    const listed = `listed ${definitions.length} times with different definitions`;
    if (destructive) return { name, class: "destructive", evidence: [listed, ...destructive.evidence], notes: [] };
    return { name, class: "unknown", evidence: [`${listed}, so none of them is trusted`], notes: [] };
  });
}

function reasonFor(tool: ClassifiedTool): string {
  return `"${tool.name}" can destroy data or resources, so this policy leaves it to a person.`;
}

function describe(tool: ClassifiedTool, rule: RuleDocument): string {
  const why = tool.evidence.join("; ");
  const notes = tool.notes.length > 0 ? ` Note: ${tool.notes.join("; ")}.` : "";
  const { max, window } = EXECUTE_RATE_LIMIT;
  switch (tool.class as Exclude<ToolClass, "unknown">) {
    case "read":
      return `read: ${why}. Allowed.${notes}`;
    case "execute": {
      const checked = rule.arguments !== undefined ? "arguments checked against the tool's inputSchema" : "arguments not checked";
      return `execute: ${why}. Allowed ${max} calls a ${window}, counted for this tool alone; ${checked}.${notes}`;
    }
    case "write":
      return `write: ${why}. A person approves each call.${notes}`;
    case "destructive":
      return `destructive: ${why}. Refused.${notes}`;
  }
}

function ruleFor(tool: ClassifiedTool, definition: Record<string, unknown>): RuleDocument {
  switch (tool.class as Exclude<ToolClass, "unknown">) {
    case "read":
      return { action: "allow" };
    case "execute": {
      const { max, window, scope } = EXECUTE_RATE_LIMIT;
      const rule: RuleDocument = { action: "allow", rate_limit: { max, window, scope } };
      const schema = argumentsSchema(definition, tool.notes);
      if (schema !== undefined) rule.arguments = schema;
      return rule;
    }
    case "write":
      return { action: "require_approval" };
    case "destructive":
      return { action: "deny", reason: reasonFor(tool) };
  }
}

export function buildStarterPolicy(tools: Record<string, unknown>[], options: StarterOptions): StarterPolicy {
  const classified = classifyAll(tools);
  const definitionOf = new Map(tools.map((tool) => [tool.name as string, tool]));
  // Null prototype: a tool may be called "__proto__".
  const rules = Object.create(null) as Record<string, RuleDocument>;
  const ruled: ClassifiedTool[] = [];
  for (const riskClass of RISK_CLASSES) {
    for (const tool of classified.filter((t) => t.class === riskClass)) {
      rules[tool.name] = ruleFor(tool, definitionOf.get(tool.name) as Record<string, unknown>);
      ruled.push(tool);
    }
  }
  dropArgumentsThatDoNotCompile(rules, ruled);
  const described = Object.create(null) as Record<string, StarterRule>;
  for (const tool of ruled) {
    const rule = rules[tool.name] as RuleDocument;
    described[tool.name] = { description: describe(tool, rule), ...rule };
  }
  const unknown = classified.filter((tool) => tool.class === "unknown").map((tool) => tool.name);
  const { max, window } = EXECUTE_RATE_LIMIT;
  const description =
    `Starter policy written by policy-wrap init for ${options.serverLabel}. Read tools are allowed; execute tools ${max} calls a ${window} each, ` +
    `with their arguments checked; write tools need a person's approval; destructive tools are refused. ` +
    (unknown.length === 0
      ? "Every tool was classified."
      : `Not classified, so refused until a rule names them: ${unknown.map((name) => JSON.stringify(name)).join(", ")}.`);
  return {
    document: { $schema: options.schemaRef, description, version: "1", default: "deny", tools: described },
    tools: classified,
  };
}

/**
 * A server's inputSchema may not compile as a policy's arguments schema
 * (a remote $ref, a regex that needs backtracking, a clash of $ids). Such a
 * rule keeps its rate limit and loses only the argument check, and says so.
 */
function dropArgumentsThatDoNotCompile(rules: Record<string, RuleDocument>, ruled: ClassifiedTool[]): void {
  const byPointer = new Map(ruled.map((tool) => [`/tools/${escapePointerToken(tool.name)}/arguments`, tool]));
  for (;;) {
    const compiled = compilePolicy({ version: "1", default: "deny", tools: rules });
    if (compiled.ok) return;
    for (const problem of compiled.problems) {
      const tool = byPointer.get(problem.pointer);
      const rule = tool && rules[tool.name];
      if (!tool || rule?.arguments === undefined)
        throw new Error(`the starter policy does not compile: ${problem.pointer}: ${problem.message}`);
      delete rule.arguments;
      tool.notes.push(`its inputSchema cannot check arguments (${problem.message})`);
    }
  }
}
