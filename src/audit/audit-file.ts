import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { storeArguments } from "./arguments.js";
import { migrateAudit, readCheckpoint } from "./audit-schema.js";
import { GENESIS, hashRecord, storable } from "./chain.js";
import { COLUMNS, type ArgumentsMode, type AuditRow, type RecordDraft } from "./record.js";

// Appends records to the audit file, chained. Every append is one BEGIN
// IMMEDIATE transaction that reads the newest record's hash under the write
// lock, so any number of processes appending to one file make one chain.
// Runs on the writer thread (audit-worker), never on the relay's.

const require = createRequire(import.meta.url);
export const AUDIT_BUSY_TIMEOUT_MS = 5000;
/** Rows deleted per pruning transaction, so other writers are not held up long. */
const PRUNE_STEP = 5000;

export interface AuditFileOptions {
  createDirectory?: boolean;
  argumentsMode: ArgumentsMode;
}

const INSERT = `INSERT INTO audit (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})`;

export class AuditFile {
  readonly file: string;
  readonly #db: BetterSqlite3.Database;
  readonly #argumentsMode: ArgumentsMode;
  readonly #append: (drafts: RecordDraft[]) => number;

  constructor(file: string, options: AuditFileOptions) {
    const Database = require("better-sqlite3") as typeof BetterSqlite3;
    if (options.createDirectory) mkdirSync(dirname(file), { recursive: true });
    this.file = file;
    this.#argumentsMode = options.argumentsMode;
    const db = new Database(file, { timeout: AUDIT_BUSY_TIMEOUT_MS });
    this.#db = db;
    try {
      db.pragma("journal_mode = WAL");
      // WAL with NORMAL: a commit is not fsynced (checkpoints are); a power cut may lose the last records, never corrupt the chain.
      db.pragma("synchronous = NORMAL");
      migrateAudit(db);
    } catch (error) {
      db.close();
      throw error;
    }
    const head = db.prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    const insert = db.prepare(INSERT);
    this.#append = db.transaction((drafts: RecordDraft[]) => {
      const last = (head.get() as { seq: number; hash: string } | undefined) ?? readCheckpoint(db) ?? { seq: 0, hash: GENESIS };
      let { seq, hash } = last;
      for (const draft of drafts) {
        const row = this.#row(draft, ++seq, hash);
        insert.run(COLUMNS.map((c) => row[c]));
        hash = row.hash;
      }
      return seq;
    }).immediate as unknown as (drafts: RecordDraft[]) => number;
  }

  /** Appends the records in one transaction; returns the last one's seq. Throws on any fault (nothing is written then). */
  append(drafts: RecordDraft[]): number {
    return this.#append(drafts);
  }

  #row(d: RecordDraft, seq: number, prev: string): AuditRow {
    const text = (value: string | null | undefined) => (value === undefined || value === null ? null : storable(value));
    const int = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? Math.round(value) : null);
    let details = d.details;
    let args: string | null = null;
    let argsHash: string | null = null;
    if (d.hasArgs) {
      const stored = storeArguments(this.#argumentsMode, d.request);
      args = stored.text;
      argsHash = stored.hash;
      if (stored.truncatedFrom !== undefined) details = { ...details, arguments_truncated_from: stored.truncatedFrom };
    }
    const code = d.errorCode;
    if (code !== undefined && !Number.isSafeInteger(code)) details = { ...details, error_code: String(code) };
    const row: AuditRow = {
      seq,
      time: new Date(d.at).toISOString(),
      kind: d.kind,
      session: storable(d.session),
      grant_name: text(d.grant),
      server: text(d.server),
      command: text(d.command),
      method: text(d.method),
      tool: text(d.tool),
      request_id: text(d.requestId),
      outcome: text(d.outcome),
      cause: text(d.cause),
      rule: text(d.rule),
      reason: text(d.reason),
      arguments: text(args),
      arguments_hash: argsHash,
      policy: text(d.policy),
      mode: text(d.mode),
      result: text(d.result),
      error_code: code !== undefined && Number.isSafeInteger(code) ? code : null,
      duration_ms: int(d.durationMs),
      result_bytes: int(d.resultBytes),
      details: details === undefined ? null : JSON.stringify(details),
      prev_hash: prev,
      hash: "",
    };
    row.hash = hashRecord(row);
    return row;
  }

  /**
   * Deletes records older than `before` (ms since the epoch), oldest first, and
   * keeps the last deleted record's seq and hash as the checkpoint the first
   * kept record chains to. Returns how many were deleted.
   */
  prune(before: number): number {
    const db = this.#db;
    const cutoff = new Date(before).toISOString();
    const firstKept = db.prepare("SELECT min(seq) FROM audit WHERE time >= ?").pluck();
    // Only a prefix goes: a record newer than the cutoff stops the pruning, so what is kept stays one chain.
    const stepEnd = db.prepare(
      "SELECT seq, hash FROM (SELECT seq, hash FROM audit WHERE seq < ? ORDER BY seq LIMIT ?) ORDER BY seq DESC LIMIT 1",
    );
    const remove = db.prepare("DELETE FROM audit WHERE seq <= ?");
    const checkpoint = db.prepare("INSERT OR REPLACE INTO audit_checkpoint (id, seq, hash, pruned_at, pruned) VALUES (1, ?, ?, ?, ?)");
    const step = db.transaction(() => {
      const keepFrom = (firstKept.get(cutoff) as number | null) ?? Number.MAX_SAFE_INTEGER;
      const last = stepEnd.get(keepFrom, PRUNE_STEP) as { seq: number; hash: string } | undefined;
      if (!last) return 0;
      const count = remove.run(last.seq).changes;
      checkpoint.run(last.seq, last.hash, new Date().toISOString(), (readCheckpoint(db)?.pruned ?? 0) + count);
      return count;
    });
    let total = 0;
    for (let deleted = step.immediate(); deleted > 0; deleted = step.immediate()) total += deleted;
    return total;
  }

  close(): void {
    this.#db.close();
  }
}
