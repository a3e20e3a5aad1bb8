import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";
import type { AdmitResult, BucketLimit, CounterRow, CounterStore, Refusal, Ticket } from "./store.js";

// Exact sliding windows in SQLite. Each admitted call is one row; a bucket's
// `used` column is the number of its rows, kept in step on insert and prune,
// so a check costs O(log n) whatever `max` is. Expired rows are pruned on every
// touch of their bucket. Every check-and-consume is one BEGIN IMMEDIATE
// transaction: a deferred one lets two processes both read "9 of 10" and both
// write (measured: over-admission and SQLITE_BUSY without the busy handler).

const SCHEMA_VERSION = 1;
// Loaded with the first store, not at start-up: policies without limits never need it.
const require = createRequire(import.meta.url);
export const BUSY_TIMEOUT_MS = 2000;

export class SqliteCounterStore implements CounterStore {
  readonly #db: BetterSqlite3.Database;
  readonly #statements;
  readonly #admit: (limits: BucketLimit[], now: number) => AdmitResult;
  /** Buckets this process has created or resized, with the size it gave them. */
  readonly #sized = new Map<string, string>();

  /** Opens (creating if needed) and proves the file writable; throws on any fault. */
  constructor(file: string) {
    const Database = require("better-sqlite3") as typeof BetterSqlite3;
    this.#db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    try {
      this.#db.pragma("journal_mode = WAL");
      this.#db.pragma("synchronous = NORMAL");
      this.#migrate();
      this.#sweep(Date.now());
      // A real committed write: some filesystems accept WAL and fail on first write.
      this.#db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('probe', ?)").run(String(Date.now()));
    } catch (error) {
      this.#db.close();
      throw error;
    }
    const db = this.#db;
    this.#statements = {
      ensure: db.prepare(
        "INSERT OR IGNORE INTO counters(bucket, grant_name, counter, scope, window_ms, max, used) VALUES (@bucket, @grant, @counter, @scope, @windowMs, @max, 0)",
      ),
      resize: db.prepare(
        "UPDATE counters SET window_ms = @windowMs, max = @max WHERE bucket = @bucket AND (window_ms != @windowMs OR max != @max)",
      ),
      prune: db.prepare("DELETE FROM events WHERE bucket = ? AND ts <= ?"),
      used: db.prepare("SELECT used FROM counters WHERE bucket = ?").pluck(),
      adjust: db.prepare("UPDATE counters SET used = used + ? WHERE bucket = ?"),
      nth: db.prepare("SELECT ts FROM events WHERE bucket = ? ORDER BY ts LIMIT 1 OFFSET ?").pluck(),
      insert: db.prepare("INSERT INTO events(bucket, ts) VALUES (?, ?)"),
      remove: db.prepare("DELETE FROM events WHERE rowid = ? AND bucket = ?"),
    };
    this.#admit = db.transaction((limits: BucketLimit[], now: number) => this.#admitNow(limits, now)).immediate as unknown as (
      limits: BucketLimit[],
      now: number,
    ) => AdmitResult;
  }

  #migrate(): void {
    const version = this.#db.pragma("user_version", { simple: true }) as number;
    if (version === SCHEMA_VERSION) return;
    if (version !== 0) throw new Error(`the state file has schema version ${version}; this policy-wrap knows ${SCHEMA_VERSION}`);
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS counters (
        bucket TEXT PRIMARY KEY, grant_name TEXT NOT NULL, counter TEXT NOT NULL, scope TEXT NOT NULL,
        window_ms INTEGER NOT NULL, max INTEGER NOT NULL, used INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS events (bucket TEXT NOT NULL, ts INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS events_by_bucket_ts ON events(bucket, ts);
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
  }

  /** Keeps the file bounded: buckets nobody touches still lose expired rows, dead sessions vanish. */
  #sweep(now: number): void {
    this.#db
      .transaction(() => {
        this.#db
          .prepare(
            "DELETE FROM events WHERE rowid IN (SELECT e.rowid FROM events e JOIN counters c ON c.bucket = e.bucket WHERE e.ts <= ? - c.window_ms)",
          )
          .run(now);
        this.#db.exec("UPDATE counters SET used = (SELECT COUNT(*) FROM events e WHERE e.bucket = counters.bucket)");
        this.#db.exec("DELETE FROM counters WHERE scope = 'session' AND used = 0");
      })
      .immediate();
  }

  /** Brings a bucket to `now` and the policy's current size; returns how many calls it holds. */
  #touch(limit: BucketLimit, now: number): number {
    const s = this.#statements;
    const size = `${limit.windowMs}/${limit.max}`;
    if (this.#sized.get(limit.bucket) !== size) {
      s.ensure.run(limit);
      s.resize.run(limit);
      this.#sized.set(limit.bucket, size);
    }
    const pruned = s.prune.run(limit.bucket, now - limit.windowMs).changes;
    if (pruned > 0) s.adjust.run(-pruned, limit.bucket);
    const used = s.used.get(limit.bucket) as number | undefined;
    if (used !== undefined) return used;
    // Another process reset the counter since this one last sized it.
    this.#sized.delete(limit.bucket);
    return this.#touch(limit, now);
  }

  #retryAfter(limit: BucketLimit, used: number, now: number): number {
    // The call fits once used - max + 1 of the oldest rows have left the window.
    const ts = this.#statements.nth.get(limit.bucket, used - limit.max) as number | undefined;
    return ts === undefined ? 0 : Math.max(0, ts + limit.windowMs - now);
  }

  #admitNow(limits: BucketLimit[], now: number): AdmitResult {
    const refusals: Refusal[] = [];
    for (const limit of limits) {
      const used = this.#touch(limit, now);
      if (used >= limit.max) refusals.push({ bucket: limit.bucket, used, retryAfterMs: this.#retryAfter(limit, used, now) });
    }
    if (refusals.length > 0) return { admitted: false, refusals };
    const entries = limits.map((limit) => {
      const id = Number(this.#statements.insert.run(limit.bucket, now).lastInsertRowid);
      this.#statements.adjust.run(1, limit.bucket);
      return { bucket: limit.bucket, id };
    });
    return { admitted: true, ticket: { entries } };
  }

  admit(limits: BucketLimit[], now: number): AdmitResult {
    return this.#admit(limits, now);
  }

  refund(ticket: Ticket): void {
    this.#db
      .transaction(() => {
        for (const { bucket, id } of ticket.entries) {
          if (this.#statements.remove.run(id, bucket).changes > 0) this.#statements.adjust.run(-1, bucket);
        }
      })
      .immediate();
  }

  list(now: number, grant?: string): CounterRow[] {
    const rows = this.#db
      .prepare(
        `SELECT bucket, grant_name AS "grant", counter, scope, window_ms AS windowMs, max FROM counters ${grant === undefined ? "" : "WHERE grant_name = ?"} ORDER BY grant_name, counter`,
      )
      .all(...(grant === undefined ? [] : [grant])) as (BucketLimit & { bucket: string })[];
    return this.#db
      .transaction(() =>
        rows.map((row) => {
          const used = this.#touch(row, now);
          return {
            counter: row.counter,
            grant: row.grant,
            scope: row.scope,
            used,
            max: row.max,
            windowMs: row.windowMs,
            retryAfterMs: used >= row.max ? this.#retryAfter(row, used, now) : 0,
          };
        }),
      )
      .immediate();
  }

  reset(counter: string, grant?: string): number {
    const where = grant === undefined ? "counter = ?" : "counter = ? AND grant_name = ?";
    const args = grant === undefined ? [counter] : [counter, grant];
    return this.#db
      .transaction(() => {
        this.#db.prepare(`DELETE FROM events WHERE bucket IN (SELECT bucket FROM counters WHERE ${where})`).run(...args);
        return this.#db.prepare(`DELETE FROM counters WHERE ${where}`).run(...args).changes;
      })
      .immediate();
  }

  close(): void {
    this.#db.close();
  }
}
