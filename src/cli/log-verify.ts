import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { openAuditForReading } from "../audit/read-audit.js";
import { verifyChain } from "../audit/verify-chain.js";
import { escapeControl } from "../log.js";
import { parseCommand } from "./parse-command.js";
import { defaultAuditPath } from "./state-path.js";

// `policy-wrap log verify [--audit <file>] [--anchor <hash>]`: exit 0 when the
// chain is intact and complete, 1 when a record does not match (or the anchor
// is not in the chain), 3 when the chain is intact but the wrapper recorded
// gaps (records it could not write).

export const VERIFY_GAPS_EXIT = 3;

function hash(value: string): string {
  const lower = value.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(lower)) throw new InvalidArgumentError("must be a sha256 hash (64 hex digits)");
  return lower;
}

export async function logVerifyCommand(argv: string[]): Promise<number> {
  const command = new Command("policy-wrap log verify")
    .description("Recompute the audit trail's hash chain and name the first record that does not match.")
    .addOption(new Option("--audit <file>", "the audit file (default: audit.db in the per-user data directory)").env("POLICY_WRAP_AUDIT"))
    .addOption(new Option("--anchor <hash>", "a record hash kept elsewhere: it must still be in the chain").argParser(hash));
  const early = parseCommand(command, argv);
  if (early !== undefined) return early;
  const options = command.opts<{ audit?: string; anchor?: string }>();
  const file = options.audit ? resolve(options.audit) : defaultAuditPath();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  if (!existsSync(file)) {
    process.stderr.write(`policy-wrap: no audit trail at ${file}: nothing to verify\n`);
    return 1;
  }
  let verdict;
  try {
    const db = openAuditForReading(file);
    try {
      verdict = verifyChain(db, options.anchor);
    } finally {
      db.close();
    }
  } catch (error) {
    process.stderr.write(`policy-wrap: cannot read the audit trail ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  if (!verdict.ok) {
    say(`FAILED at record ${verdict.seq}: ${verdict.problem}`);
    say(`(${verdict.checked} record(s) before it verified)`);
    return 1;
  }
  const range = verdict.records === 0 ? "no records" : `${verdict.records} record(s), ${verdict.first} to ${verdict.last}`;
  say(`OK: ${range}; the chain is intact`);
  if (verdict.checkpoint) {
    const { seq, pruned, pruned_at: at } = verdict.checkpoint;
    say(`records up to ${seq} were pruned by retention (${pruned} in all, last on ${escapeControl(at)}); the chain is checked from there`);
  }
  if (options.anchor) say(`the anchor is record ${verdict.anchorSeq}: nothing up to it was changed`);
  say(`head hash: ${verdict.head} (keep it elsewhere and pass it as --anchor later)`);
  if (verdict.gaps.length === 0) return 0;
  for (const gap of verdict.gaps)
    say(`GAP at record ${gap.seq} (${escapeControl(gap.time)}): ${gap.lost} record(s) were not written: ${escapeControl(gap.reason)}`);
  say(`the chain is intact but incomplete: ${verdict.gaps.length} gap(s)`);
  return VERIFY_GAPS_EXIT;
}
