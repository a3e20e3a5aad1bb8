import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";
import { compileGlob } from "../policy/glob.js";
import { AUDIT_APPLICATION_ID } from "./audit-schema.js";
import { COLUMNS, type AuditRow } from "./record.js";

// Reading the audit file: filtered queries and following new records. Opened
// read-only: `policy-wrap log` never writes (nor creates) the file it reads.

const require = createRequire(import.meta.url);

export interface AuditQuery {
  /** ISO 8601 time: records at or after it. */
  since?: string;
  /** A tool name or glob (* and ?). */
  tool?: string;
  outcome?: string;
  /** A session id, or the start of one (the table shows the first 8 characters). */
  session?: string;
  /** The newest N records (still printed oldest first). */
  limit?: number;
}

/** A file a wrapper has created but not yet set up as an audit file (`log --follow` waits for it). */
export class AuditFileNotReady extends Error {
  override readonly name = "AuditFileNotReady";
}

export function openAuditForReading(file: string): BetterSqlite3.Database {
  const Database = require("better-sqlite3") as typeof BetterSqlite3;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    if (db.pragma("application_id", { simple: true }) !== AUDIT_APPLICATION_ID) {
      const empty = db.prepare("SELECT count(*) FROM sqlite_master").pluck().get() === 0;
      throw empty ? new AuditFileNotReady("the file is not set up yet") : new Error("the file is not a policy-wrap audit file");
    }
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function whereClause(db: BetterSqlite3.Database, query: AuditQuery): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (query.since !== undefined) {
    parts.push("time >= ?");
    params.push(query.since);
  }
  if (query.tool !== undefined) {
    const glob = compileGlob(query.tool);
    db.function("tool_matches", { deterministic: true }, (tool: unknown) => (typeof tool === "string" && glob.regex.test(tool) ? 1 : 0));
    parts.push("tool_matches(tool)");
  }
  if (query.outcome !== undefined) {
    parts.push("outcome = ?");
    params.push(query.outcome);
  }
  if (query.session !== undefined) {
    parts.push("substr(session, 1, ?) = ?");
    params.push(query.session.length, query.session);
  }
  return { sql: parts.length === 0 ? "" : `WHERE ${parts.join(" AND ")}`, params };
}

export function queryRecords(db: BetterSqlite3.Database, query: AuditQuery): AuditRow[] {
  const { sql, params } = whereClause(db, query);
  const columns = COLUMNS.join(", ");
  if (query.limit === undefined) return db.prepare(`SELECT ${columns} FROM audit ${sql} ORDER BY seq`).all(...params) as AuditRow[];
  const newest = db.prepare(`SELECT ${columns} FROM audit ${sql} ORDER BY seq DESC LIMIT ?`).all(...params, query.limit) as AuditRow[];
  return newest.reverse();
}

/** Records after `afterSeq` matching the query, oldest first. */
export function recordsAfter(db: BetterSqlite3.Database, query: AuditQuery, afterSeq: number): AuditRow[] {
  const { sql, params } = whereClause(db, { ...query, limit: undefined });
  const where = sql === "" ? "WHERE seq > ?" : `${sql} AND seq > ?`;
  return db.prepare(`SELECT ${COLUMNS.join(", ")} FROM audit ${where} ORDER BY seq`).all(...params, afterSeq) as AuditRow[];
}

export function lastSeq(db: BetterSqlite3.Database): number {
  return (db.prepare("SELECT max(seq) FROM audit").pluck().get() as number | null) ?? 0;
}
