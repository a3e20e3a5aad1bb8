import { LinkError, RedisLink } from "./redis-connection.js";
import { bucketKeys, callsKeyBeside, definitionPattern, revokedKey } from "./redis-keys.js";
import { Revocations } from "./redis-revocations.js";
import { decodeAdmission, wrongTypeFault } from "./redis-replies.js";
import { ADMIT, INSPECT, PEEK } from "./redis-scripts.js";
import type { RedisTarget } from "./redis-url.js";
import {
  StoreFault,
  type AdmitResult,
  type BucketLimit,
  type CounterRow,
  type CounterStore,
  type PeekResult,
  type Ticket,
} from "./store.js";

// Exact sliding windows in Redis (or Valkey), with the SQLite store's
// semantics: one sorted-set member per admitted call (its charge id, scored by
// the server's time), every limit of a call checked and charged in one atomic
// script or none, one definition per counter (the newest policy's, kept in a
// hash beside the set), refunds that remove exactly the call's own members.
// Waits are bounded: a check that gets no answer in time refuses the call, and
// whatever that check may still charge on the server is given back.
//
// A ticket's `buckets` are the calls sets' keys: only this store reads them.

export interface RedisStoreOptions {
  timeoutMs: number;
  /** Replace a connection silent this long while commands wait (default: 20 timeouts, at least 5 s). */
  stuckAfterMs?: number;
}

/** Loads node-redis only now: a policy without a Redis `--state` never pays for it. */
export async function createRedisStore(target: RedisTarget, options: RedisStoreOptions): Promise<RedisCounterStore> {
  let createClient;
  try {
    ({ createClient } = await import("@redis/client"));
  } catch (error) {
    throw new StoreFault(`the Redis client library (@redis/client) cannot be loaded: ${String(error)}`, { cause: error });
  }
  return new RedisCounterStore(target, new RedisLink(target, createClient as never, options));
}

function compareTexts(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i] as string, b[i] as string];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export class RedisCounterStore implements CounterStore {
  readonly description: string;
  readonly #link: RedisLink;
  readonly #revocations: Revocations;

  constructor(target: RedisTarget, link: RedisLink) {
    this.description = target.description;
    this.#link = link;
    this.#revocations = new Revocations(link);
  }

  /** Charges still to be given back. */
  get pendingRevocations(): number {
    return this.#revocations.size;
  }

  /** Resolves when every charge owed has been given back, or at the deadline. */
  revocationsDone(deadline: number): Promise<void> {
    return this.#revocations.drained(deadline);
  }

  /** Resolves the next time the connection becomes ready (after an outage). */
  reconnected(): Promise<void> {
    return this.#link.nextReady();
  }

  #fault(error: unknown): StoreFault {
    if (error instanceof StoreFault) return error;
    if (!(error instanceof LinkError))
      return new StoreFault(`the counter store ${this.description} failed: ${String(error)}`, { cause: error });
    const { kind, text } = error.described;
    const what = kind === "connection" ? `is unreachable (${text})` : text;
    return new StoreFault(`the counter store ${this.description} ${what}`, { cause: error });
  }

  /** Resolves when the connection can take a check now; a known outage fails at once. */
  async whenReady(deadline = Date.now() + this.#link.timeoutMs): Promise<void> {
    try {
      await this.#link.whenReady(deadline);
    } catch (error) {
      throw this.#fault(error);
    }
  }

  async admit(limits: BucketLimit[], charge: string): Promise<AdmitResult> {
    if (limits.length === 0) return { admitted: true, ticket: { charge, buckets: [], at: Date.now() } };
    const grant = limits[0]?.grant ?? "";
    const keys = limits.map((limit) => bucketKeys(grant, limit.bucket));
    const calls = keys.map((k) => k.calls);
    const scriptKeys = [...keys.flatMap((k) => [k.definition, k.calls]), revokedKey(grant)];
    const args = [charge, ...limits.flatMap((l) => [l.windowMs, l.max, l.definedAt, l.grant, l.counter, l.scope].map(String))];
    const deadline = Date.now() + this.#link.timeoutMs;
    let reply: unknown;
    try {
      await this.#link.whenReady(deadline);
      reply = await this.#link.run(ADMIT, scriptKeys, args, deadline);
    } catch (error) {
      // Refused here, yet the script may run on the server: give its charge back.
      if (error instanceof LinkError && error.mayHaveRun) this.#revocations.revoke(calls, charge).catch(() => {});
      throw this.#fault(error);
    }
    return decodeAdmission(this.description, { limits, scriptKeys, calls, charge }, reply as unknown[]);
  }

  /** Read-only: one script counts each window without pruning, creating or redefining anything. */
  async peek(limits: BucketLimit[]): Promise<PeekResult> {
    if (limits.length === 0) return { admitted: true };
    const grant = limits[0]?.grant ?? "";
    const keys = limits.map((limit) => bucketKeys(grant, limit.bucket));
    const scriptKeys = keys.flatMap((k) => [k.definition, k.calls]);
    const args = limits.flatMap((l) => [l.windowMs, l.max, l.definedAt].map(String));
    const deadline = Date.now() + this.#link.timeoutMs;
    let reply: unknown;
    try {
      await this.#link.whenReady(deadline);
      reply = await this.#link.run(PEEK, scriptKeys, args, deadline);
    } catch (error) {
      throw this.#fault(error);
    }
    const result = decodeAdmission(this.description, { limits, scriptKeys, calls: [], charge: "" }, reply as unknown[]);
    return result.admitted ? { admitted: true } : result;
  }

  async refund(ticket: Ticket): Promise<void> {
    if (ticket.buckets.length === 0) return;
    try {
      await this.#revocations.revoke(ticket.buckets, ticket.charge);
    } catch (error) {
      throw this.#fault(error);
    }
  }

  async #scan(pattern: string): Promise<string[]> {
    const found = new Set<string>();
    let cursor = "0";
    do {
      const reply = (await this.#command(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000", "TYPE", "hash"])) as [string, string[]];
      cursor = String(reply[0]);
      for (const key of reply[1]) found.add(String(key));
    } while (cursor !== "0");
    return [...found];
  }

  async #command(args: string[]): Promise<unknown> {
    try {
      return await this.#link.command(args, Date.now() + this.#link.timeoutMs);
    } catch (error) {
      throw this.#fault(error);
    }
  }

  async list(grant?: string): Promise<CounterRow[]> {
    await this.whenReady();
    const rows: CounterRow[] = [];
    for (const definition of await this.#scan(definitionPattern(grant))) {
      const keys = [definition, callsKeyBeside(definition)];
      let reply: unknown[];
      try {
        reply = (await this.#link.run(INSPECT, keys, [], Date.now() + this.#link.timeoutMs)) as unknown[];
      } catch (error) {
        throw this.#fault(error);
      }
      if (reply[0] === "wrongtype") throw wrongTypeFault(this.description, keys, reply);
      if (reply[0] !== "row") continue;
      const [, rowGrant, counter, scope, used, max, windowMs, retryAfterMs] = reply;
      if (grant !== undefined && rowGrant !== grant) continue;
      rows.push({
        counter: String(counter),
        grant: String(rowGrant),
        scope: String(scope),
        used: Number(used),
        max: Number(max),
        windowMs: Number(windowMs),
        retryAfterMs: Number(retryAfterMs),
      });
    }
    const order = (r: CounterRow) => [r.grant, r.counter, r.scope];
    return rows.sort((a, b) => compareTexts(order(a), order(b)));
  }

  async reset(counter: string, grant?: string): Promise<number> {
    await this.whenReady();
    let cleared = 0;
    for (const definition of await this.#scan(definitionPattern(grant))) {
      const [name, owner] = (await this.#command(["HMGET", definition, "counter", "grant"])) as [unknown, unknown];
      if (name !== counter || (grant !== undefined && owner !== grant)) continue;
      cleared += Number(await this.#command(["DEL", definition, callsKeyBeside(definition)])) > 0 ? 1 : 0;
    }
    return cleared;
  }

  /** Gives back what is still owed (for a bounded time), then disconnects. */
  async close(): Promise<void> {
    await this.#revocations.drained(Date.now() + Math.max(1000, 4 * this.#link.timeoutMs));
    this.#revocations.close();
    this.#link.close();
  }
}
