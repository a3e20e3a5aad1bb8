import { Command, Option } from "commander";
import { awaitOutcome, decideFromOutside, MAX_NOTE_CHARS, type OutsideDecision } from "../approvals/decide.js";
import { describeDecision, describeOutcome, formatDuration, recordJson, recordsJson } from "../approvals/describe-record.js";
import { parseApprovalId } from "../approvals/approval-id.js";
import { PendingApprovals, type PendingRecord } from "../approvals/pending-store.js";
import { escapeControl } from "../log.js";
import { showJson } from "../text/shown-json.js";
import { visibleText } from "../text/visible-text.js";
import { openExistingRecordsFile, type RecordsFile } from "../records/records-file.js";
import { locateRecords, type RecordsOptions } from "../records/records-location.js";
import { parseCommand } from "./parse-command.js";
import { defaultStatePath } from "./state-path.js";

// `policy-wrap approvals`, `approve <id>`, `deny <id>`: held calls of every
// wrapper that keeps its records in the same file, decided from a terminal.

/** How long `approve`/`deny` wait to say what the wrapper did (it polls every 100 ms). */
const OUTCOME_WAIT_MS = 3000;
const SHOWN_ARGUMENT_CHARS = 60;

function recordsOptions(command: Command): Command {
  return command
    .addOption(new Option("--state <path>", "the wrappers' SQLite --state file (their records live there)").env("POLICY_WRAP_STATE"))
    .addOption(new Option("--records <file>", "the wrappers' --records file").env("POLICY_WRAP_RECORDS"));
}

function openPending(options: RecordsOptions): { records: RecordsFile | undefined; file: string } {
  const { file } = locateRecords(options, defaultStatePath);
  return { records: openExistingRecordsFile(file), file };
}

const out = (text: string): void => void process.stdout.write(text);
const fail = (text: string): void => void process.stderr.write(`policy-wrap: ${escapeControl(text)}\n`);

export async function approvalsCommand(argv: string[]): Promise<number> {
  const command = recordsOptions(new Command("policy-wrap approvals").description("List calls waiting for approval."))
    .option("--json", "print JSON for scripts")
    .option("--recent", "list the latest decided calls instead");
  const early = parseCommand(command, argv);
  if (early !== undefined) return early;
  const options = command.opts<RecordsOptions & { json?: boolean; recent?: boolean }>();
  return withRecords(
    options,
    (pending, file) => {
      const rows = options.recent ? pending.recent(20) : pending.listPending(Date.now());
      if (options.json) out(`${recordsJson(rows.map(recordJson))}\n`);
      else if (rows.length === 0) out(options.recent ? `no decided calls in ${file}\n` : `no calls are waiting for approval (${file})\n`);
      else out(formatTable(rows, options.recent === true));
      return 0;
    },
    () => {
      out(options.json ? "[]\n" : "no calls are waiting for approval (no wrapper has recorded any yet)\n");
      return 0;
    },
  );
}

export function approveCommand(argv: string[]): Promise<number> {
  return decideCommand(argv, "approve");
}

export function denyCommand(argv: string[]): Promise<number> {
  return decideCommand(argv, "deny");
}

async function decideCommand(argv: string[], verb: "approve" | "deny"): Promise<number> {
  const words =
    verb === "approve"
      ? { flag: "--note <text>", what: "a note for the audit trail" }
      : { flag: "--reason <text>", what: "why, for the agent and the audit trail" };
  const command = recordsOptions(
    new Command(`policy-wrap ${verb}`)
      .description(`${verb === "approve" ? "Approve" : "Deny"} a held call.`)
      .argument("<id>", "the approval id"),
  )
    .option(words.flag, words.what)
    .option("--json", "print JSON for scripts");
  const early = parseCommand(command, argv);
  if (early !== undefined) return early;
  const options = command.opts<RecordsOptions & { note?: string; reason?: string; json?: boolean }>();
  const text = command.args[0] ?? "";
  const id = parseApprovalId(text);
  if (id === undefined) {
    fail(`"${text}" is not an approval id (10 letters and digits, as \`policy-wrap approvals\` lists them)`);
    return 2;
  }
  const note = verb === "approve" ? options.note : options.reason;
  if (note !== undefined && note.length > MAX_NOTE_CHARS) {
    fail(`the ${verb === "approve" ? "note" : "reason"} is longer than ${MAX_NOTE_CHARS} characters`);
    return 2;
  }
  const decision: OutsideDecision = { answer: verb === "approve" ? "approved" : "declined", channel: "cli", note };
  return withRecords(
    options,
    async (pending, file) => {
      const result = decideFromOutside(pending, id, decision);
      if (result.kind === "unknown") {
        fail(`no approval ${id} in ${file}`);
        return 1;
      }
      if (result.kind === "already") {
        const r = result.record;
        if (options.json) out(`${recordsJson({ decided: false, record: recordJson(r) })}\n`);
        fail(`approval ${id} (${quoted(r.tool)} on ${quoted(r.server)}) was already ${describeDecision(r)}; nothing changed`);
        return 1;
      }
      const after = (await awaitOutcome(pending, id, OUTCOME_WAIT_MS)) ?? result.record;
      if (options.json) {
        out(`${recordsJson({ decided: true, record: recordJson(after) })}\n`);
        return 0;
      }
      const what = describeOutcome(after) ?? `the wrapper (pid ${after.process.pid}) has not acted on it yet`;
      out(
        escapeControl(`${verb === "approve" ? "approved" : "denied"} ${id}: ${quoted(after.tool)} on ${quoted(after.server)}; ${what}`) +
          "\n",
      );
      return 0;
    },
    () => {
      fail(`no approval ${id}: no wrapper has recorded any in ${locateRecords(options, defaultStatePath).file}`);
      return 1;
    },
  );
}

async function withRecords(
  options: RecordsOptions,
  run: (pending: PendingApprovals, file: string) => number | Promise<number>,
  missing: () => number,
): Promise<number> {
  let opened;
  try {
    opened = openPending(options);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
    return 1;
  }
  if (!opened.records) return missing();
  try {
    return await run(new PendingApprovals(opened.records), opened.file);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
    return 1;
  } finally {
    opened.records.close();
  }
}

const quoted = (text: string): string => JSON.stringify(text);

function compactArguments(text: string): string {
  return text.length > SHOWN_ARGUMENT_CHARS ? `${text.slice(0, SHOWN_ARGUMENT_CHARS - 3)}...` : text;
}

function formatTable(rows: PendingRecord[], recent: boolean): string {
  const now = Date.now();
  const header = recent
    ? ["ID", "DECIDED", "TOOL", "SERVER", "DECISION"]
    : ["ID", "WAITING", "TIMES OUT", "TOOL", "SERVER", "PID", "ARGUMENTS"];
  const lines = rows.map((r) =>
    (recent
      ? [r.id, `${formatDuration(now - (r.decision?.at ?? now))} ago`, visibleText(r.tool), visibleText(r.server), describeDecision(r)]
      : [
          r.id,
          formatDuration(now - r.createdAt),
          `in ${formatDuration(r.expiresAt - now)}`,
          visibleText(r.tool),
          visibleText(r.server),
          String(r.process.pid),
          compactArguments(showJson(r.arguments)),
        ]
    ).map(escapeControl),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  return (
    [header, ...lines]
      .map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join("  "))
      .join("\n") + "\n"
  );
}
