import { DEFAULT_TIMEOUT_MS, serverLabel } from "../inspect/inspect-server.js";
import { escapeControl } from "../log.js";
import type { CompiledPolicy } from "../policy/types.js";
import { findUnmatchedNames } from "../policy/unmatched-names.js";
import { unmatchedLines } from "./explain.js";
import { liveTargets } from "./explain-targets.js";
import { listLiveTools } from "./live-tools.js";

// `policy-wrap validate <file> --against [--] <server command...>`: after the
// file itself is valid, the names it writes are checked against the tools a
// live server lists. Everything after --against is the server's command line,
// options included, so it is split off before the validate options are parsed.

export function splitAgainst(argv: string[]): { own: string[]; server: string[] | undefined } {
  const at = argv.indexOf("--against");
  // A "--" before --against ends validate's own options: --against is then a file name or the server's.
  const end = argv.indexOf("--");
  if (at === -1 || (end !== -1 && end < at)) return { own: argv, server: undefined };
  const rest = argv.slice(at + 1);
  return { own: [...argv.slice(0, at), "--against"], server: rest[0] === "--" ? rest.slice(1) : rest };
}

/** Prints the report; 0 when every name matches, 1 when some do not, 3 when the server could not be listed. */
export async function checkAgainstServer(file: string, policy: CompiledPolicy, server: string[]): Promise<number> {
  const catalogue = await listLiveTools("validate", server, DEFAULT_TIMEOUT_MS / 1000, true);
  if (typeof catalogue === "number") return catalogue;
  const live = liveTargets(policy, catalogue);
  const names = live.tools ?? [];
  const unmatched = findUnmatchedNames(policy, live);
  const label = `${escapeControl(serverLabel(catalogue))} (${names.length} tool${names.length === 1 ? "" : "s"})`;
  // Tools only, as before, unless the policy also governs resources or prompts.
  const [some, none] = live.resources || live.prompts ? ["a tool, resource or prompt", "nothing"] : ["a tool", "no tool"];
  if (unmatched.length === 0) {
    process.stdout.write(`${file}: every name matches ${some} of ${label}\n`);
    return 0;
  }
  const count = unmatched.length === 1 ? "1 name matches" : `${unmatched.length} names match`;
  process.stdout.write(`${file}: ${count} ${none} of ${label}:\n${unmatchedLines(unmatched).join("\n")}\n`);
  return 1;
}
