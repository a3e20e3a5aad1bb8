import { readFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openSqliteStore } from "../src/limits/sqlite-store.js";
import type { BucketLimit } from "../src/limits/store.js";
import { AuditTrail } from "../src/audit/audit-trail.js";
import { draftFromEvent } from "../src/audit/record.js";
import { formatFloor, measureFloor } from "./floor.js";
import { formatPins, measurePins } from "./pins.js";
import { RawClient } from "./raw-client.js";
import { compareStores, formatStores } from "./stores.js";

// `npm run bench`: what the wrapper costs, next to the client talking to the
// upstream directly and through a bare byte-copying relay (the floor for any
// wrapper). Prints a table with ratios to the relay and writes
// bench/results/latest.json. Not part of npm test.

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "policy-wrap-bench-"));
const SEQUENTIAL = Number(process.env.BENCH_CALLS ?? 2000);
const PIPELINED = Number(process.env.BENCH_PIPELINED ?? 20000);
const upstream = [process.execPath, join(root, "bench", "fast-upstream.mjs")];
const policy = join(work, "policy.json");
writeFileSync(
  policy,
  JSON.stringify({
    version: "1",
    default: "deny",
    tools: { echo: {}, bytes: {}, "tool-2??": {}, limited: { limits: [{ counter: "bench", window: "day", max: 1_000_000_000 }] } },
  }),
);

type Setup = "direct" | "relay" | "policy-wrap";
const SETUPS: Setup[] = ["direct", "relay", "policy-wrap"];
let stateN = 0;

function launch(setup: Setup): RawClient {
  if (setup === "direct") return new RawClient(upstream[0] as string, upstream.slice(1));
  if (setup === "relay") return new RawClient(process.execPath, [join(root, "bench", "byte-relay.mjs"), ...upstream]);
  return wrapper([]);
}

/** policy-wrap with its audit trail on (as users run it) in the bench's folder, plus `extra` options. */
function wrapper(extra: string[]): RawClient {
  const n = stateN++;
  return new RawClient(process.execPath, [
    join(root, "bin", "policy-wrap.js"),
    "--policy",
    policy,
    "--state",
    join(work, `state-${n}.db`),
    "--audit",
    join(work, `audit-${n}.db`),
    "--log-level",
    "error",
    ...extra,
    "--",
    ...upstream,
  ]);
}

/** The process whose memory counts: the relay or policy-wrap itself. */
function rssOf(client: RawClient): { current: number; peak: number } {
  const status = readFileSync(`/proc/${client.child.pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
  return { current: kb("VmRSS"), peak: kb("VmHWM") };
}

const initialize = (client: RawClient) =>
  client.request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } });
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const ROUNDS = 10;

// Every figure is gathered in rounds that visit the three set-ups in turn, so
// that the machine's drift (this VM's is large) hits all three alike.

async function timeToInitialize(): Promise<Record<Setup, number>> {
  const samples: Record<Setup, number[]> = { direct: [], relay: [], "policy-wrap": [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const setup of SETUPS) {
      const start = process.hrtime.bigint();
      const client = launch(setup);
      await initialize(client);
      samples[setup].push(since(start));
      await client.close();
    }
  }
  return mapSetups((setup) =>
    percentile(
      samples[setup].sort((a, b) => a - b),
      50,
    ),
  );
}

function mapSetups(f: (setup: Setup) => number): Record<Setup, number> {
  return { direct: f("direct"), relay: f("relay"), "policy-wrap": f("policy-wrap") };
}

interface Latency {
  p50: number;
  p99: number;
}

/**
 * Sequential call latency for each named tool choice, all measured in the same
 * rounds: for the relay and direct set-ups every choice is the plain echo tool,
 * for policy-wrap each choice names its own tool (plain, or rate-limited).
 */
async function latency(clients: Record<Setup, RawClient>, choices: ((setup: Setup) => string)[]): Promise<Record<Setup, Latency>[]> {
  const samples = choices.map(() => ({ direct: [], relay: [], "policy-wrap": [] }) as Record<Setup, number[]>);
  for (const setup of SETUPS)
    for (const choose of choices)
      for (let i = 0; i < 200; i++) await clients[setup].request("tools/call", { name: choose(setup), arguments: {} });
  for (let round = 0; round < ROUNDS; round++) {
    for (const setup of SETUPS) {
      for (let c = 0; c < choices.length; c++) {
        const tool = (choices[c] as (setup: Setup) => string)(setup);
        for (let i = 0; i < SEQUENTIAL / ROUNDS; i++) {
          const start = process.hrtime.bigint();
          await clients[setup].request("tools/call", { name: tool, arguments: {} });
          (samples[c] as Record<Setup, number[]>)[setup].push(since(start) * 1000);
        }
      }
    }
  }
  return samples.map((bySetup) => {
    const result = {} as Record<Setup, Latency>;
    for (const setup of SETUPS) {
      const sorted = bySetup[setup].sort((a, b) => a - b);
      result[setup] = { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
    }
    return result;
  });
}

async function pipelinedBatch(client: RawClient, calls: number, inFlight: number): Promise<number> {
  let sent = 0;
  const start = process.hrtime.bigint();
  const worker = async () => {
    while (sent < calls) {
      sent++;
      await client.request("tools/call", { name: "echo", arguments: {} });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return since(start);
}

/** Total work over total time per set-up, visited in turns. */
async function throughput(
  clients: Record<Setup, RawClient>,
  rounds: number,
  run: (client: RawClient) => Promise<number>,
  work: number,
): Promise<Record<Setup, number>> {
  const elapsed: Record<Setup, number> = { direct: 0, relay: 0, "policy-wrap": 0 };
  for (let round = 0; round < rounds; round++) for (const setup of SETUPS) elapsed[setup] += await run(clients[setup]);
  return mapSetups((setup) => (rounds * work) / (elapsed[setup] / 1000));
}

async function largeResult(client: RawClient, bytes: number): Promise<number> {
  const start = process.hrtime.bigint();
  await client.request("tools/call", { name: "bytes", arguments: { n: bytes } });
  return since(start);
}

async function listTools(clients: Record<Setup, RawClient>): Promise<Record<Setup, number>> {
  const samples: Record<Setup, number[]> = { direct: [], relay: [], "policy-wrap": [] };
  for (const setup of SETUPS) for (let i = 0; i < 20; i++) await clients[setup].request("tools/list");
  for (let round = 0; round < ROUNDS; round++) {
    for (const setup of SETUPS) {
      for (let i = 0; i < 20; i++) {
        const start = process.hrtime.bigint();
        await clients[setup].request("tools/list");
        samples[setup].push(since(start));
      }
    }
  }
  return mapSetups((setup) =>
    percentile(
      samples[setup].sort((a, b) => a - b),
      50,
    ),
  );
}

async function storeCost(file: string, max: number, windowMs: number, prefill: number): Promise<number> {
  const clock = { now: Date.now() };
  const store = openSqliteStore(file, { clock: () => clock.now });
  const limit: BucketLimit = { bucket: `b${max}`, counter: `c${max}`, grant: "bench", scope: "grant", windowMs, max, definedAt: 1 };
  const t0 = clock.now;
  for (let i = 0; i < prefill; i++) await store.admit([limit], `p${i}`);
  const step = Math.ceil(windowMs / max);
  const start = process.hrtime.bigint();
  for (let i = 0; i < 2000; i++) {
    clock.now = t0 + 1 + i * step;
    await store.admit([limit], `c${i}`);
  }
  const perCall = (since(start) * 1000) / 2000;
  await store.close();
  return perCall;
}

async function sharedCounterThroughput(processes: number, callsEach: number): Promise<number> {
  const clients = Array.from(
    { length: processes },
    () =>
      new RawClient(process.execPath, [
        join(root, "bin", "policy-wrap.js"),
        "--policy",
        policy,
        "--state",
        join(work, "shared.db"),
        "--audit",
        join(work, "shared-audit.db"),
        "--log-level",
        "error",
        "--",
        ...upstream,
      ]),
  );
  await Promise.all(clients.map(initialize));
  const start = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < callsEach; i++) await c.request("tools/call", { name: "limited", arguments: {} });
    }),
  );
  const perSecond = (processes * callsEach) / (since(start) / 1000);
  await Promise.all(clients.map((c) => c.close()));
  return perSecond;
}

/**
 * What the audit trail adds to a call: the same wrapper with and without it (and
 * with --audit-required, which waits for each decision's commit), in the same rounds.
 */
async function auditCost(): Promise<{ on: Latency; off: Latency; required: Latency }> {
  const variants = { on: wrapper([]), off: wrapper(["--no-audit"]), required: wrapper(["--audit-required"]) };
  const names = ["on", "off", "required"] as const;
  for (const name of names) await initialize(variants[name]);
  const samples = { on: [] as number[], off: [] as number[], required: [] as number[] };
  for (const name of names) for (let i = 0; i < 200; i++) await variants[name].request("tools/call", { name: "echo", arguments: { i } });
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      for (let i = 0; i < SEQUENTIAL / ROUNDS; i++) {
        const start = process.hrtime.bigint();
        await variants[name].request("tools/call", { name: "echo", arguments: { i } });
        samples[name].push(since(start) * 1000);
      }
    }
  }
  for (const name of names) await variants[name].close();
  const latency = (values: number[]): Latency => {
    const sorted = values.sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  };
  return { on: latency(samples.on), off: latency(samples.off), required: latency(samples.required) };
}

/**
 * The audit trail's work on the relay's own thread per call (a decision and a
 * result event turned into drafts and handed to the writer thread), measured
 * in-process: what the relay pays whatever the machine's other load.
 */
async function auditRelayThreadCost(calls: number): Promise<number> {
  const trail = new AuditTrail({
    file: join(work, "relay-thread.db"),
    createDirectory: false,
    argumentsMode: "full",
    retentionDays: 0,
    required: false,
    session: "bench",
    grant: "bench",
    command: "bench",
    emit: () => {},
  });
  trail.start({ policy: "p", mode: "enforce", details: {} });
  const ref = { method: "tools/call", target: { kind: "tool" as const, name: "echo" } };
  let spent = 0n;
  for (let i = 0; i < calls; i++) {
    const requestId = String(i);
    const start = process.hrtime.bigint();
    trail.listener({
      type: "decision",
      at: Date.now(),
      ...ref,
      requestId,
      outcome: "allow",
      rule: "/default",
      arguments: { i },
      policy: "p",
      mode: "enforce",
      requestBytes: 80,
      raw: Buffer.from(`{"jsonrpc":"2.0","id":${i},"method":"tools/call","params":{"name":"echo","arguments":{"i":${i}}}}`),
    });
    trail.listener({
      type: "call_end",
      at: Date.now(),
      ...ref,
      requestId,
      outcome: "allow",
      result: "ok",
      durationMs: 1,
      bytes: 80,
      refunded: false,
    });
    spent += process.hrtime.bigint() - start;
    // One call per tick, as a sequential client makes them; hand-overs happen on their timer, and are counted below.
    if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await trail.close();
  // The hand-over itself is a structured clone of the drafts (postMessage); it runs on the timer, so it is timed here.
  const ctx = { session: "bench", grant: "bench", server: null, command: "bench", argumentsMode: "full" as const };
  const drafts = Array.from({ length: 200 }, (_, i) => [
    draftFromEvent(
      {
        type: "decision",
        at: 0,
        ...ref,
        requestId: String(i),
        outcome: "allow",
        rule: "/default",
        arguments: { i },
        policy: "p",
        mode: "enforce",
        requestBytes: 80,
        raw: Buffer.from(`{"jsonrpc":"2.0","id":${i},"method":"tools/call","params":{"name":"echo","arguments":{"i":${i}}}}`),
      },
      ctx,
    ),
    draftFromEvent(
      { type: "call_end", at: 0, ...ref, requestId: String(i), outcome: "allow", result: "ok", durationMs: 1, bytes: 80, refunded: false },
      ctx,
    ),
  ]).flat();
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls / 200; i++) structuredClone(drafts);
  spent += process.hrtime.bigint() - start;
  return Number(spent) / 1000 / calls;
}

interface Row {
  figure: string;
  unit: string;
  values: Partial<Record<Setup, number>>;
  target?: string;
  /** Compared to the relay as a difference (start-up time) rather than a ratio. */
  difference?: boolean;
}
const rows: Row[] = [];
const row = (figure: string, unit: string, target?: string, difference = false): Row => {
  const r: Row = { figure, unit, values: {}, target, difference };
  rows.push(r);
  return r;
};

/** Idle means idle: the writer thread and the records' housekeeping have started, and V8 has had time to shrink its heap. */
const IDLE_SETTLE_MS = 10_000;
const settle = () => new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));

/** Resident memory of a wrapper that only answered initialize, after settling. */
async function idleRss(extra: string[]): Promise<number> {
  const client = wrapper(extra);
  await initialize(client);
  await settle();
  const rss = rssOf(client).current;
  await client.close();
  return rss;
}

const loadBefore = loadavg();

const p50 = row("call latency p50, no limit", "us", "<= 1.15x relay");
const p99 = row("call latency p99, no limit", "us");
const limP50 = row("call latency p50, one SQLite limit", "us", "<= 1.5x relay");
const limP99 = row("call latency p99, one SQLite limit", "us");
const thru = row("pipelined calls, 64 in flight", "calls/s", ">= 0.85x relay");
const mb16 = row("16 MB results", "MB/s", ">= 0.7x relay");
const mb64 = row("64 MB results", "MB/s", ">= 0.7x relay");
const list = row("tools/list, 800 tools (103 allowed)", "ms", "< +2 ms vs relay");
const init = row("spawn to initialize answer", "ms", "<= relay + 20 ms", true);
const idle = row("RSS idle (relay or wrapper process)", "MB", "<= 50 MB");
const idleNoAudit = row("RSS idle, wrapper with --no-audit", "MB", "<= 50 MB");
const peak = row("peak RSS relaying 64 MB results", "MB", "< 4x 64 MB = 256 MB");

init.values = await timeToInitialize();
const clients = { direct: launch("direct"), relay: launch("relay"), "policy-wrap": launch("policy-wrap") } as Record<Setup, RawClient>;
for (const setup of SETUPS) await initialize(clients[setup]);
await settle();
for (const setup of ["relay", "policy-wrap"] as const) idle.values[setup] = rssOf(clients[setup]).current;
idleNoAudit.values["policy-wrap"] = await idleRss(["--no-audit"]);
const [plain, limited] = (await latency(clients, [() => "echo", (setup) => (setup === "policy-wrap" ? "limited" : "echo")])) as [
  Record<Setup, Latency>,
  Record<Setup, Latency>,
];
for (const setup of SETUPS) {
  p50.values[setup] = plain[setup].p50;
  p99.values[setup] = plain[setup].p99;
  limP50.values[setup] = limited[setup].p50;
  limP99.values[setup] = limited[setup].p99;
}
thru.values = await throughput(clients, 5, (c) => pipelinedBatch(c, PIPELINED / 5, 64), PIPELINED / 5);
list.values = await listTools(clients);
mb16.values = await throughput(clients, 5, (c) => largeResult(c, 16 * 1024 * 1024), 16);
mb64.values = await throughput(clients, 3, (c) => largeResult(c, 64 * 1024 * 1024), 64);
for (const setup of ["relay", "policy-wrap"] as const) peak.values[setup] = rssOf(clients[setup]).peak;
for (const setup of SETUPS) await clients[setup].close();

const audit = await auditCost();
const auditRow = row("call latency p50, audit trail on minus off", "us", "<= 25 us");
auditRow.values["policy-wrap"] = audit.on.p50 - audit.off.p50;
const auditThread = await auditRelayThreadCost(20_000);
row("audit trail work on the relay's thread, per call", "us", "<= 25 us").values["policy-wrap"] = auditThread;
const pins = await measurePins({ root, work, policy: JSON.parse(readFileSync(policy, "utf8")) as object, upstream });
const pinRow = row("tools/list, 800 tools, pins on minus off", "ms", "< 2 ms");
pinRow.values["policy-wrap"] = pins.listOn - pins.listOff;
const floor = await measureFloor({ root, policy, state: join(work, "floor.db"), upstream, calls: SEQUENTIAL });
const shared = await sharedCounterThroughput(4, 1000);
const storeSmall = await storeCost(join(work, "small.db"), 10, 60_000, 10);
const storeHuge = await storeCost(join(work, "huge.db"), 200_000, 86_400_000, 100_000);
const stores = await compareStores({ root, work, policy, upstream, calls: SEQUENTIAL, sqliteCheckUs: storeSmall });
rmSync(work, { recursive: true, force: true });

const fmt = (v: number | undefined) => (v === undefined ? "-" : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const header = ["figure", "unit", "direct", "relay", "policy-wrap", "wrap/relay", "target"];
const table = rows.map((r) => {
  const [wrap, relay] = [r.values["policy-wrap"], r.values.relay];
  const ratio =
    relay === undefined || wrap === undefined
      ? "-"
      : r.difference
        ? `+${(wrap - relay).toFixed(0)} ${r.unit}`
        : `${(wrap / relay).toFixed(2)}x`;
  return [r.figure, r.unit, fmt(r.values.direct), fmt(r.values.relay), fmt(r.values["policy-wrap"]), ratio, r.target ?? ""];
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => (t[i] as string).length)));
const line = (cells: string[]) =>
  cells
    .map((c, i) => c.padEnd(widths[i] as number))
    .join("  ")
    .trimEnd();
const loads = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
process.stdout.write(
  `policy-wrap benchmark: ${cpus()[0]?.model ?? "cpu"}, ${cpus().length} cores, node ${process.version}; ` +
    `load average ${loads(loadBefore)} before, ${loads(loadavg())} after\n` +
    `client: bench/raw-client.ts, plain JavaScript; its direct p50 is ${fmt(p50.values.direct)} us (the floor every ratio sits on)\n\n`,
);
process.stdout.write(`${line(header)}\n${line(widths.map((w) => "-".repeat(w)))}\n${table.map(line).join("\n")}\n\n`);
process.stdout.write(formatFloor(floor));
process.stdout.write(`4 wrapper processes sharing one counter: ${shared.toFixed(0)} admitted calls/s\n`);
process.stdout.write(
  `audit trail, p50 / p99 per call: on ${fmt(audit.on.p50)} / ${fmt(audit.on.p99)} us, off ${fmt(audit.off.p50)} / ${fmt(audit.off.p99)} us, ` +
    `--audit-required ${fmt(audit.required.p50)} / ${fmt(audit.required.p99)} us\n`,
);
process.stdout.write(
  `store check-and-consume alone: ${storeSmall.toFixed(1)} us for max 10/minute, ${storeHuge.toFixed(1)} us for max 200000/day with 100000 in the window\n`,
);
process.stdout.write(formatPins(pins));
process.stdout.write(`\n${formatStores(stores)}`);

mkdirSync(join(root, "bench", "results"), { recursive: true });
writeFileSync(
  join(root, "bench", "results", "latest.json"),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      load: { before: loadBefore, after: loadavg() },
      cpu: cpus()[0]?.model,
      rows,
      shared,
      storeSmall,
      storeHuge,
      stores,
      audit,
      auditThread,
      floor,
      pins,
    },
    null,
    2,
  ),
);
