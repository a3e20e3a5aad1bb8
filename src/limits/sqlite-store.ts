import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { packageRoot } from "../package-root.js";
import { migrateCounters } from "./sqlite-schema.js";
import { asStoreFault } from "./sqlite-faults.js";
import {
  StoreFault,
  type AdmitResult,
  type BucketLimit,
  type Conflict,
  type CounterRow,
  type CounterStore,
  type PeekResult,
  type Refusal,
  type Ticket,
} from "./store.js";

// Exact sliding windows in SQLite. Each admitted call is one row carrying its
// own charge id; a bucket's `used` column is the number of its rows, kept in
// step on insert and prune, so a check costs O(log n) whatever `max` is.
// Expired rows are pruned on every touch of their bucket, with the window the
// store keeps for it (one definition per counter, see BucketLimit.definedAt).
// Every check-and-consume is one BEGIN IMMEDIATE transaction: a deferred one
// lets two processes both read "9 of 10" and both write (measured:
// over-admission and SQLITE_BUSY without the busy handler).

// Loaded with the first store, not at start-up: policies without limits never need it.
const require = createRequire(import.meta.url);
export const BUSY_TIMEOUT_MS = 2000;

export interface SqliteStoreOptions {
  /** Milliseconds since the epoch; this machine's clock unless a test gives another. */
  clock?: () => number;
  /** Create the file's directory (for the default per-user location only). */
  createDirectory?: boolean;
}

interface StoredBucket {
  used: number;
  window_ms: number;
  max: number;
  defined_at: number;
}

function loadDriver(): typeof BetterSqlite3 {
  try {
    return require("better-sqlite3") as typeof BetterSqlite3;
  } catch (error) {
    throw (
      nativeModuleFault(error) ?? new StoreFault(`the SQLite module (better-sqlite3) cannot be loaded: ${String(error)}`, { cause: error })
    );
  }
}

/**
 * Once the native part failed to load, every later try in the process fails otherwise
 * ("Module did not self-register"): keep the first reason. Another thread (the audit
 * writer's worker) may have made the first try, so that message is the same fault.
 */
let nativeFault: StoreFault | undefined;

/** better-sqlite3 loads its native part at the first `new Database()`, not at require: both places come here. */
function nativeModuleFault(error: unknown): StoreFault | undefined {
  if (nativeFault) return nativeFault;
  const message = error instanceof Error ? error.message : String(error);
  if (
    !/NODE_MODULE_VERSION|compiled against a different Node\.js version|invalid ELF header|wrong ELF class|did not self-register/.test(
      message,
    )
  )
    return undefined;
  nativeFault = new StoreFault(
    `the SQLite module (better-sqlite3) was built for another Node.js version than this one (${process.version}); ` +
      `rebuild it with this Node.js: cd ${rebuildFolder()} && npm rebuild better-sqlite3`,
    { cause: error },
  );
  return nativeFault;
}

/**
 * Where `npm rebuild better-sqlite3` finds the copy policy-wrap loads: the folder
 * whose node_modules holds it. That is the project for a per-project install (npm
 * hoists it there), policy-wrap's own folder for a global install or a clone.
 */
function rebuildFolder(): string {
  try {
    return dirname(dirname(dirname(require.resolve("better-sqlite3/package.json"))));
  } catch {
    return packageRoot();
  }
}

/**
 * Opens a SQLite file through the one loader, so that a native module built for
 * another Node.js is reported with its fix whoever opens a file first (the
 * counters or this machine's records). Throws a StoreFault for that; other
 * errors as SQLite throws them.
 */
export function openSqliteDatabase(file: string, options: { createDirectory?: boolean; readonly?: boolean } = {}): BetterSqlite3.Database {
  if (nativeFault) throw nativeFault;
  const Database = loadDriver();
  if (options.createDirectory) mkdirSync(dirname(file), { recursive: true });
  try {
    return new Database(file, { timeout: BUSY_TIMEOUT_MS, readonly: options.readonly === true, fileMustExist: options.readonly === true });
  } catch (error) {
    throw nativeModuleFault(error) ?? error;
  }
}

export function openSqliteStore(file: string, options: SqliteStoreOptions = {}): SqliteCounterStore {
  return asStoreFault(`cannot open the counter store ${file}`, () => {
    const db = openSqliteDatabase(file, { createDirectory: options.createDirectory });
    return new SqliteCounterStore(db, file, options.clock ?? Date.now);
  });
}

export class SqliteCounterStore implements CounterStore {
  readonly description: string;
  readonly #db: BetterSqlite3.Database;
  readonly #clock: () => number;
  readonly #statements;
  readonly #admit: (limits: BucketLimit[], charge: string, now: number) => AdmitResult;

  /** Takes an open database, migrates it and proves it writable; throws on any fault. */
  constructor(db: BetterSqlite3.Database, file: string, clock: () => number) {
    this.description = file;
    this.#db = db;
    this.#clock = clock;
    try {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      migrateCounters(db);
      this.#sweep(clock());
      // A real committed write: some filesystems accept WAL and fail on first write.
      db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('probe', ?)").run(String(clock()));
    } catch (error) {
      db.close();
      throw error;
    }
    this.#statements = {
      bucket: db.prepare("SELECT used, window_ms, max, defined_at FROM counters WHERE bucket = ?"),
      create: db.prepare(
        "INSERT INTO counters(bucket, grant_name, counter, scope, window_ms, max, used, defined_at) VALUES (@bucket, @grant, @counter, @scope, @windowMs, @max, 0, @definedAt)",
      ),
      redefine: db.prepare("UPDATE counters SET window_ms = @windowMs, max = @max, defined_at = @definedAt WHERE bucket = @bucket"),
      prune: db.prepare("DELETE FROM events WHERE bucket = ? AND ts <= ?"),
      adjust: db.prepare("UPDATE counters SET used = used + ? WHERE bucket = ?"),
      nth: db.prepare("SELECT ts FROM events WHERE bucket = ? ORDER BY ts LIMIT 1 OFFSET ?").pluck(),
      insert: db.prepare("INSERT INTO events(bucket, ts, charge) VALUES (?, ?, ?)"),
      remove: db.prepare("DELETE FROM events WHERE bucket = ? AND ts = ? AND charge = ?"),
      countSince: db.prepare("SELECT COUNT(*) FROM events WHERE bucket = ? AND ts > ?").pluck(),
      nthSince: db.prepare("SELECT ts FROM events WHERE bucket = ? AND ts > ? ORDER BY ts LIMIT 1 OFFSET ?").pluck(),
    };
    this.#admit = db.transaction((limits: BucketLimit[], charge: string, now: number) => this.#admitNow(limits, charge, now))
      .immediate as unknown as (limits: BucketLimit[], charge: string, now: number) => AdmitResult;
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

  /**
   * Brings a bucket to `now` under its one definition. Returns how many calls it
   * holds, or the conflict when a later policy defined the counter otherwise.
   */
  #touch(limit: BucketLimit, now: number): number | Conflict {
    const s = this.#statements;
    let stored = s.bucket.get(limit.bucket) as StoredBucket | undefined;
    if (!stored) {
      s.create.run(limit);
      stored = { used: 0, window_ms: limit.windowMs, max: limit.max, defined_at: limit.definedAt };
    } else if (stored.window_ms !== limit.windowMs || stored.max !== limit.max) {
      if (stored.defined_at >= limit.definedAt) {
        const kept = { windowMs: stored.window_ms, max: stored.max };
        return { bucket: limit.bucket, counter: limit.counter, stored: kept, wanted: { windowMs: limit.windowMs, max: limit.max } };
      }
      s.redefine.run(limit);
    }
    const pruned = s.prune.run(limit.bucket, now - limit.windowMs).changes;
    if (pruned > 0) s.adjust.run(-pruned, limit.bucket);
    return stored.used - pruned;
  }

  #retryAfter(bucket: string, windowMs: number, max: number, used: number, now: number): number {
    // The call fits once used - max + 1 of the oldest rows have left the window.
    const ts = this.#statements.nth.get(bucket, used - max) as number | undefined;
    return ts === undefined ? 0 : Math.max(0, ts + windowMs - now);
  }

  #admitNow(limits: BucketLimit[], charge: string, now: number): AdmitResult {
    const refusals: Refusal[] = [];
    const conflicts: Conflict[] = [];
    for (const limit of limits) {
      const used = this.#touch(limit, now);
      if (typeof used !== "number") conflicts.push(used);
      else if (used >= limit.max) {
        refusals.push({ bucket: limit.bucket, used, retryAfterMs: this.#retryAfter(limit.bucket, limit.windowMs, limit.max, used, now) });
      }
    }
    if (conflicts.length > 0) return { admitted: false, conflicts };
    if (refusals.length > 0) return { admitted: false, refusals };
    for (const limit of limits) {
      this.#statements.insert.run(limit.bucket, now, charge);
      this.#statements.adjust.run(1, limit.bucket);
    }
    return { admitted: true, ticket: { charge, buckets: limits.map((l) => l.bucket), at: now } };
  }

  async admit(limits: BucketLimit[], charge: string): Promise<AdmitResult> {
    return asStoreFault(`the counter store ${this.description} failed`, () => this.#admit(limits, charge, this.#clock()));
  }

  /** Read-only: counts the rows inside each window without pruning, creating or redefining anything. */
  #peekNow(limits: BucketLimit[], now: number): PeekResult {
    const s = this.#statements;
    const refusals: Refusal[] = [];
    const conflicts: Conflict[] = [];
    for (const limit of limits) {
      const stored = s.bucket.get(limit.bucket) as StoredBucket | undefined;
      if (!stored) continue;
      const redefined = stored.window_ms !== limit.windowMs || stored.max !== limit.max;
      if (redefined && stored.defined_at >= limit.definedAt) {
        const kept = { windowMs: stored.window_ms, max: stored.max };
        conflicts.push({
          bucket: limit.bucket,
          counter: limit.counter,
          stored: kept,
          wanted: { windowMs: limit.windowMs, max: limit.max },
        });
        continue;
      }
      const since = now - limit.windowMs;
      const used = s.countSince.get(limit.bucket, since) as number;
      if (used < limit.max) continue;
      const ts = s.nthSince.get(limit.bucket, since, used - limit.max) as number | undefined;
      refusals.push({ bucket: limit.bucket, used, retryAfterMs: ts === undefined ? 0 : Math.max(0, ts + limit.windowMs - now) });
    }
    if (conflicts.length > 0) return { admitted: false, conflicts };
    return refusals.length > 0 ? { admitted: false, refusals } : { admitted: true };
  }

  async peek(limits: BucketLimit[]): Promise<PeekResult> {
    return asStoreFault(`the counter store ${this.description} failed`, () =>
      // One read transaction: every limit is seen at the same moment.
      this.#db.transaction(() => this.#peekNow(limits, this.#clock()))(),
    );
  }

  async refund(ticket: Ticket): Promise<void> {
    asStoreFault(`the counter store ${this.description} failed to refund a call`, () =>
      this.#db
        .transaction(() => {
          for (const bucket of ticket.buckets) {
            if (this.#statements.remove.run(bucket, ticket.at, ticket.charge).changes > 0) this.#statements.adjust.run(-1, bucket);
          }
        })
        .immediate(),
    );
  }

  async list(grant?: string): Promise<CounterRow[]> {
    return asStoreFault(`the counter store ${this.description} failed`, () => {
      const where = grant === undefined ? "" : "WHERE grant_name = ?";
      const rows = this.#db
        .prepare(
          `SELECT bucket, grant_name AS "grant", counter, scope, window_ms AS windowMs, max, defined_at AS definedAt FROM counters ${where} ORDER BY grant_name, counter`,
        )
        .all(...(grant === undefined ? [] : [grant])) as BucketLimit[];
      const now = this.#clock();
      return this.#db
        .transaction(() =>
          rows.map((row) => {
            const used = this.#touch(row, now) as number;
            const retryAfterMs = used >= row.max ? this.#retryAfter(row.bucket, row.windowMs, row.max, used, now) : 0;
            return { counter: row.counter, grant: row.grant, scope: row.scope, used, max: row.max, windowMs: row.windowMs, retryAfterMs };
          }),
        )
        .immediate();
    });
  }

  async reset(counter: string, grant?: string): Promise<number> {
    return asStoreFault(`the counter store ${this.description} failed`, () => {
      const where = grant === undefined ? "counter = ?" : "counter = ? AND grant_name = ?";
      const args = grant === undefined ? [counter] : [counter, grant];
      return this.#db
        .transaction(() => {
          this.#db.prepare(`DELETE FROM events WHERE bucket IN (SELECT bucket FROM counters WHERE ${where})`).run(...args);
          return this.#db.prepare(`DELETE FROM counters WHERE ${where}`).run(...args).changes;
        })
        .immediate();
    });
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
