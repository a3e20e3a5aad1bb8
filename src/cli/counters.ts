import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { describeState, parseState, storeOpener, type StateTarget } from "../limits/open-store.js";
import type { CounterRow, CounterStore } from "../limits/store.js";
import { parseCommand } from "./parse-command.js";
import { defaultStatePath } from "./state-path.js";

// `policy-wrap counters`: what the rate-limit counters hold right now.

const NOT_YET = "policy-wrap creates it when it first runs a policy with limits";
/** Longer than the wrapper's: a person waits here, not an agent's call. */
const COUNTERS_STATE_TIMEOUT_MS = 5000;

interface CountersOptions {
  state?: string;
  stateTimeout: number;
  grant?: string;
  policy?: string;
  json?: boolean;
  reset?: string;
}

export async function countersCommand(argv: string[]): Promise<number> {
  const command = new Command("policy-wrap counters")
    .description("Show (or reset) rate-limit counters.")
    .addOption(new Option("--state <path|url>", "the counters: a SQLite file or a Redis URL").env("POLICY_WRAP_STATE"))
    .addOption(
      new Option("--state-timeout <ms>", "Redis: how long to wait for an answer")
        .argParser((value) => {
          const n = Number(value);
          if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive integer");
          return n;
        })
        .default(COUNTERS_STATE_TIMEOUT_MS),
    )
    .addOption(new Option("--grant <name>", "only this grant"))
    .addOption(new Option("--policy <file>", "only the grant of this policy file (its absolute path)"))
    .option("--json", "print JSON for scripts")
    .option("--reset <counter>", "clear one counter (in the chosen grant, or in all)");
  const early = parseCommand(command, argv);
  if (early !== undefined) return early;
  const options = command.opts<CountersOptions>();
  const grant = options.grant ?? (options.policy ? resolve(options.policy) : undefined);
  let state: StateTarget;
  try {
    state = parseState(options.state, defaultStatePath);
  } catch (error) {
    process.stderr.write(`policy-wrap: error: --state: ${(error as Error).message}\n`);
    return 2;
  }
  // Looking must not create the file (nor its directory) that the wrapper makes on its first limited run.
  if (state.kind === "sqlite" && !existsSync(state.file)) {
    const file = state.file;
    if (options.reset !== undefined) return reportReset(options, 0, ` (no counters yet: ${file} does not exist)`);
    process.stdout.write(options.json ? "[]\n" : `no counters yet: ${file} does not exist (${NOT_YET})\n`);
    return 0;
  }
  const opener = storeOpener(state.kind === "sqlite" ? { ...state, createDirectory: false } : state, { timeoutMs: options.stateTimeout });
  let store: CounterStore;
  try {
    store = await opener.open();
  } catch (error) {
    await opener.close();
    process.stderr.write(`policy-wrap: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  try {
    if (options.reset !== undefined) {
      return reportReset(options, await store.reset(options.reset, grant));
    }
    const rows = await store.list(grant);
    if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else if (rows.length > 0) process.stdout.write(formatTable(rows));
    else {
      const where = describeState(state);
      process.stdout.write(grant === undefined ? `no counters yet in ${where}\n` : `no counters for grant ${grant} in ${where}\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`policy-wrap: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

function reportReset(options: CountersOptions, cleared: number, note = ""): number {
  process.stdout.write(
    options.json
      ? `${JSON.stringify({ reset: options.reset, cleared })}\n`
      : `cleared ${cleared} counter${cleared === 1 ? "" : "s"} named ${options.reset}${note}\n`,
  );
  return cleared > 0 ? 0 : 1;
}

function formatTable(rows: CounterRow[]): string {
  const header = ["COUNTER", "SCOPE", "USED", "MAX", "WINDOW", "FREE IN", "GRANT"];
  const lines = rows.map((r) => [
    r.counter,
    r.scope,
    String(r.used),
    String(r.max),
    `${r.windowMs / 1000}s`,
    r.retryAfterMs > 0 ? `${Math.ceil(r.retryAfterMs / 1000)}s` : "now",
    r.grant,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  return (
    [header, ...lines]
      .map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join("  "))
      .join("\n") + "\n"
  );
}
