import type BetterSqlite3 from "better-sqlite3";

// The audit file's tables. `audit` holds the records; `audit_checkpoint` the
// last pruned record's seq and hash, so that the kept records still verify
// after retention pruning. The file is marked as an audit file
// (application_id) so that pointing --audit at another SQLite file (the
// counter state, say) is refused rather than mixed in.

const VERSION = 1;
/** "pwau" */
export const AUDIT_APPLICATION_ID = 0x70776175;

export function migrateAudit(db: BetterSqlite3.Database): void {
  if (db.pragma("user_version", { simple: true }) === VERSION && db.pragma("application_id", { simple: true }) === AUDIT_APPLICATION_ID)
    return;
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    const application = db.pragma("application_id", { simple: true }) as number;
    if (application === AUDIT_APPLICATION_ID && version === VERSION) return;
    if (application === AUDIT_APPLICATION_ID && version > VERSION)
      throw new Error(`the audit file has schema version ${version}; this policy-wrap knows ${VERSION}`);
    const tables = db.prepare("SELECT count(*) FROM sqlite_master").pluck().get() as number;
    if (application !== AUDIT_APPLICATION_ID && (tables > 0 || version !== 0))
      throw new Error("the file is a SQLite database but not a policy-wrap audit file");
    db.exec(`
      CREATE TABLE IF NOT EXISTS audit (
        seq INTEGER PRIMARY KEY, time TEXT NOT NULL, kind TEXT NOT NULL, session TEXT NOT NULL,
        grant_name TEXT, server TEXT, command TEXT, method TEXT, tool TEXT, request_id TEXT,
        outcome TEXT, cause TEXT, rule TEXT, reason TEXT, arguments TEXT, arguments_hash TEXT,
        policy TEXT, mode TEXT, result TEXT, error_code INTEGER, duration_ms INTEGER, result_bytes INTEGER,
        details TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS audit_by_time ON audit(time);
      CREATE TABLE IF NOT EXISTS audit_checkpoint (
        id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL,
        pruned_at TEXT NOT NULL, pruned INTEGER NOT NULL);
    `);
    db.pragma(`application_id = ${AUDIT_APPLICATION_ID}`);
    db.pragma(`user_version = ${VERSION}`);
  }).immediate();
}

export interface Checkpoint {
  seq: number;
  hash: string;
  pruned_at: string;
  pruned: number;
}

export function readCheckpoint(db: BetterSqlite3.Database): Checkpoint | undefined {
  return db.prepare("SELECT seq, hash, pruned_at, pruned FROM audit_checkpoint WHERE id = 1").get() as Checkpoint | undefined;
}
