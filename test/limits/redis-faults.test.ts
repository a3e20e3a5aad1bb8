import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { bucketKeys, revokedKey } from "../../src/limits/redis-keys.js";
import { createRedisStore, type RedisCounterStore, type RedisStoreOptions } from "../../src/limits/redis-store.js";
import { parseRedisUrl } from "../../src/limits/redis-url.js";
import type { AdmitResult, BucketLimit } from "../../src/limits/store.js";
import { redisServers, type RedisServer } from "../helpers/redis-server.js";
import { HANG_GUARD_MS } from "../helpers/hang-guard.js";
import { systemProgram } from "../helpers/system-package.js";

// The Redis store when Redis misbehaves: stalled, killed, restarted, a wrong
// password, nothing there at all. Every check is bounded, refused with the
// reason, and whatever a refused check may still charge on the server is given
// back. Waits are for events (a rejection, a reconnection), never for time.

const redisServer = systemProgram("redis-server", "redis-server");
const startRedis = redisServers(redisServer.path);
const MINUTE = 60_000;
let n = 0;
const charge = () => `fault:${n++}`;
const one = (counter: string): BucketLimit => ({
  bucket: `grant\u0000g\u0000${counter}`,
  counter,
  grant: "g",
  scope: "grant",
  windowMs: MINUTE,
  max: 1,
  definedAt: 1,
});
const callsOf = (l: BucketLimit) => bucketKeys(l.grant, l.bucket).calls;
const SLOW = /did not answer within|stopped answering/;

/**
 * The answer to a check that is not about a stalled server, asked again while
 * a loaded machine makes it outlast the short timeout a test sets (a check
 * refused that way has its charge given back, as the tests below prove).
 */
async function answered(store: RedisCounterStore, limits: BucketLimit[]): Promise<AdmitResult> {
  for (;;) {
    try {
      return await store.admit(limits, charge());
    } catch (error) {
      if (!SLOW.test(String(error))) throw error;
    }
  }
}

/** Opens the connection with a check of a counter that never fills. */
async function warmUp(store: RedisCounterStore): Promise<void> {
  assert.ok((await answered(store, [{ ...one("warm-up"), max: 1_000_000 }])).admitted);
}

describe("RedisCounterStore under faults", { skip: redisServer.skip, concurrency: false }, () => {
  const stores: RedisCounterStore[] = [];
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });
  async function open(url: string, options: Partial<RedisStoreOptions> = {}): Promise<RedisCounterStore> {
    const store = await createRedisStore(parseRedisUrl(url), { timeoutMs: HANG_GUARD_MS, ...options });
    stores.push(store);
    return store;
  }
  async function ready(server: RedisServer, options: Partial<RedisStoreOptions> = {}): Promise<RedisCounterStore> {
    const store = await open(server.url, options);
    await store.whenReady(Date.now() + HANG_GUARD_MS);
    return store;
  }

  it("refuses a check the stalled server does not answer in time, and gives its late charge back", async () => {
    const server = await startRedis();
    const store = await ready(server, { timeoutMs: 250 });
    const limit = one("stalled");
    await warmUp(store);
    server.stall();
    const late = charge();
    await assert.rejects(store.admit([limit], late), /^StoreFault: the counter store .* did not answer within 250 ms$/);
    assert.equal(store.pendingRevocations, 1, "its charge is owed back");
    server.resume();
    // On the one connection, in order: the late admission, its revocation, this check.
    const next = await answered(store, [limit]);
    assert.ok(next.admitted, "the late charge was given back before this check");
    assert.equal(await server.command("ZSCORE", callsOf(limit), late), null);
    assert.notEqual(await server.command("ZSCORE", revokedKey("g"), late), null, "remembered as given back");
  });

  it("adds nothing for an admission that arrives after its charge was given back", async () => {
    const server = await startRedis();
    const store = await ready(server);
    const limit = one("revoked-first");
    const ghost = charge();
    await store.refund({ charge: ghost, buckets: [callsOf(limit)], at: 0 });
    await assert.rejects(store.admit([limit], ghost), /had already given this call's charge back/);
    assert.equal(await server.command("ZCARD", callsOf(limit)), 0);
  });

  it("replaces a connection that stopped answering, and still gives back every charge sent on it", async () => {
    const server = await startRedis();
    const store = await ready(server, { timeoutMs: 100, stuckAfterMs: 300 });
    const limit = one("stuck");
    await warmUp(store);
    server.stall();
    const sent: string[] = [];
    // Checks time out until the link has been silent for 300 ms; then it is replaced and checks fail at once.
    for (;;) {
      const c = charge();
      sent.push(c);
      const error = await store.admit([limit], c).then(
        () => assert.fail("admitted by a stalled server"),
        (e: Error) => e.message,
      );
      if (/stopped answering for 300 ms; reconnecting/.test(error)) break;
      assert.match(error, /did not answer within 100 ms/);
    }
    const back = store.reconnected();
    server.resume();
    await back;
    await store.revocationsDone(Date.now() + HANG_GUARD_MS);
    assert.equal(store.pendingRevocations, 0);
    assert.equal(await server.command("ZCARD", callsOf(limit)), 0, "no refused check kept a charge");
    assert.ok((await answered(store, [limit])).admitted);
  });

  it("refuses at once while the server is down, with one wording per outage, and recovers when it is back", async () => {
    const server = await startRedis();
    const store = await ready(server);
    const limit = one("killed");
    assert.ok((await store.admit([limit], charge())).admitted);
    await server.kill();
    const messages = new Set<string>();
    for (let i = 0; i < 5; i++) {
      await store.admit([limit], charge()).then(
        () => assert.fail("admitted without a server"),
        (e: Error) => messages.add(e.message),
      );
    }
    assert.deepEqual([...messages], [`the counter store ${store.description} is unreachable (the connection was lost)`]);
    const back = store.reconnected();
    await server.restart();
    await back;
    // A restarted server without persistence has forgotten the counters (see docs/redis.md).
    assert.ok((await store.admit([limit], charge())).admitted);
  });

  it("says the password was refused, without repeating it", async () => {
    const server = await startRedis({ tcp: true, args: ["--requirepass", "right-horse-battery"] });
    const store = await open(`redis://:staple-${"wrong"}-pw@127.0.0.1:${server.port}`);
    const error = await store.whenReady(Date.now() + HANG_GUARD_MS).then(
      () => assert.fail("connected with a wrong password"),
      (e: Error) => e.message,
    );
    assert.equal(error, `the counter store redis://***@127.0.0.1:${server.port}/0 refused the user name or password`);
    assert.doesNotMatch(error, /staple|wrong-pw|right-horse/);
    const good = await open(`redis://:right-horse-battery@127.0.0.1:${server.port}/0`);
    await good.whenReady(Date.now() + HANG_GUARD_MS);
    assert.ok((await good.admit([one("auth")], charge())).admitted);
  });

  it("works as a user whose ACL allows only what docs/redis.md lists, on its own database", async () => {
    const server = await startRedis();
    const rule = "resetkeys ~policy-wrap:* -@all +@connection +select +eval +scan +hmget +del +type +time";
    const inScripts = "+zscore +hset +zremrangebyscore +zcard +zrange +pexpire +zadd +zrem";
    await server.command("ACL", "SETUSER", "policy-wrap", "on", ">a-long-secret", ...`${rule} ${inScripts}`.split(" "));
    const store = await open(`redis+unix://policy-wrap:a-long-secret@${server.socket}?db=3`);
    await store.whenReady(Date.now() + HANG_GUARD_MS);
    const limit = one("acl");
    const admitted = await store.admit([limit], charge());
    assert.ok(admitted.admitted);
    await store.refund(admitted.ticket);
    assert.deepEqual(
      (await store.list()).map((r) => [r.counter, r.used]),
      [["acl", 0]],
    );
    assert.equal(await store.reset("acl"), 1);
    await server.command("ACL", "SETUSER", "policy-wrap", "-zrem");
    await assert.rejects(store.refund(admitted.ticket), /refused a command to this user \(NOPERM/);
    // The refund is still owed, and given back once the user may again.
    assert.equal(store.pendingRevocations, 1);
    await server.command("ACL", "SETUSER", "policy-wrap", "+zrem");
    await store.revocationsDone(Date.now() + HANG_GUARD_MS);
    assert.equal(store.pendingRevocations, 0);
  });

  it("says nothing listens where the URL points", async () => {
    const server = await startRedis();
    const store = await open(`redis+unix://${server.dir}/nothing.sock`);
    await assert.rejects(store.whenReady(Date.now() + HANG_GUARD_MS), /is unreachable \(no socket at that path\)$/);
    await assert.rejects(store.admit([one("none")], charge()), /is unreachable \(no socket at that path\)$/);
  });
});
