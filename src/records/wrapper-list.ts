import { processState, type ProcessRef } from "./process-ref.js";
import type { RecordsFile } from "./records-file.js";
import type { WrapperStatus } from "./wrapper-status.js";

// The wrappers running on this machine, as they published themselves. A row
// whose process is gone (killed, crashed: it could not remove its own row) is
// removed here.

export interface WrapperRecord {
  session: string;
  process: ProcessRef;
  startedAt: number;
  updatedAt: number;
  /** "elsewhere": another machine's wrapper in a shared file; its liveness is not known here. */
  liveness: "alive" | "elsewhere";
  status: WrapperStatus;
}

interface Row {
  session: string;
  host: string;
  pid: number;
  pid_started: string | null;
  started_at: number;
  updated_at: number;
  status: string;
}

export function listWrappers(records: RecordsFile): WrapperRecord[] {
  const rows = records.db.prepare("SELECT * FROM wrappers ORDER BY started_at, session").all() as Row[];
  const live: WrapperRecord[] = [];
  const remove = records.db.prepare("DELETE FROM wrappers WHERE session = ?");
  for (const row of rows) {
    const process = { host: row.host, pid: row.pid, started: row.pid_started };
    const state = processState(process);
    if (state === "gone") {
      remove.run(row.session);
      continue;
    }
    let status: WrapperStatus;
    try {
      status = JSON.parse(row.status) as WrapperStatus;
    } catch {
      continue;
    }
    live.push({ session: row.session, process, startedAt: row.started_at, updatedAt: row.updated_at, liveness: state, status });
  }
  return live;
}
