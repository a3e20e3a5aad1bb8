import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createRedisStore, type RedisCounterStore } from "../../src/limits/redis-store.js";
import { parseRedisUrl } from "../../src/limits/redis-url.js";
import type { BucketLimit } from "../../src/limits/store.js";
import { redisServers, type RedisServer } from "../helpers/redis-server.js";
import { systemProgram } from "../helpers/system-package.js";
import { HANG_GUARD_MS } from "../helpers/hang-guard.js";

// peek on the Redis store, against a real redis-server: what admit would
// answer now, with nothing written (test/limits/peek.test.ts for SQLite).

const redisServer = systemProgram("redis-server", "redis-server");
const startRedis = redisServers(redisServer.path);
const MINUTE = 60_000;
let grants = 0;

describe("RedisCounterStore.peek", { skip: redisServer.skip, concurrency: false }, () => {
  let server: RedisServer;
  let store: RedisCounterStore;
  let grant = "g";
  const at = (counter: string, max: number, definedAt = 1): BucketLimit => ({
    bucket: `grant\u0000${grant}\u0000${counter}`,
    counter,
    grant,
    scope: "grant",
    windowMs: MINUTE,
    max,
    definedAt,
  });
  const test = (name: string, fn: () => Promise<void>) =>
    it(name, async () => {
      grant = `peek-${grants++}`;
      await fn();
    });

  before(async () => {
    server = await startRedis();
    store = await createRedisStore(parseRedisUrl(server.url), { timeoutMs: HANG_GUARD_MS });
    await store.whenReady(Date.now() + HANG_GUARD_MS);
  });
  after(async () => store.close());

  test("admits an unknown counter without creating it, and charges nothing", async () => {
    const two = at("export", 2);
    for (let i = 0; i < 3; i++) assert.deepEqual(await store.peek([two]), { admitted: true });
    assert.deepEqual(await store.list(grant), [], "peeking created no counter");
    assert.equal((await store.admit([two], "c1")).admitted, true);
    assert.deepEqual(await store.peek([two]), { admitted: true });
    assert.equal((await store.list(grant))[0]?.used, 1);
  });

  test("refuses a full counter as admit does, with a retry time within the window", async () => {
    const one = at("export", 1);
    assert.equal((await store.admit([one], "c2")).admitted, true);
    const peeked = await store.peek([at("roomy", 5), one]);
    assert.ok(!peeked.admitted && "refusals" in peeked, JSON.stringify(peeked));
    assert.equal(peeked.refusals.length, 1);
    assert.equal(peeked.refusals[0]?.bucket, one.bucket);
    assert.equal(peeked.refusals[0]?.used, 1);
    assert.ok((peeked.refusals[0]?.retryAfterMs ?? 0) > 0 && (peeked.refusals[0]?.retryAfterMs ?? 0) <= MINUTE);
    assert.equal((await store.list(grant)).find((r) => r.counter === "export")?.used, 1, "nothing charged");
  });

  test("reports a counter a newer policy defined otherwise, and changes no definition", async () => {
    assert.equal((await store.admit([at("export", 5, 20)], "c3")).admitted, true);
    const older = await store.peek([at("export", 1, 10)]);
    assert.ok(!older.admitted && "conflicts" in older && older.conflicts[0]?.stored.max === 5);
    const newer = await store.peek([at("export", 1, 30)]);
    assert.ok(!newer.admitted && "refusals" in newer);
    assert.equal((await store.list(grant))[0]?.max, 5);
  });
});
