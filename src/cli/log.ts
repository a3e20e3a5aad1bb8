import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { AuditFileNotReady, openAuditForReading, queryRecords, recordsAfter, type AuditQuery } from "../audit/read-audit.js";
import { formatJsonLine, formatTableLine, TABLE_HEADER } from "../audit/format-record.js";
import type { AuditRow } from "../audit/record.js";
import { checkPattern } from "../policy/glob.js";
import { parseCommand } from "./parse-command.js";
import { defaultAuditPath } from "./state-path.js";

// `policy-wrap log [filters] [--json] [--follow]` and `policy-wrap log verify`.

/** How often --follow looks for new records: SQLite cannot tell another process that a row arrived. */
export const FOLLOW_POLL_MS = 250;
const OUTCOMES = ["allow", "deny", "would_deny"];
const NO_FILE = (file: string) => `policy-wrap: no audit trail at ${file} yet (nothing has been recorded)\n`;

interface LogOptions {
  audit?: string;
  since?: string;
  tool?: string;
  outcome?: string;
  session?: string;
  limit?: number;
  json?: boolean;
  follow?: boolean;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `1h`, `30m`, `7d` (ago), `2026-11-20` (local midnight) or a full ISO 8601 time. */
export function parseSince(value: string, now = Date.now()): string {
  const relative = /^(\d+)([smhdw])$/.exec(value.trim());
  if (relative) return new Date(now - Number(relative[1]) * (UNITS[relative[2] as string] as number)).toISOString();
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  const at = day ? new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])).getTime() : Date.parse(value);
  if (!Number.isFinite(at)) throw new InvalidArgumentError("must be a duration (30m, 1h, 7d) or a date (2026-11-20, 2026-11-20T09:00:00Z)");
  return new Date(at).toISOString();
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

function glob(value: string): string {
  const bad = checkPattern(value);
  if (bad) throw new InvalidArgumentError(bad);
  return value;
}

const auditOption = () =>
  new Option("--audit <file>", "the audit file (default: audit.db in the per-user data directory)").env("POLICY_WRAP_AUDIT");

export async function logCommand(argv: string[]): Promise<number> {
  if (argv[0] === "verify") return (await import("./log-verify.js")).logVerifyCommand(argv.slice(1));
  const command = new Command("policy-wrap log")
    .description("Show audit records: every decision, result, approval, reload and fault.")
    .addOption(auditOption())
    .addOption(new Option("--since <when>", "records since a duration ago (1h, 7d) or a date (2026-11-20)").argParser((v) => parseSince(v)))
    .addOption(new Option("--tool <glob>", "only these tools (* and ? match)").argParser(glob))
    .addOption(new Option("--outcome <outcome>", "only these decisions (and their results)").choices(OUTCOMES))
    .option("--session <id>", "only this session (or sessions starting so)")
    .addOption(new Option("--limit <n>", "only the newest n records").argParser(positive))
    .option("--json", "one JSON object per line, with OpenTelemetry attribute names")
    .option("--follow", "keep printing new records as they are written, by any wrapper")
    .addHelpText("after", "\n  policy-wrap log verify [--audit <file>] [--anchor <hash>]   check the hash chain");
  const early = parseCommand(command, argv);
  if (early !== undefined) return early;
  const options = command.opts<LogOptions>();
  const file = options.audit ? resolve(options.audit) : defaultAuditPath();
  const query: AuditQuery = {
    since: options.since,
    tool: options.tool,
    outcome: options.outcome,
    session: options.session,
    limit: options.limit,
  };
  const print = options.json ? formatJsonLine : formatTableLine;
  const write = (rows: AuditRow[]) => {
    if (rows.length > 0) process.stdout.write(`${rows.map(print).join("\n")}\n`);
  };
  if (!existsSync(file) && !options.follow) {
    process.stderr.write(NO_FILE(file));
    return 0;
  }
  if (!options.json) process.stdout.write(`${TABLE_HEADER}\n`);
  if (options.follow) return follow(file, query, write);
  try {
    const db = openAuditForReading(file);
    try {
      write(queryRecords(db, query));
    } finally {
      db.close();
    }
    return 0;
  } catch (error) {
    process.stderr.write(`policy-wrap: cannot read the audit trail ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** Prints the matching records, then new ones as they come, until interrupted or stdout closes. */
function follow(file: string, query: AuditQuery, write: (rows: AuditRow[]) => void): Promise<number> {
  return new Promise((done) => {
    let db: ReturnType<typeof openAuditForReading> | undefined;
    let after = 0;
    let timer: NodeJS.Timeout | undefined;
    const stop = (code: number) => {
      clearInterval(timer);
      db?.close();
      process.off("SIGINT", interrupted);
      process.off("SIGTERM", interrupted);
      done(code);
    };
    const interrupted = () => stop(0);
    process.on("SIGINT", interrupted);
    process.on("SIGTERM", interrupted);
    process.stdout.on("error", () => stop(0));
    const poll = () => {
      try {
        if (!db) {
          // The file may not exist yet, or be being set up: the first wrapper creates it.
          if (!existsSync(file)) return;
          try {
            db = openAuditForReading(file);
          } catch (error) {
            if (error instanceof AuditFileNotReady || (error as { code?: unknown }).code === "SQLITE_BUSY") return;
            throw error;
          }
          const initial = queryRecords(db, query);
          write(initial);
          after = initial.at(-1)?.seq ?? (db.prepare("SELECT max(seq) FROM audit").pluck().get() as number | null) ?? 0;
          return;
        }
        const rows = recordsAfter(db, query, after);
        if (rows.length > 0) after = (rows.at(-1) as AuditRow).seq;
        write(rows);
      } catch (error) {
        process.stderr.write(
          `policy-wrap: cannot read the audit trail ${file}: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        stop(1);
      }
    };
    poll();
    timer = setInterval(poll, FOLLOW_POLL_MS);
  });
}
