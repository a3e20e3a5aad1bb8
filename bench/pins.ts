import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { recordExactNumbers } from "../src/json/upstream-numbers.js";
import { PinChecker } from "../src/pins/pin-checker.js";
import { PinStore } from "../src/pins/pin-store.js";
import { RawClient } from "./raw-client.js";

// What tool pinning costs on tools/list, the only place it hashes: end to end,
// the same wrapper with pins on and off in the same rounds; and in-process,
// the checker alone on 800 tools (the fast upstream's list), for a server's
// very first list (800 pins written), the first list of a later process (800
// hashed, the pins read), and a list that repeats itself.

export interface PinFigures {
  /** p50 of a whole tools/list round trip, ms. */
  listOn: number;
  listOff: number;
  /** The checker alone, ms (p50 of its runs). */
  firstEver: number;
  firstOfProcess: number;
  repeated: number;
}

interface Setting {
  root: string;
  work: string;
  policy: object;
  upstream: string[];
}

const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const ROUNDS = 10;

function wrapper(s: Setting, name: string, pin: string): RawClient {
  const policy = join(s.work, `pins-${name}.json`);
  writeFileSync(policy, JSON.stringify({ ...s.policy, pin }));
  const bin = join(s.root, "bin", "policy-wrap.js");
  const state = join(s.work, `pins-${name}.db`);
  return new RawClient(process.execPath, [
    bin,
    "--policy",
    policy,
    "--state",
    state,
    "--no-audit",
    "--log-level",
    "error",
    "--",
    ...s.upstream,
  ]);
}

async function listCost(s: Setting): Promise<{ on: number; off: number }> {
  const clients = { on: wrapper(s, "on", "enforce"), off: wrapper(s, "off", "off") };
  const init = { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } };
  const samples = { on: [] as number[], off: [] as number[] };
  for (const name of ["on", "off"] as const) {
    await clients[name].request("initialize", init);
    for (let i = 0; i < 20; i++) await clients[name].request("tools/list");
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of ["on", "off"] as const) {
      for (let i = 0; i < 20; i++) {
        const start = process.hrtime.bigint();
        await clients[name].request("tools/list");
        samples[name].push(since(start));
      }
    }
  }
  await Promise.all([clients.on.close(), clients.off.close()]);
  return { on: median(samples.on), off: median(samples.off) };
}

/** The fast upstream's 800 tools as the relay hands them over: parsed from the answer's text, numbers checked. */
function parsedList(): Record<string, unknown>[] {
  const tools = Array.from({ length: 800 }, (_, i) => ({
    name: i === 0 ? "echo" : i === 1 ? "limited" : i === 2 ? "bytes" : `tool-${i}`,
    description: `benchmark tool ${i}`,
    inputSchema: { type: "object", properties: { n: { type: "number" } } },
  }));
  const text = JSON.stringify({ jsonrpc: "2.0", id: 1, result: { tools } });
  const value = JSON.parse(text) as { result: { tools: Record<string, unknown>[] } };
  recordExactNumbers(value, text);
  return value.result.tools;
}

function checker(store: PinStore): PinChecker {
  return new PinChecker({ command: ["bench"], openStore: () => store, emit: () => {}, onReleased: () => {} });
}

function checkerCost(work: string): { firstEver: number; firstOfProcess: number; repeated: number } {
  const firstEver: number[] = [];
  const firstOfProcess: number[] = [];
  const repeated: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // The store is opened (and its tables made) before the clock starts: a wrapper opens it once.
    const store = PinStore.open(join(work, `pins-checker-${round}.db`));
    const list0 = parsedList();
    let start = process.hrtime.bigint();
    checker(store).observe(list0, "enforce", 0);
    firstEver.push(since(start));
    const later = checker(store);
    const list = parsedList();
    start = process.hrtime.bigint();
    later.observe(list, "enforce", 0);
    firstOfProcess.push(since(start));
    for (let i = 0; i < 20; i++) {
      const again = parsedList();
      start = process.hrtime.bigint();
      later.observe(again, "enforce", 0);
      repeated.push(since(start));
    }
    later.close();
    store.close();
  }
  return { firstEver: median(firstEver), firstOfProcess: median(firstOfProcess), repeated: median(repeated) };
}

export async function measurePins(s: Setting): Promise<PinFigures> {
  const list = await listCost(s);
  const alone = checkerCost(s.work);
  return { listOn: list.on, listOff: list.off, ...alone };
}

export function formatPins(f: PinFigures): string {
  const ms = (v: number) => v.toFixed(2);
  return (
    `tool pins, 800 tools: tools/list p50 ${ms(f.listOn)} ms with pins, ${ms(f.listOff)} ms with "pin": "off" ` +
    `(${f.listOn >= f.listOff ? "+" : ""}${ms(f.listOn - f.listOff)} ms; target < 2 ms)\n` +
    `  the checker alone: a server's first list ${ms(f.firstEver)} ms (800 pins written), ` +
    `a later process's first list ${ms(f.firstOfProcess)} ms (800 hashed, pins read), a repeated list ${ms(f.repeated)} ms\n`
  );
}
