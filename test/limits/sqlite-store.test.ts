import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { openSqliteStore, type SqliteCounterStore } from "../../src/limits/sqlite-store.js";
import type { BucketLimit } from "../../src/limits/store.js";
import { tempDir } from "../helpers/temp-files.js";

const dir = tempDir();
let n = 0;
const freshFile = () => join(dir, `store-${n++}.db`);
const limit = (counter: string, max: number, windowMs: number, definedAt = 1): BucketLimit => ({
  bucket: `grant\u0000g\u0000${counter}`,
  counter,
  grant: "g",
  scope: "grant",
  windowMs,
  max,
  definedAt,
});
const MINUTE = 60_000;

/** A store on a clock the test moves by hand. */
function storeAt(file = freshFile(), start = 1_000_000): { store: SqliteCounterStore; clock: { now: number } } {
  const clock = { now: start };
  return { store: openSqliteStore(file, { clock: () => clock.now }), clock };
}

let charges = 0;
const charge = () => `test:${charges++}`;

describe("SqliteCounterStore", () => {
  it("refuses the 11th call in a minute with the exact retry time, and admits it once the first leaves", async () => {
    const { store, clock } = storeAt();
    const tenPerMinute = limit("export", 10, MINUTE);
    const t0 = clock.now;
    for (let i = 0; i < 10; i++) {
      clock.now = t0 + i * 1000;
      assert.equal((await store.admit([tenPerMinute], charge())).admitted, true);
    }
    clock.now = t0 + 30_000;
    const refused = await store.admit([tenPerMinute], charge());
    assert.deepEqual(refused, { admitted: false, refusals: [{ bucket: tenPerMinute.bucket, used: 10, retryAfterMs: 30_000 }] });
    // A sliding window: no second burst at a calendar boundary.
    clock.now = t0 + MINUTE - 1;
    assert.equal((await store.admit([tenPerMinute], charge())).admitted, false);
    clock.now = t0 + MINUTE;
    assert.equal((await store.admit([tenPerMinute], charge())).admitted, true);
    assert.equal((await store.admit([tenPerMinute], charge())).admitted, false);
    await store.close();
  });

  it("charges all limits or none", async () => {
    const { store } = storeAt();
    const tight = limit("tight", 1, MINUTE);
    const loose = limit("loose", 5, MINUTE);
    assert.equal((await store.admit([tight, loose], charge())).admitted, true);
    assert.equal((await store.admit([tight, loose], charge())).admitted, false);
    assert.deepEqual(
      (await store.list()).map((r) => [r.counter, r.used]),
      [
        ["loose", 1],
        ["tight", 1],
      ],
    );
    await store.close();
  });

  it("gives a refunded call's quota back", async () => {
    const { store } = storeAt();
    const one = limit("one", 1, MINUTE);
    const first = await store.admit([one], charge());
    assert.ok(first.admitted);
    await store.refund(first.ticket);
    assert.equal((await store.admit([one], charge())).admitted, true);
    await store.close();
  });

  it("refunds only the call's own charge, even after pruning has made room for rows of other calls", async () => {
    const { store, clock } = storeAt();
    const two = limit("two", 2, 1000);
    const early = await store.admit([two], charge());
    assert.ok(early.admitted);
    // The early call leaves the window and is pruned; two later calls fill the counter.
    clock.now += 1000;
    assert.ok((await store.admit([two], charge())).admitted);
    assert.ok((await store.admit([two], charge())).admitted);
    // A late refund of the early call must not free a slot taken by the others.
    await store.refund(early.ticket);
    assert.equal((await store.admit([two], charge())).admitted, false);
    assert.deepEqual(
      (await store.list()).map((r) => r.used),
      [2],
    );
    await store.close();
  });

  it("keeps counts across reopening the file", async () => {
    const file = freshFile();
    const two = limit("two", 2, MINUTE);
    const a = storeAt(file);
    await a.store.admit([two], charge());
    await a.store.close();
    const b = storeAt(file, a.clock.now + 1);
    assert.equal((await b.store.admit([two], charge())).admitted, true);
    assert.equal((await b.store.admit([two], charge())).admitted, false);
    await b.store.close();
  });

  it("applies a newer policy's max or window to the calls already counted", async () => {
    const { store, clock } = storeAt();
    const t0 = clock.now;
    for (let i = 0; i < 5; i++) {
      clock.now = t0 + i;
      await store.admit([limit("c", 10, MINUTE, 1)], charge());
    }
    clock.now = t0 + 10;
    const smaller = await store.admit([limit("c", 3, MINUTE, 2)], charge());
    // 5 counted against a max of 3: the call fits once 3 of them have left.
    assert.deepEqual(smaller.admitted === false && "refusals" in smaller && smaller.refusals[0]?.retryAfterMs, 2 + MINUTE - 10);
    assert.equal((await store.admit([limit("c", 10, 1, 3)], charge())).admitted, true, "a 1 ms window has forgotten them");
    await store.close();
  });

  it("refuses calls of an older policy that defines a counter otherwise, instead of pruning with its window", async () => {
    const file = freshFile();
    const { store: newer, clock } = storeAt(file);
    const { store: older } = storeAt(file);
    const perDay = limit("shared", 3, 86_400_000, 2);
    const perSecond = limit("shared", 100, 1000, 1);
    for (let i = 0; i < 3; i++) assert.equal((await newer.admit([perDay], charge())).admitted, true);
    clock.now += 5000;
    const refused = await older.admit([perSecond], charge());
    assert.ok(!refused.admitted && "conflicts" in refused, "the older definition is refused");
    assert.deepEqual(refused.conflicts[0]?.stored, { windowMs: 86_400_000, max: 3 });
    // The day's three calls are still counted: the day limit holds.
    assert.equal((await newer.admit([perDay], charge())).admitted, false);
    await newer.close();
    await older.close();
  });

  it("prunes expired calls, so the table does not grow without bound", async () => {
    const file = freshFile();
    const { store, clock } = storeAt(file);
    const perSecond = limit("fast", 100, 1000);
    for (let i = 0; i < 5000; i++) {
      clock.now += 10;
      await store.admit([perSecond], charge());
    }
    await store.close();
    const rows = new Database(file, { readonly: true }).prepare("SELECT COUNT(*) FROM events").pluck().get() as number;
    assert.ok(rows <= 100, `${rows} rows kept`);
  });

  it("migrates a version 1 file, keeping its counts", async () => {
    const file = freshFile();
    const db = new Database(file);
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE counters (bucket TEXT PRIMARY KEY, grant_name TEXT NOT NULL, counter TEXT NOT NULL, scope TEXT NOT NULL,
        window_ms INTEGER NOT NULL, max INTEGER NOT NULL, used INTEGER NOT NULL);
      CREATE TABLE events (bucket TEXT NOT NULL, ts INTEGER NOT NULL);
      CREATE INDEX events_by_bucket_ts ON events(bucket, ts);
      PRAGMA user_version = 1;
    `);
    const one = limit("one", 1, MINUTE);
    db.prepare("INSERT INTO counters VALUES (?, 'g', 'one', 'grant', ?, 1, 1)").run(one.bucket, MINUTE);
    db.prepare("INSERT INTO events VALUES (?, ?)").run(one.bucket, 1_000_000);
    db.close();
    const { store } = storeAt(file, 1_000_500);
    assert.equal((await store.admit([one], charge())).admitted, false, "the migrated call still counts");
    await store.close();
  });

  it("resets one counter", async () => {
    const { store } = storeAt();
    await store.admit([limit("x", 1, MINUTE), limit("y", 1, MINUTE)], charge());
    assert.equal(await store.reset("x"), 1);
    assert.deepEqual(
      (await store.list()).map((r) => r.counter),
      ["y"],
    );
    await store.close();
  });
});
