import { existsSync } from "node:fs";
import type BetterSqlite3 from "better-sqlite3";
import { describeSqliteError } from "../limits/sqlite-faults.js";
import { openSqliteDatabase } from "../limits/sqlite-store.js";
import { StoreFault } from "../limits/store.js";
import { pinsTable } from "../pins/pins-table.js";
import { approvalsTable } from "./approvals-table.js";
import { migrateComponents, type RecordsComponent } from "./component.js";
import { wrappersTable } from "./wrappers-table.js";

// This machine's records file: a SQLite file holding the tables of every
// component listed here. Another component (tool pins) adds its table module
// to RECORD_COMPONENTS; each migrates on its own version row.

export const RECORD_COMPONENTS: readonly RecordsComponent[] = [approvalsTable, wrappersTable, pinsTable];

export interface RecordsFile {
  readonly file: string;
  readonly db: BetterSqlite3.Database;
  close(): void;
}

export interface OpenRecordsOptions {
  /** Create the file's directory (the default per-user location only). */
  createDirectory?: boolean;
  components?: readonly RecordsComponent[];
}

/** Opens (creating if needed) and migrates the records file; a StoreFault says what is wrong in words. */
export function openRecordsFile(file: string, options: OpenRecordsOptions = {}): RecordsFile {
  let db: BetterSqlite3.Database | undefined;
  try {
    db = openSqliteDatabase(file, { createDirectory: options.createDirectory });
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    migrateComponents(db, options.components ?? RECORD_COMPONENTS);
  } catch (error) {
    db?.close();
    if (error instanceof StoreFault) throw error;
    throw new StoreFault(`cannot open the records file ${file}: ${describeSqliteError(error, file)}`, { cause: error });
  }
  const opened = db;
  return { file, db: opened, close: () => opened.close() };
}

/** For commands that only look: no file, nothing to show (and nothing created). */
export function openExistingRecordsFile(file: string): RecordsFile | undefined {
  return existsSync(file) ? openRecordsFile(file) : undefined;
}
