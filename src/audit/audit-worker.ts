import { parentPort, workerData } from "node:worker_threads";
import { describeSqliteError } from "../limits/sqlite-faults.js";
import { AuditFile } from "./audit-file.js";
import type { RecordDraft } from "./record.js";
import type { FromWorker, ToWorker, WorkerSetup } from "./worker-protocol.js";

// The audit trail's writer thread. SQLite work (the write lock, the commit,
// pruning, a disk that stalls) happens here, so the relay never waits on the
// audit file. A batch that cannot be written is dropped and counted; the next
// batch that can be written starts with a gap record saying how many records
// were lost, when, and why, which `log verify` reports.

const setup = workerData as WorkerSetup;
const port = parentPort as NonNullable<typeof parentPort>;
const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;
/** A file that failed to open is tried again at most this often. */
const REOPEN_AFTER_MS = 1000;

let file: AuditFile | undefined;
let openFailedAt = 0;
let openError = "";
let lost: { count: number; from: number; to: number; reason: string } | undefined;
let retry: NodeJS.Timeout | undefined;

const post = (message: FromWorker) => port.postMessage(message);

function describe(error: unknown): string {
  const why = describeSqliteError(error, setup.file);
  return `the audit trail ${setup.file} cannot be written: ${why}`;
}

function ensureOpen(): AuditFile {
  if (file) return file;
  if (openFailedAt > 0 && Date.now() - openFailedAt < REOPEN_AFTER_MS) throw new Error(openError);
  try {
    file = new AuditFile(setup.file, { createDirectory: setup.createDirectory, argumentsMode: setup.argumentsMode });
    openFailedAt = 0;
    return file;
  } catch (error) {
    openFailedAt = Date.now();
    openError = describe(error);
    throw new Error(openError);
  }
}

function gapRecord(gap: NonNullable<typeof lost>): RecordDraft {
  const { session, grant, command } = setup;
  const details = { lost: gap.count, from: new Date(gap.from).toISOString(), to: new Date(gap.to).toISOString() };
  return { at: gap.to, kind: "gap", session, grant, server: null, command, reason: gap.reason, details, weight: 0 };
}

function noteLost(count: number, at: number, reason: string): void {
  if (count === 0) return;
  lost = lost ? { ...lost, count: lost.count + count, to: at } : { count, from: at, to: at, reason };
}

function append(batch: number, drafts: RecordDraft[], dropped: number): void {
  const at = drafts[0]?.at ?? Date.now();
  noteLost(dropped, at, "the audit writer fell behind the calls");
  try {
    const open = ensureOpen();
    const gap = lost;
    open.append(gap ? [gapRecord(gap), ...drafts] : drafts);
    lost = undefined;
    if (gap) post({ type: "recovered", lost: gap.count });
    post({ type: "written", batch });
  } catch (error) {
    const message = error instanceof Error && error.message.startsWith("the audit trail") ? error.message : describe(error);
    noteLost(drafts.length, drafts.at(-1)?.at ?? at, message);
    // A file that failed mid-write is opened afresh next time (it may have been replaced or repaired).
    closeQuietly();
    post({ type: "failed", batch, message });
    scheduleRetry();
  }
}

function closeQuietly(): void {
  try {
    file?.close();
  } catch {
    // The handle is dropped all the same; the next try opens the file afresh.
  }
  file = undefined;
}

/**
 * While records are lost, the writer tries again on its own: a wrapper that
 * makes no more calls still learns (and records, as a gap) that the file can
 * be written again, rather than only at its next call.
 */
function scheduleRetry(): void {
  if (retry) return;
  retry = setTimeout(() => {
    retry = undefined;
    if (lost) append(-1, [], 0);
  }, REOPEN_AFTER_MS);
  retry.unref();
}

function prune(): void {
  if (setup.retentionDays <= 0 || !file) return;
  try {
    const count = file.prune(Date.now() - setup.retentionDays * DAY_MS);
    post({ type: "pruned", count, days: setup.retentionDays });
  } catch {
    // Pruning is housekeeping: a failure here is retried at the next round, and writes report their own faults.
  }
}

port.on("message", (message: ToWorker) => {
  if (message.type === "append") {
    append(message.batch, message.drafts, message.dropped);
    return;
  }
  if (retry) clearTimeout(retry);
  retry = undefined;
  if (lost) append(-1, [], 0);
  if (retry) clearTimeout(retry);
  closeQuietly();
  post({ type: "closed" });
});

try {
  ensureOpen();
} catch {
  // Reported with the first batch (the session record), which follows at once.
}
prune();
setInterval(prune, PRUNE_EVERY_MS).unref();
