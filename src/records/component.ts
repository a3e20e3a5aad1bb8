import type BetterSqlite3 from "better-sqlite3";

// This machine's records (pending approvals, running wrappers, and later tool
// pins) share one SQLite file, and that file may also hold the rate-limit
// counters, which version their tables with PRAGMA user_version. So each
// component versions its own tables with a row of its own in the `meta`
// table ("schema:<name>"), and no two components ever fight over one number.

export interface RecordsComponent {
  /** The `meta` row is `schema:<name>`. */
  name: string;
  /** The version this build writes; a file with a newer one is refused, never downgraded. */
  version: number;
  /** Brings the tables from `from` (0: none yet) to `version`; runs inside the migration's write transaction. */
  migrate(db: BetterSqlite3.Database, from: number): void;
}

/** The meta table as the counter store creates it too: whoever comes first makes it. */
const META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)";

export class RecordsVersionError extends Error {
  override readonly name = "RecordsVersionError";
}

function storedVersion(db: BetterSqlite3.Database, name: string): number {
  const value = db.prepare("SELECT value FROM meta WHERE key = ?").pluck().get(`schema:${name}`) as string | undefined;
  return value === undefined ? 0 : Number(value);
}

/** Migrates each component that is behind, each under the write lock (two processes may open a new file at once). */
export function migrateComponents(db: BetterSqlite3.Database, components: readonly RecordsComponent[]): void {
  db.exec(META);
  for (const component of components) {
    if (storedVersion(db, component.name) === component.version) continue;
    db.transaction(() => {
      const from = storedVersion(db, component.name);
      if (from === component.version) return;
      if (!Number.isSafeInteger(from) || from > component.version)
        throw new RecordsVersionError(
          `its ${component.name} tables have version ${String(from)}; this policy-wrap knows ${component.version} (a newer policy-wrap wrote them)`,
        );
      component.migrate(db, from);
      db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)").run(`schema:${component.name}`, String(component.version));
    }).immediate();
  }
}
