import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { Command, InvalidArgumentError, Option } from "commander";
import { AuditFileNotReady, openAuditForReading } from "../audit/read-audit.js";
import { DEFAULT_STATE_TIMEOUT_MS, describeState, parseState, storeOpener, type StateTarget } from "../limits/open-store.js";
import type { CounterStore } from "../limits/store.js";
import { packageRoot } from "../package-root.js";
import { openExistingRecordsFile, type RecordsFile } from "../records/records-file.js";
import { locateRecords } from "../records/records-location.js";
import { startDashboard } from "../ui/ui-server.js";
import { parseCommand } from "./parse-command.js";
import { defaultAuditPath, defaultStatePath } from "./state-path.js";

// `policy-wrap ui [--port <n>] [--open]`: the local dashboard. It reads the
// same files the wrappers write (records, counters, audit trail), creates
// none of them, and runs until Ctrl-C.

interface UiOptions {
  port: number;
  open?: boolean;
  state?: string;
  records?: string;
  audit?: string;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("must be a port number (0: any free port)");
  return n;
}

/** Opens a value on first success; a failure (or nothing there yet) is tried again next time. */
function onceOpened<T>(open: () => T | undefined): () => T | undefined {
  let value: T | undefined;
  return () => (value ??= open());
}

function openBrowser(url: string): void {
  const [command, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", "", url]]
        : ["xdg-open", [url]];
  const child = spawn(command as string, args as string[], { stdio: "ignore", detached: true });
  child.on("error", () => process.stderr.write("policy-wrap: could not open a browser; open the URL above yourself\n"));
  child.unref();
}

export async function uiCommand(argv: string[]): Promise<number> {
  const command = new Command("policy-wrap ui")
    .description("A local dashboard: held calls to approve or deny, decisions, counters, running wrappers.")
    .addOption(new Option("--port <n>", "port on 127.0.0.1 (default: any free port)").argParser(port).default(0))
    .option("--open", "open the dashboard in the default browser")
    .addOption(
      new Option("--state <path|url>", "the wrappers' --state (counters, and records beside a SQLite file)").env("POLICY_WRAP_STATE"),
    )
    .addOption(new Option("--records <file>", "the wrappers' --records file").env("POLICY_WRAP_RECORDS"))
    .addOption(
      new Option("--audit <file>", "the wrappers' audit trail (default: audit.db in the per-user data directory)").env("POLICY_WRAP_AUDIT"),
    );
  const early = parseCommand(command, argv);
  if (early !== undefined) return early;
  const options = command.opts<UiOptions>();
  let state: StateTarget;
  try {
    state = parseState(options.state, defaultStatePath);
  } catch (error) {
    process.stderr.write(`policy-wrap: error: --state: ${(error as Error).message}\n`);
    return 2;
  }
  const recordsFile = locateRecords(options, defaultStatePath).file;
  const auditFile = options.audit ? resolve(options.audit) : defaultAuditPath();
  const opener = storeOpener(state.kind === "sqlite" ? { ...state, createDirectory: false } : state, {
    timeoutMs: DEFAULT_STATE_TIMEOUT_MS,
  });
  let store: Promise<CounterStore> | undefined;
  const records = onceOpened<RecordsFile>(() => openExistingRecordsFile(recordsFile));
  const audit = onceOpened<BetterSqlite3.Database>(() => {
    if (!existsSync(auditFile)) return undefined;
    try {
      return openAuditForReading(auditFile);
    } catch (error) {
      if (error instanceof AuditFileNotReady) return undefined;
      throw error;
    }
  });
  const dashboard = await startDashboard({
    port: options.port,
    assetsDir: join(packageRoot(), "src", "ui", "assets"),
    sources: {
      recordsFile,
      records,
      state: describeState(state),
      counters: async () => {
        if (state.kind === "sqlite" && !existsSync(state.file)) return [];
        store ??= opener.open().catch((error: unknown) => {
          store = undefined;
          throw error;
        });
        return (await store).list();
      },
      auditFile,
      audit,
    },
  });
  process.stdout.write(`policy-wrap dashboard: ${dashboard.url}\n(the address is its key: keep it to yourself; Ctrl-C stops it)\n`);
  if (options.open) openBrowser(dashboard.url);
  const signal = await new Promise<NodeJS.Signals>((done) => {
    for (const name of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(name, () => done(name));
  });
  await dashboard.close();
  await store?.then((s) => s.close()).catch(() => {});
  await opener.close();
  records()?.close();
  audit()?.close();
  return signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1;
}
