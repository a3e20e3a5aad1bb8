import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openSqliteStore } from "../../src/limits/sqlite-store.js";
import type { BucketLimit } from "../../src/limits/store.js";
import { tempDir } from "../helpers/temp-files.js";

// peek: what admit would answer now, charging nothing. Asked before a person
// is, so that nobody approves a call its limit then refuses.

const dir = tempDir();
let n = 0;
const MINUTE = 60_000;
const limit = (counter: string, max: number, definedAt = 1, windowMs = MINUTE): BucketLimit => ({
  bucket: `grant\u0000g\u0000${counter}`,
  counter,
  grant: "g",
  scope: "grant",
  windowMs,
  max,
  definedAt,
});

function storeAt(start = 1_000_000) {
  const clock = { now: start };
  return { store: openSqliteStore(join(dir, `peek-${n++}.db`), { clock: () => clock.now }), clock };
}

describe("SqliteCounterStore.peek", () => {
  it("admits an unknown counter without creating it, and charges nothing however often it is asked", async () => {
    const { store } = storeAt();
    const two = limit("export", 2);
    for (let i = 0; i < 5; i++) assert.deepEqual(await store.peek([two]), { admitted: true });
    assert.deepEqual(await store.list(), [], "peeking created no counter");
    await store.admit([two], "c1");
    assert.deepEqual(await store.peek([two]), { admitted: true });
    assert.equal((await store.list())[0]?.used, 1, "peeking charged nothing");
    await store.close();
  });

  it("refuses a full counter with the same retry time admit gives, and admits once the window moved on", async () => {
    const { store, clock } = storeAt();
    const two = limit("export", 2);
    const t0 = clock.now;
    await store.admit([two], "c1");
    clock.now = t0 + 10_000;
    await store.admit([two], "c2");
    clock.now = t0 + 20_000;
    const peeked = await store.peek([two]);
    const admitted = await store.admit([two], "c3");
    assert.deepEqual(peeked, admitted);
    assert.deepEqual(peeked, { admitted: false, refusals: [{ bucket: two.bucket, used: 2, retryAfterMs: 40_000 }] });
    clock.now = t0 + MINUTE;
    assert.deepEqual(await store.peek([two]), { admitted: true });
    await store.close();
  });

  it("refuses when any one of several limits is full", async () => {
    const { store } = storeAt();
    const roomy = limit("all", 10);
    const tight = limit("export", 1);
    await store.admit([tight], "c1");
    const peeked = await store.peek([roomy, tight]);
    assert.equal(peeked.admitted, false);
    assert.ok("refusals" in peeked && peeked.refusals.map((r) => r.bucket).join() === tight.bucket);
    await store.close();
  });

  it("reports a counter defined otherwise by a newer policy as a conflict, and changes no definition", async () => {
    const { store } = storeAt();
    await store.admit([limit("export", 5, 20)], "c1");
    const older = await store.peek([limit("export", 1, 10)]);
    assert.ok("conflicts" in older && older.conflicts[0]?.stored.max === 5);
    // A newer policy's definition is judged by its own numbers, and not written by a peek.
    assert.deepEqual(await store.peek([limit("export", 1, 30)]), {
      admitted: false,
      refusals: [{ bucket: limit("export", 1).bucket, used: 1, retryAfterMs: MINUTE }],
    });
    assert.equal((await store.list())[0]?.max, 5);
    await store.close();
  });
});
