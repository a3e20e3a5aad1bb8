import { join } from "node:path";
import { createRedisStore } from "../src/limits/redis-store.js";
import { parseRedisUrl } from "../src/limits/redis-url.js";
import type { BucketLimit } from "../src/limits/store.js";
import { RedisServer } from "../test/helpers/redis-server.js";
import { findProgram } from "../test/helpers/system-package.js";
import { RawClient } from "./raw-client.js";

// SQLite and Redis side by side, on this machine: the latency of a call with
// one grant-scoped limit, the admitted calls per second of 4 wrapper
// processes sharing one counter, and one check-and-consume in the store alone.
// Redis is a redis-server of the bench's own (no persistence), reached through
// its Unix socket and through TCP on 127.0.0.1.

export interface StoreFigures {
  store: string;
  p50: number;
  p99: number;
  sharedPerSecond: number;
  checkUs: number | undefined;
}

interface Setting {
  root: string;
  work: string;
  policy: string;
  upstream: string[];
  calls: number;
  sqliteCheckUs: number;
}

const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
const ROUNDS = 10;

function wrapper(s: Setting, state: string): RawClient {
  const bin = join(s.root, "bin", "policy-wrap.js");
  return new RawClient(process.execPath, [bin, "--policy", s.policy, "--state", state, "--log-level", "error", "--", ...s.upstream]);
}

const initialize = (client: RawClient) =>
  client.request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } });

async function limitedCall(client: RawClient): Promise<void> {
  const answer = await client.request("tools/call", { name: "limited", arguments: {} });
  if (answer.includes("POLICY DENIED")) throw new Error(`the bench's limited call was refused: ${answer}`);
}

/** Sequential limited calls, the stores visited in turns round by round. */
async function latencies(clients: RawClient[], calls: number): Promise<{ p50: number; p99: number }[]> {
  const samples = clients.map(() => [] as number[]);
  for (const client of clients) for (let i = 0; i < 200; i++) await limitedCall(client);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [c, client] of clients.entries()) {
      for (let i = 0; i < calls / ROUNDS; i++) {
        const start = process.hrtime.bigint();
        await limitedCall(client);
        samples[c]?.push(since(start) * 1000);
      }
    }
  }
  return samples.map((s) => {
    const sorted = s.sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  });
}

async function sharedCounter(s: Setting, state: string, processes = 4, callsEach = 1000): Promise<number> {
  const clients = Array.from({ length: processes }, () => wrapper(s, state));
  await Promise.all(clients.map(initialize));
  const start = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < callsEach; i++) await limitedCall(c);
    }),
  );
  const perSecond = (processes * callsEach) / (since(start) / 1000);
  await Promise.all(clients.map((c) => c.close()));
  return perSecond;
}

async function redisCheckUs(url: string): Promise<number> {
  const store = await createRedisStore(parseRedisUrl(url), { timeoutMs: 5000 });
  await store.whenReady(Date.now() + 10_000);
  const limit: BucketLimit = { bucket: "b", counter: "c", grant: "bench-store", scope: "grant", windowMs: 60_000, max: 1e9, definedAt: 1 };
  for (let i = 0; i < 200; i++) await store.admit([limit], `w${i}`);
  const start = process.hrtime.bigint();
  for (let i = 0; i < 2000; i++) await store.admit([limit], `c${i}`);
  const perCall = (since(start) * 1000) / 2000;
  await store.close();
  return perCall;
}

/** Undefined when redis-server is not installed. */
export async function compareStores(s: Setting): Promise<StoreFigures[] | undefined> {
  const program = findProgram("redis-server");
  if (program === undefined) return undefined;
  const redis = new RedisServer(program, { tcp: true });
  await redis.start();
  try {
    const states = [
      { store: "SQLite (a file)", state: join(s.work, "compare.db") },
      { store: "Redis (Unix socket)", state: redis.url },
      { store: "Redis (TCP 127.0.0.1)", state: `redis://127.0.0.1:${redis.port}` },
    ];
    const clients = states.map(({ state }) => wrapper(s, state));
    await Promise.all(clients.map(initialize));
    const measured = await latencies(clients, s.calls);
    await Promise.all(clients.map((c) => c.close()));
    const figures: StoreFigures[] = [];
    for (const [i, { store, state }] of states.entries()) {
      const shared = await sharedCounter(s, i === 0 ? join(s.work, "compare-shared.db") : state);
      const checkUs = i === 0 ? s.sqliteCheckUs : await redisCheckUs(state);
      figures.push({ store, ...(measured[i] as { p50: number; p99: number }), sharedPerSecond: shared, checkUs });
    }
    return figures;
  } finally {
    await redis.stop();
  }
}

export function formatStores(figures: StoreFigures[] | undefined): string {
  if (figures === undefined)
    return "SQLite and Redis compared: skipped (redis-server not found; install the Debian package redis-server)\n";
  const header = ["one grant-scoped limit", "p50 us", "p99 us", "4 processes, one counter: calls/s", "store check alone: us"];
  const rows = figures.map((f) => [
    f.store,
    f.p50.toFixed(0),
    f.p99.toFixed(0),
    f.sharedPerSecond.toFixed(0),
    f.checkUs?.toFixed(1) ?? "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  return `${line(header)}\n${line(widths.map((w) => "-".repeat(w)))}\n${rows.map(line).join("\n")}\n`;
}
