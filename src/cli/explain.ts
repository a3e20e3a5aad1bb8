import { Command, Option } from "commander";
import { serverLabel, type ServerCatalogue } from "../inspect/inspect-server.js";
import { escapeControl } from "../log.js";
import { formatProblems, loadPolicy } from "../policy/load-policy.js";
import { describeUnmatchedName, findUnmatchedNames, type UnmatchedName } from "../policy/unmatched-names.js";
import { describeCall, detailLines, explainTool, type ToolExplanation } from "./explain-report.js";
import { explainTargets, formatTargets, liveTargets, type TargetsExplanation } from "./explain-targets.js";
import { showName } from "./init-summary.js";
import { listLiveTools, timeoutOption } from "./live-tools.js";
import { parseCommand } from "./parse-command.js";

// `policy-wrap explain --policy <file> [--json] [--] <server command...>`:
// what the policy does to each tool the live server lists, and which of the
// policy's own names match no tool at all. Exit 1 when some do: a typo in a
// policy must not pass silently.

interface ExplainOptions {
  policy?: string;
  json?: boolean;
  timeout: number;
}

function explainCommandDefinition(): Command {
  return new Command("policy-wrap explain")
    .usage("--policy <file> [--json] [--] <server command...>")
    .description("Show what a policy does to each tool of a live server.")
    .addOption(new Option("--policy <file>", "policy file (JSON)").env("POLICY_WRAP_POLICY"))
    .option("--json", "print JSON for scripts")
    .addOption(timeoutOption())
    .argument("<command...>", "the MCP server to inspect, with its arguments")
    .passThroughOptions()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
}

/** One escaped line per unmatched name, for a terminal. */
export function unmatchedLines(unmatched: UnmatchedName[]): string[] {
  return unmatched.map((name) => `  ${escapeControl(describeUnmatchedName(name))}`);
}

function formatUnmatched(unmatched: UnmatchedName[], targets: boolean): string {
  const [some, none] = targets ? ["a tool, resource or prompt", "nothing"] : ["a tool", "no tool"];
  if (unmatched.length === 0) return `Every name in the policy matches ${some} the server lists.`;
  return [`Names in the policy that match ${none} the server lists (${unmatched.length}):`, ...unmatchedLines(unmatched)].join("\n");
}

function formatText(
  file: string,
  label: string,
  explanations: ToolExplanation[],
  targets: TargetsExplanation,
  unmatched: UnmatchedName[],
): string {
  const shown = explanations.filter((e) => e.visible).length;
  const out: string[] = [`${file} against ${escapeControl(label)}: ${explanations.length} tools, ${shown} shown`, ""];
  const names = explanations.map((e) => showName(e.name));
  const width = Math.min(40, Math.max(4, ...names.map((n) => n.length)));
  const decisionWidth = 24;
  out.push(`${"TOOL".padEnd(width)}  LIST    ${"A CALL WITH NO ARGUMENTS".padEnd(decisionWidth)}  DECIDED BY`);
  explanations.forEach((explanation, i) => {
    const list = explanation.visible ? "shown " : "hidden";
    out.push(
      `${(names[i] as string).padEnd(width)}  ${list}  ${describeCall(explanation).padEnd(decisionWidth)}  ${escapeControl(explanation.call.by)}`,
    );
    for (const line of detailLines(explanation)) out.push(`${"".padEnd(width + 10)}${escapeControl(line)}`);
  });
  out.push(...formatTargets(targets));
  out.push("", formatUnmatched(unmatched, targets.resources !== undefined || targets.prompts !== undefined));
  return `${out.join("\n")}\n`;
}

function serverInfo(catalogue: ServerCatalogue): unknown {
  return catalogue.initialize.serverInfo ?? null;
}

export async function explainCommand(argv: string[]): Promise<number> {
  const command = explainCommandDefinition();
  const early = parseCommand(command, argv);
  if (early !== undefined) return early;
  const options = command.opts<ExplainOptions>();
  if (!options.policy) {
    process.stderr.write("policy-wrap explain: --policy <file> (or POLICY_WRAP_POLICY) is required\n");
    return 2;
  }
  const loaded = await loadPolicy(options.policy);
  if (!loaded.ok) {
    process.stderr.write(
      `policy-wrap explain: the policy is invalid; the server was not started\n${formatProblems(options.policy, loaded.problems)}\n`,
    );
    return 1;
  }
  const catalogue = await listLiveTools("explain", command.args, options.timeout, true);
  if (typeof catalogue === "number") return catalogue;
  const live = liveTargets(loaded.policy, catalogue);
  const explanations = (live.tools ?? []).map((name) => explainTool(loaded.policy, name));
  const targets = explainTargets(loaded.policy, live);
  const unmatched = findUnmatchedNames(loaded.policy, live);
  process.stdout.write(
    options.json
      ? `${JSON.stringify({ policy: options.policy, server: serverInfo(catalogue), tools: explanations, ...targets, unmatched }, null, 2)}\n`
      : formatText(options.policy, serverLabel(catalogue), explanations, targets, unmatched),
  );
  return unmatched.length > 0 ? 1 : 0;
}
