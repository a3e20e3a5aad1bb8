import type BetterSqlite3 from "better-sqlite3";

// The counter file's tables, and the steps from each earlier version.
// Version 2 added a charge id per admitted call (refunds remove exactly their
// own rows; rowids are reused after pruning) and the time a counter's
// definition was set (one definition per counter, the newest policy's).

const VERSION = 2;

export function migrateCounters(db: BetterSqlite3.Database): void {
  if (db.pragma("user_version", { simple: true }) === VERSION) return;
  // Two processes may start on a new file at once: check again under the write lock.
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version === VERSION) return;
    if (version > VERSION) throw new Error(`the state file has schema version ${version}; this policy-wrap knows ${VERSION}`);
    if (version === 0) {
      db.exec(`
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS counters (
          bucket TEXT PRIMARY KEY, grant_name TEXT NOT NULL, counter TEXT NOT NULL, scope TEXT NOT NULL,
          window_ms INTEGER NOT NULL, max INTEGER NOT NULL, used INTEGER NOT NULL, defined_at INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS events (bucket TEXT NOT NULL, ts INTEGER NOT NULL, charge TEXT);
        CREATE INDEX IF NOT EXISTS events_by_bucket_ts ON events(bucket, ts);
      `);
    } else {
      db.exec(`
        ALTER TABLE counters ADD COLUMN defined_at INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE events ADD COLUMN charge TEXT;
      `);
    }
    db.pragma(`user_version = ${VERSION}`);
  }).immediate();
}
