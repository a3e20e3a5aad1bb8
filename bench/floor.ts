import { join } from "node:path";
import { RawClient } from "./raw-client.js";

// Where the floor lies for a wrapper that reads the messages: the byte relay,
// the wrapper's own framing and writing alone, the same plus the checks every
// message must pass (strict scan and parse), and policy-wrap (audit trail
// off, so that its writer thread's share is measured apart), visited in
// turns. If framing and checking alone cost a ratio, no policy layer in this
// runtime gets under it.

export interface FloorFigures {
  /** p50 of sequential unlimited calls, us. */
  p50: Record<FloorSetup, number>;
  /** calls per second with 64 in flight. */
  pipelined: Record<FloorSetup, number>;
}

const FLOOR_SETUPS = ["relay", "framing", "checking", "policy-wrap"] as const;
export type FloorSetup = (typeof FLOOR_SETUPS)[number];

interface Setting {
  root: string;
  policy: string;
  state: string;
  upstream: string[];
  calls: number;
}

const ROUNDS = 10;
const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const call = (client: RawClient) => client.request("tools/call", { name: "echo", arguments: {} });

function launch(s: Setting, setup: FloorSetup): RawClient {
  const bench = (file: string) => join(s.root, "bench", file);
  if (setup === "relay") return new RawClient(process.execPath, [bench("byte-relay.mjs"), ...s.upstream]);
  if (setup === "policy-wrap")
    return new RawClient(process.execPath, [
      join(s.root, "bin", "policy-wrap.js"),
      ...["--policy", s.policy, "--state", s.state, "--no-audit", "--log-level", "error", "--"],
      ...s.upstream,
    ]);
  const env = setup === "checking" ? "CHECK=1" : "CHECK=0";
  return new RawClient("/usr/bin/env", [env, process.execPath, bench("checking-relay.mjs"), ...s.upstream]);
}

export async function measureFloor(s: Setting): Promise<FloorFigures> {
  const clients = Object.fromEntries(FLOOR_SETUPS.map((setup) => [setup, launch(s, setup)])) as Record<FloorSetup, RawClient>;
  const init = { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } };
  for (const setup of FLOOR_SETUPS) {
    await clients[setup].request("initialize", init);
    for (let i = 0; i < 200; i++) await call(clients[setup]);
  }
  const samples = Object.fromEntries(FLOOR_SETUPS.map((setup) => [setup, [] as number[]])) as Record<FloorSetup, number[]>;
  const elapsed = Object.fromEntries(FLOOR_SETUPS.map((setup) => [setup, 0])) as Record<FloorSetup, number>;
  const pipelined = s.calls * 4;
  for (let round = 0; round < ROUNDS; round++) {
    for (const setup of FLOOR_SETUPS) {
      for (let i = 0; i < s.calls / ROUNDS; i++) {
        const start = process.hrtime.bigint();
        await call(clients[setup]);
        samples[setup].push(since(start) * 1000);
      }
      let sent = 0;
      const start = process.hrtime.bigint();
      const worker = async () => {
        while (sent < pipelined / ROUNDS) {
          sent++;
          await call(clients[setup]);
        }
      };
      await Promise.all(Array.from({ length: 64 }, worker));
      elapsed[setup] += since(start);
    }
  }
  for (const setup of FLOOR_SETUPS) await clients[setup].close();
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  return {
    p50: Object.fromEntries(FLOOR_SETUPS.map((setup) => [setup, median(samples[setup])])) as Record<FloorSetup, number>,
    pipelined: Object.fromEntries(FLOOR_SETUPS.map((setup) => [setup, pipelined / (elapsed[setup] / 1000)])) as Record<FloorSetup, number>,
  };
}

export function formatFloor(f: FloorFigures): string {
  const cell = (setup: FloorSetup) =>
    `${setup.padEnd(11)}  p50 ${f.p50[setup].toFixed(1).padStart(6)} us (${(f.p50[setup] / f.p50.relay).toFixed(2)}x)` +
    `  pipelined ${f.pipelined[setup].toFixed(0).padStart(6)} calls/s (${(f.pipelined[setup] / f.pipelined.relay).toFixed(2)}x)`;
  return (
    "the floor for a wrapper that reads the messages (unlimited calls, ratios to the byte relay; policy-wrap with --no-audit):\n" +
    `${FLOOR_SETUPS.map((setup) => `  ${cell(setup)}`).join("\n")}\n` +
    "  framing: the wrapper's line framing and writing alone; checking: framing, the strict scan and a parse of every message\n"
  );
}
