import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { SqliteCounterStore } from "../../src/limits/sqlite-store.js";
import type { BucketLimit } from "../../src/limits/store.js";
import { tempDir } from "../helpers/temp-files.js";

const dir = tempDir();
let n = 0;
const freshFile = () => join(dir, `store-${n++}.db`);
const limit = (counter: string, max: number, windowMs: number): BucketLimit => ({
  bucket: `grant\u0000g\u0000${counter}`,
  counter,
  grant: "g",
  scope: "grant",
  windowMs,
  max,
});
const MINUTE = 60_000;

describe("SqliteCounterStore", () => {
  it("refuses the 11th call in a minute with the exact retry time, and admits it once the first leaves", () => {
    const store = new SqliteCounterStore(freshFile());
    const tenPerMinute = limit("export", 10, MINUTE);
    const t0 = 1_000_000;
    for (let i = 0; i < 10; i++) assert.equal(store.admit([tenPerMinute], t0 + i * 1000).admitted, true);
    const refused = store.admit([tenPerMinute], t0 + 30_000);
    assert.deepEqual(refused, { admitted: false, refusals: [{ bucket: tenPerMinute.bucket, used: 10, retryAfterMs: 30_000 }] });
    // A sliding window: no second burst at a calendar boundary.
    assert.equal(store.admit([tenPerMinute], t0 + MINUTE - 1).admitted, false);
    assert.equal(store.admit([tenPerMinute], t0 + MINUTE).admitted, true);
    assert.equal(store.admit([tenPerMinute], t0 + MINUTE).admitted, false);
    store.close();
  });

  it("charges all limits or none", () => {
    const store = new SqliteCounterStore(freshFile());
    const tight = limit("tight", 1, MINUTE);
    const loose = limit("loose", 5, MINUTE);
    assert.equal(store.admit([tight, loose], 0).admitted, true);
    assert.equal(store.admit([tight, loose], 1).admitted, false);
    assert.deepEqual(
      store.list(2).map((r) => [r.counter, r.used]),
      [
        ["loose", 1],
        ["tight", 1],
      ],
    );
    store.close();
  });

  it("gives a refunded call's quota back", () => {
    const store = new SqliteCounterStore(freshFile());
    const one = limit("one", 1, MINUTE);
    const first = store.admit([one], 0);
    assert.ok(first.admitted);
    store.refund(first.ticket);
    assert.equal(store.admit([one], 1).admitted, true);
    store.close();
  });

  it("keeps counts across reopening the file", () => {
    const file = freshFile();
    const two = limit("two", 2, MINUTE);
    const now = Date.now();
    const a = new SqliteCounterStore(file);
    a.admit([two], now);
    a.close();
    const b = new SqliteCounterStore(file);
    assert.equal(b.admit([two], now + 1).admitted, true);
    assert.equal(b.admit([two], now + 2).admitted, false);
    b.close();
  });

  it("applies a changed max or window to the calls already counted", () => {
    const store = new SqliteCounterStore(freshFile());
    for (let i = 0; i < 5; i++) store.admit([limit("c", 10, MINUTE)], i);
    const smaller = store.admit([limit("c", 3, MINUTE)], 10);
    // 5 counted against a max of 3: the call fits once 3 of them have left.
    assert.deepEqual(smaller.admitted === false && smaller.refusals[0]?.retryAfterMs, 2 + MINUTE - 10);
    assert.equal(store.admit([limit("c", 10, 1)], 10).admitted, true, "a 1 ms window has forgotten them");
    store.close();
  });

  it("prunes expired calls, so the table does not grow without bound", () => {
    const file = freshFile();
    const store = new SqliteCounterStore(file);
    const perSecond = limit("fast", 100, 1000);
    for (let i = 0; i < 5000; i++) store.admit([perSecond], i * 10);
    store.close();
    const rows = new Database(file, { readonly: true }).prepare("SELECT COUNT(*) FROM events").pluck().get() as number;
    assert.ok(rows <= 100, `${rows} rows kept`);
  });

  it("resets one counter", () => {
    const store = new SqliteCounterStore(freshFile());
    store.admit([limit("x", 1, MINUTE), limit("y", 1, MINUTE)], 0);
    assert.equal(store.reset("x"), 1);
    assert.deepEqual(
      store.list(1).map((r) => r.counter),
      ["y"],
    );
    store.close();
  });
});
