import { Command } from "commander";
import { listLimits } from "../policy/compile-limits.js";
import { formatProblems, loadPolicy } from "../policy/load-policy.js";
import type { CompiledPolicy } from "../policy/types.js";
import { parseCommand } from "./parse-command.js";

// `policy-wrap validate <file>`: the same load the wrapper does, reported for a human.

export async function validateCommand(argv: string[]): Promise<number> {
  const command = new Command("policy-wrap validate").argument("<file>", "policy file").description("Check a policy file.");
  const early = parseCommand(command, argv);
  if (early !== undefined) return early;
  const file = command.args[0] as string;
  const loaded = await loadPolicy(file);
  if (!loaded.ok) {
    process.stdout.write(`${formatProblems(file, loaded.problems)}\n`);
    return 1;
  }
  process.stdout.write(`${file}: valid (${summarize(loaded.policy)})\n`);
  return 0;
}

export function summarize(policy: CompiledPolicy): string {
  const limits = listLimits(policy).length;
  const hidden = policy.hideExact.size + policy.hideGlobs.length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return [
    `default ${policy.defaultAction}`,
    plural(policy.exact.size, "tool"),
    plural(policy.globs.length, "glob"),
    plural(hidden, "hidden pattern"),
    plural(limits, "limit"),
  ].join(", ");
}
