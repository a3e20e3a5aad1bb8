import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SqliteCounterStore } from "../src/limits/sqlite-store.js";
import type { BucketLimit } from "../src/limits/store.js";
import { RawClient } from "./raw-client.js";

// `npm run bench`: what the wrapper costs. Prints a table and writes
// bench/results/latest.json. Not part of npm test.

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "policy-wrap.js");
const upstream = [process.execPath, join(root, "bench", "fast-upstream.mjs")];
const work = mkdtempSync(join(tmpdir(), "policy-wrap-bench-"));
const SEQUENTIAL = Number(process.env.BENCH_CALLS ?? 2000);

const policy = join(work, "policy.json");
writeFileSync(
  policy,
  JSON.stringify({
    version: "1",
    default: "deny",
    tools: { echo: {}, bytes: {}, limited: { limits: [{ counter: "bench", window: "day", max: 100_000_000 }] } },
  }),
);

function wrapped(state: string): RawClient {
  return new RawClient(process.execPath, [bin, "--policy", policy, "--state", state, "--", ...upstream]);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function latency(client: RawClient, tool: string): Promise<{ p50: number; p99: number }> {
  await client.request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } });
  for (let i = 0; i < 200; i++) await client.request("tools/call", { name: tool, arguments: {} });
  const samples: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const start = process.hrtime.bigint();
    await client.request("tools/call", { name: tool, arguments: {} });
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function sharedCounterThroughput(processes: number, callsEach: number): Promise<number> {
  const state = join(work, "shared.db");
  const clients = Array.from({ length: processes }, () => wrapped(state));
  await Promise.all(clients.map((c) => c.request("initialize", {})));
  const start = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < callsEach; i++) await client.request("tools/call", { name: "limited", arguments: {} });
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await Promise.all(clients.map((c) => c.close()));
  return (processes * callsEach) / seconds;
}

/** Per-call cost of check-and-consume in the store alone, for a small and a huge window. */
function storeCost(file: string, max: number, windowMs: number, prefill: number): number {
  const store = new SqliteCounterStore(file);
  const limit: BucketLimit = { bucket: `b${max}`, counter: `c${max}`, grant: "bench", scope: "grant", windowMs, max };
  const t0 = Date.now();
  for (let i = 0; i < prefill; i++) store.admit([limit], t0);
  const calls = 2000;
  // The clock advances so that the small limit keeps admitting (and pruning) as a busy one does.
  const step = Math.ceil(windowMs / max);
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) store.admit([limit], t0 + 1 + i * step);
  const perCall = Number(process.hrtime.bigint() - start) / 1000 / calls;
  store.close();
  return perCall;
}

const results: Record<string, number> = {};
try {
  const direct = new RawClient(upstream[0] as string, upstream.slice(1));
  const d = await latency(direct, "echo");
  await direct.close();
  results["direct p50 us"] = d.p50;
  results["direct p99 us"] = d.p99;

  for (const [label, tool] of [
    ["wrapper, no limit", "echo"],
    ["wrapper, one SQLite limit", "limited"],
  ] as const) {
    const client = wrapped(join(work, `${tool}.db`));
    const r = await latency(client, tool);
    await client.close();
    results[`${label} p50 us`] = r.p50;
    results[`${label} p99 us`] = r.p99;
  }
  results["4 processes, one shared counter: admitted calls/s"] = await sharedCounterThroughput(4, 1000);
  results["store check-and-consume, max 10 per minute, us"] = storeCost(join(work, "small.db"), 10, 60_000, 10);
  results["store check-and-consume, max 200000 per day, 100000 in window, us"] = storeCost(join(work, "huge.db"), 200_000, 86_400_000, 100_000);
} finally {
  rmSync(work, { recursive: true, force: true });
}

const width = Math.max(...Object.keys(results).map((k) => k.length));
process.stdout.write(`policy-wrap benchmark (${cpus()[0]?.model ?? "cpu"}, ${cpus().length} cores, node ${process.version})\n`);
for (const [name, value] of Object.entries(results)) process.stdout.write(`${name.padEnd(width)}  ${value.toFixed(1)}\n`);
mkdirSync(join(root, "bench", "results"), { recursive: true });
writeFileSync(join(root, "bench", "results", "latest.json"), JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2));
