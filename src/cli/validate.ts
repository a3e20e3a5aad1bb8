import { Command } from "commander";
import { listLimits } from "../policy/compile-limits.js";
import { formatProblems, loadPolicy } from "../policy/load-policy.js";
import type { CompiledPolicy } from "../policy/types.js";
import { parseCommand } from "./parse-command.js";
import { checkAgainstServer, splitAgainst } from "./validate-against.js";

// `policy-wrap validate <file>`: the same load the wrapper does, reported for a human.

export async function validateCommand(argv: string[]): Promise<number> {
  const { own, server } = splitAgainst(argv);
  const command = new Command("policy-wrap validate")
    .usage("<file> [--against [--] <server command...>]")
    .argument("<file>", "policy file")
    .option(
      "--against",
      "then start this server and report policy names that match none of its tools (the rest of the line is its command)",
    )
    .description("Check a policy file.");
  const early = parseCommand(command, own);
  if (early !== undefined) return early;
  const file = command.args[0] as string;
  const loaded = await loadPolicy(file);
  if (!loaded.ok) {
    process.stdout.write(`${formatProblems(file, loaded.problems)}\n`);
    return 1;
  }
  process.stdout.write(`${file}: valid (${summarize(loaded.policy)})\n`);
  if (server === undefined) return 0;
  if (server.length === 0) {
    process.stderr.write("policy-wrap validate: --against needs a server command\n");
    return 2;
  }
  return checkAgainstServer(file, loaded.policy, server);
}

export function summarize(policy: CompiledPolicy): string {
  const limits = listLimits(policy).length;
  const tools = policy.sections.tool;
  const hidden = tools.hideExact.size + tools.hideGlobs.length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const tool = [
    `default ${tools.defaultAction}`,
    plural(tools.exact.size, "tool"),
    plural(tools.globs.length, "glob"),
    plural(hidden, "hidden pattern"),
    plural(limits, "limit"),
  ];
  const parts = [tool.join(", ")];
  // Resources and prompts are summed up only when the policy says something about them.
  for (const [kind, word] of [
    ["resource", "resources"],
    ["prompt", "prompts"],
  ] as const) {
    const section = policy.sections[kind];
    if (!section.governed) continue;
    const rules = section.exact.size + section.globs.length;
    const hides = section.hideExact.size + section.hideGlobs.length;
    parts.push(`${word}: default ${section.defaultAction}, ${plural(rules, "rule")}, ${plural(hides, "hidden pattern")}`);
  }
  return parts.join("; ");
}
