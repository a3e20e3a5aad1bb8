import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { bucketKeys, revokedKey } from "../../src/limits/redis-keys.js";
import { createRedisStore, type RedisCounterStore, type RedisStoreOptions } from "../../src/limits/redis-store.js";
import { parseRedisUrl } from "../../src/limits/redis-url.js";
import type { AdmitResult, BucketLimit } from "../../src/limits/store.js";
import { redisServers, type RedisServer } from "../helpers/redis-server.js";
import { systemProgram } from "../helpers/system-package.js";
import { HANG_GUARD_MS } from "../helpers/hang-guard.js";

// The Redis store against a real redis-server, with the SQLite store's
// semantics (test/limits/sqlite-store.test.ts). Time is the server's: the
// tests read it (TIME) and check the store's arithmetic against it exactly.

const redisServer = systemProgram("redis-server", "redis-server");
const startRedis = redisServers(redisServer.path);
const MINUTE = 60_000;
let charges = 0;
const charge = () => `test:${charges++}`;

const limit = (counter: string, max: number, windowMs: number, definedAt = 1, grant = "g"): BucketLimit => ({
  bucket: `grant\u0000${grant}\u0000${counter}`,
  counter,
  grant,
  scope: "grant",
  windowMs,
  max,
  definedAt,
});

function refusal(result: AdmitResult) {
  assert.ok(!result.admitted && "refusals" in result, `refused for a limit: ${JSON.stringify(result)}`);
  return result.refusals[0] as { used: number; retryAfterMs: number };
}

describe("RedisCounterStore", { skip: redisServer.skip, concurrency: false }, () => {
  let server: RedisServer;
  const stores: RedisCounterStore[] = [];
  let grants = 0;
  /** A grant of each test's own, so tests do not see each other's counters. */
  let grant = "g";
  const open = async (options: Partial<RedisStoreOptions> = {}) => {
    const store = await createRedisStore(parseRedisUrl(server.url), { timeoutMs: HANG_GUARD_MS, ...options });
    stores.push(store);
    await store.whenReady(Date.now() + HANG_GUARD_MS);
    return store;
  };
  const at = (counter: string, max: number, windowMs: number, definedAt = 1) => limit(counter, max, windowMs, definedAt, grant);
  const keysOf = (l: BucketLimit) => bucketKeys(l.grant, l.bucket);

  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });
  // Each test its own grant.
  const test = (name: string, fn: () => Promise<void>) =>
    it(name, async () => {
      grant = `grant-${grants++}`;
      await fn();
    });

  test("refuses the 11th call in a minute with the exact retry time by the server's clock", async () => {
    const store = await open();
    const tenPerMinute = at("export", 10, MINUTE);
    const first = await store.admit([tenPerMinute], charge());
    assert.ok(first.admitted);
    for (let i = 1; i < 10; i++) assert.equal((await store.admit([tenPerMinute], charge())).admitted, true);
    const before = await server.time();
    const refused = refusal(await store.admit([tenPerMinute], charge()));
    const afterwards = await server.time();
    assert.equal(refused.used, 10);
    // The slot frees when the first call is a minute old, by the server's clock.
    assert.ok(refused.retryAfterMs <= first.ticket.at + MINUTE - before, `${refused.retryAfterMs}`);
    assert.ok(refused.retryAfterMs >= first.ticket.at + MINUTE - afterwards, `${refused.retryAfterMs}`);
  });

  test("counts a call until exactly windowMs after it, by the server's clock", async () => {
    const store = await open();
    const one = at("edge", 1, MINUTE);
    const first = await store.admit([one], charge());
    assert.ok(first.admitted);
    // Move the counted call to one millisecond short of leaving the window now.
    const now = await server.time();
    await server.command("ZADD", keysOf(one).calls, "XX", String(now - MINUTE + 1), first.ticket.charge);
    const next = await store.admit([one], charge());
    // The check ran at `now` or later. At `now` the call still counts, for exactly 1 ms more;
    // a millisecond later it has left. Either way the arithmetic is exact.
    if (next.admitted) assert.ok(next.ticket.at >= now + 1, `admitted at ${next.ticket.at}, the call left at ${now + 1}`);
    else assert.equal(refusal(next).retryAfterMs, 1);
    // A call exactly windowMs old has left.
    const later = await server.time();
    const last = next.admitted ? next.ticket.charge : first.ticket.charge;
    await server.command("ZADD", keysOf(one).calls, "XX", String(later - MINUTE), last);
    assert.equal((await store.admit([one], charge())).admitted, true);
  });

  test("charges all limits or none", async () => {
    const store = await open();
    const tight = at("tight", 1, MINUTE);
    const loose = at("loose", 5, MINUTE);
    assert.equal((await store.admit([tight, loose], charge())).admitted, true);
    assert.equal((await store.admit([tight, loose], charge())).admitted, false);
    assert.deepEqual(
      (await store.list(grant)).map((r) => [r.counter, r.used]),
      [
        ["loose", 1],
        ["tight", 1],
      ],
    );
  });

  test("gives a refunded call's quota back", async () => {
    const store = await open();
    const one = at("one", 1, MINUTE);
    const first = await store.admit([one], charge());
    assert.ok(first.admitted);
    await store.refund(first.ticket);
    assert.equal((await store.admit([one], charge())).admitted, true);
  });

  test("refunds only the call's own charge, even after pruning has made room for others", async () => {
    const store = await open();
    const two = at("two", 2, MINUTE);
    const early = await store.admit([two], charge());
    assert.ok(early.admitted);
    // The early call leaves the window (by the server's clock) and is pruned; two later calls fill the counter.
    await server.command("ZADD", keysOf(two).calls, "XX", String((await server.time()) - MINUTE), early.ticket.charge);
    assert.ok((await store.admit([two], charge())).admitted);
    assert.ok((await store.admit([two], charge())).admitted);
    await store.refund(early.ticket);
    assert.equal((await store.admit([two], charge())).admitted, false);
    assert.deepEqual(
      (await store.list(grant)).map((r) => r.used),
      [2],
    );
  });

  test("applies a newer policy's max to the calls already counted", async () => {
    const store = await open();
    for (let i = 0; i < 5; i++) assert.ok((await store.admit([at("c", 10, MINUTE, 1)], charge())).admitted);
    const smaller = refusal(await store.admit([at("c", 3, MINUTE, 2)], charge()));
    assert.equal(smaller.used, 5);
    assert.equal((await store.admit([at("c", 10, 1, 3)], charge())).admitted, true, "a 1 ms window has forgotten them");
  });

  test("refuses calls of an older policy that defines a counter otherwise, instead of pruning with its window", async () => {
    const newer = await open();
    const older = await open();
    const perDay = at("shared", 3, 86_400_000, 2);
    const perSecond = at("shared", 100, 1000, 1);
    for (let i = 0; i < 3; i++) assert.equal((await newer.admit([perDay], charge())).admitted, true);
    const refused = await older.admit([perSecond], charge());
    assert.ok(!refused.admitted && "conflicts" in refused, "the older definition is refused");
    assert.deepEqual(refused.conflicts[0], {
      bucket: perSecond.bucket,
      counter: "shared",
      stored: { windowMs: 86_400_000, max: 3 },
      wanted: { windowMs: 1000, max: 100 },
    });
    assert.equal((await newer.admit([perDay], charge())).admitted, false, "the day's three calls still count");
  });

  test("keeps a grant counter's definition, and lets a session's expire with its calls", async () => {
    const store = await open();
    const session: BucketLimit = { ...at("s", 2, MINUTE), scope: "session", bucket: `session\u0000sid\u0000s` };
    const shared = at("g", 2, MINUTE);
    assert.ok((await store.admit([shared, session], charge())).admitted);
    const ttl = async (key: string) => Number(await server.command("PTTL", key));
    assert.equal(await ttl(keysOf(shared).definition), -1, "a grant definition stays, as in SQLite");
    for (const key of [keysOf(shared).calls, keysOf(session).calls, keysOf(session).definition]) {
      const left = await ttl(key);
      assert.ok(left > 0 && left <= MINUTE, `${key} expires with its last call (${left} ms)`);
    }
  });

  test("reads time from the server, not from this machine's clock", async () => {
    const store = await open();
    const realNow = Date.now;
    const skew = 86_400_000;
    Date.now = () => realNow() + skew;
    try {
      const admitted = await store.admit([at("clock", 5, MINUTE)], charge());
      assert.ok(admitted.admitted);
      Date.now = realNow;
      const serverNow = await server.time();
      assert.ok(admitted.ticket.at <= serverNow && admitted.ticket.at > serverNow - skew / 2, "stamped with the server's time");
    } finally {
      Date.now = realNow;
    }
  });

  test("runs again after the server forgot its scripts (SCRIPT FLUSH)", async () => {
    const store = await open();
    assert.ok((await store.admit([at("flush", 5, MINUTE)], charge())).admitted);
    await server.command("SCRIPT", "FLUSH");
    assert.ok((await store.admit([at("flush", 5, MINUTE)], charge())).admitted);
    assert.deepEqual(
      (await store.list(grant)).map((r) => r.used),
      [2],
    );
  });

  test("lists and resets counters like the SQLite store", async () => {
    const store = await open();
    await store.admit([at("x", 1, MINUTE), at("y", 1, MINUTE)], charge());
    const rows = await store.list(grant);
    assert.deepEqual(
      rows.map((r) => [r.counter, r.grant, r.scope, r.used, r.max, r.windowMs, r.retryAfterMs > 0]),
      [
        ["x", grant, "grant", 1, 1, MINUTE, true],
        ["y", grant, "grant", 1, 1, MINUTE, true],
      ],
    );
    assert.equal(await store.reset("x", grant), 1);
    assert.deepEqual(
      (await store.list(grant)).map((r) => r.counter),
      ["y"],
    );
    assert.equal(await store.reset("x", grant), 0);
  });

  test("refuses, with the key named, when another program left a key of another type; charges nothing", async () => {
    const store = await open();
    const fine = at("fine", 5, MINUTE);
    const taken = at("taken", 5, MINUTE);
    await server.command("SET", keysOf(taken).calls, "someone else's");
    await assert.rejects(store.admit([fine, taken], charge()), (error: Error) => {
      assert.equal(error.name, "StoreFault");
      assert.match(error.message, /holds a string at ".*taken:calls", where policy-wrap keeps its counters/);
      return true;
    });
    assert.equal(await server.command("EXISTS", keysOf(fine).calls), 0, "the other limit was not charged");
    await server.command("SET", revokedKey(grant), "also someone else's");
    await assert.rejects(store.admit([fine], charge()), /holds a string at ".*revoked"/);
  });
});
