import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";
import type { AuditRow } from "../../src/audit/record.js";
import { BIN } from "../helpers/paths.js";

const require = createRequire(import.meta.url);
const Database = require("better-sqlite3") as typeof BetterSqlite3;

/** Every record in the file, oldest first, read the way a user's sqlite3 would. */
export function readRecords(file: string): AuditRow[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT * FROM audit ORDER BY seq").all() as AuditRow[];
  } finally {
    db.close();
  }
}

/** Runs an SQL statement against the file, as someone tampering with it would. */
export function tamper(file: string, sql: string, ...params: unknown[]): void {
  const db = new Database(file);
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, ...env } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

export const decisions = (rows: AuditRow[]) => rows.filter((r) => r.kind === "decision");
export const results = (rows: AuditRow[]) => rows.filter((r) => r.kind === "result");
