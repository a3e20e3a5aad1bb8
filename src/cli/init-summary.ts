import type { ServerCatalogue } from "../inspect/inspect-server.js";
import type { StarterPolicy } from "../classify/starter-policy.js";
import { EXECUTE_RATE_LIMIT, RISK_CLASSES, type ToolClass } from "../classify/verbs.js";
import { quote } from "../log.js";

// The table `init` prints: how many tools fell in each class, what the
// starter policy does with the class, and each tool with the reason it got
// its class, so that a person can check the verbs' judgement at a glance.

const { max, window } = EXECUTE_RATE_LIMIT;
export const CLASS_EFFECT: Record<ToolClass, string> = {
  read: "allowed",
  execute: `allowed, ${max} calls a ${window} each, arguments checked against the tool's schema`,
  write: "a person approves each call",
  destructive: "refused",
  unknown: "refused until you add a rule (no rule; default: deny)",
};
const CLASSES: ToolClass[] = [...RISK_CLASSES, "unknown"];

/** A tool name as is when it is plain printable ASCII (as MCP names are), else quoted and escaped. */
export function showName(name: string): string {
  return /^[\x21-\x7e]+$/.test(name) ? name : quote(name);
}

export function formatInitSummary(label: string, catalogue: ServerCatalogue, starter: StarterPolicy): string {
  const lines: string[] = [];
  const count = starter.tools.length;
  lines.push(`${label}: ${count} tool${count === 1 ? "" : "s"}`, "");
  lines.push(`${"CLASS".padEnd(12)} ${"TOOLS".padStart(5)}  THE STARTER POLICY`);
  for (const riskClass of CLASSES) {
    const n = starter.tools.filter((tool) => tool.class === riskClass).length;
    lines.push(`${riskClass.padEnd(12)} ${String(n).padStart(5)}  ${CLASS_EFFECT[riskClass]}`);
  }
  const width = Math.min(40, Math.max(0, ...starter.tools.map((tool) => showName(tool.name).length)));
  for (const riskClass of CLASSES) {
    const tools = starter.tools.filter((tool) => tool.class === riskClass);
    if (tools.length === 0) continue;
    lines.push("", `${riskClass} (${tools.length}): ${CLASS_EFFECT[riskClass]}`);
    for (const tool of tools) {
      lines.push(`  ${showName(tool.name).padEnd(width)}  ${tool.evidence.join("; ")}`);
      for (const note of tool.notes) lines.push(`  ${"".padEnd(width)}  note: ${note}`);
    }
  }
  if (catalogue.skipped.length > 0) {
    const entries = catalogue.skipped.map((s) => `#${s.index} (${s.reason})`).join(", ");
    lines.push("", `Not tools, left out (the wrapper never shows them): tools/list entries ${entries}.`);
  }
  return `${lines.join("\n")}\n`;
}
