import { resolve } from "node:path";
import { Command, Option } from "commander";
import { openSqliteStore } from "../limits/sqlite-store.js";
import type { CounterRow, CounterStore } from "../limits/store.js";
import { parseCommand } from "./parse-command.js";
import { defaultStatePath } from "./state-path.js";

// `policy-wrap counters`: what the rate-limit counters hold right now.

interface CountersOptions {
  state?: string;
  grant?: string;
  policy?: string;
  json?: boolean;
  reset?: string;
}

export async function countersCommand(argv: string[]): Promise<number> {
  const command = new Command("policy-wrap counters")
    .description("Show (or reset) rate-limit counters.")
    .addOption(new Option("--state <path>", "SQLite counter file").env("POLICY_WRAP_STATE"))
    .addOption(new Option("--grant <name>", "only this grant"))
    .addOption(new Option("--policy <file>", "only the grant of this policy file (its absolute path)"))
    .option("--json", "print JSON for scripts")
    .option("--reset <counter>", "clear one counter (in the chosen grant, or in all)");
  const early = parseCommand(command, argv);
  if (early !== undefined) return early;
  const options = command.opts<CountersOptions>();
  const state = options.state ? resolve(options.state) : defaultStatePath();
  const grant = options.grant ?? (options.policy ? resolve(options.policy) : undefined);
  let store: CounterStore;
  try {
    store = openSqliteStore(state);
  } catch (error) {
    process.stderr.write(`policy-wrap: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  try {
    if (options.reset !== undefined) {
      const cleared = await store.reset(options.reset, grant);
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ reset: options.reset, cleared })}\n`
          : `cleared ${cleared} counter${cleared === 1 ? "" : "s"} named ${options.reset}\n`,
      );
      return cleared > 0 ? 0 : 1;
    }
    const rows = await store.list(grant);
    process.stdout.write(options.json ? `${JSON.stringify(rows, null, 2)}\n` : formatTable(rows));
    return 0;
  } catch (error) {
    process.stderr.write(`policy-wrap: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

function formatTable(rows: CounterRow[]): string {
  if (rows.length === 0) return "no counters\n";
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
