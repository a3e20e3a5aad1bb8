import type BetterSqlite3 from "better-sqlite3";
import { describeDecision, describeOutcome } from "../approvals/describe-record.js";
import { PendingApprovals, type PendingRecord } from "../approvals/pending-store.js";
import { queryRecords } from "../audit/read-audit.js";
import type { AuditRow } from "../audit/record.js";
import type { CounterRow } from "../limits/store.js";
import { changedToolView, listChangedTools } from "../pins/changed-tools.js";
import { PinStore } from "../pins/pin-store.js";
import { checkPattern } from "../policy/glob.js";
import type { RecordsFile } from "../records/records-file.js";
import { listWrappers, type WrapperRecord } from "../records/wrapper-list.js";
import { showJson } from "../text/shown-json.js";
import { visibleText } from "../text/visible-text.js";

// What the dashboard shows, read fresh for each poll: held calls, recent
// decisions (the audit trail, and the approvals' own history), counters, and
// the wrappers running on this machine. Every part stands alone: one source
// failing says why in its place and the others still show.

export interface DecisionFilter {
  tool?: string;
  outcome?: string;
  /** `15m`, `1h`, `24h`, `7d`. */
  since?: string;
}

export interface SnapshotSources {
  recordsFile: string;
  /** The records file if it exists (nothing is created for a look). */
  records(): RecordsFile | undefined;
  state: string;
  counters(): Promise<CounterRow[]>;
  auditFile: string;
  /** The audit file if it exists, opened read-only. */
  audit(): BetterSqlite3.Database | undefined;
}

type Part<T> = { ok: true; value: T } | { ok: false; error: string };

const DECISION_ROWS = 100;
const RECENT_APPROVALS = 30;
const OUTCOMES = new Set(["allow", "deny", "would_deny"]);
const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

async function part<T>(read: () => T | Promise<T>): Promise<Part<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function pendingView(record: PendingRecord) {
  // Exactly what the upstream will read (numbers as written), every hidden character escaped (text/shown-json).
  const pretty = showJson(record.arguments, 2);
  return {
    id: record.id,
    // Names from outside: a U+202E or a zero-width space would make the card read as another call.
    tool: visibleText(record.tool),
    server: visibleText(record.server),
    command: record.command,
    policyFile: record.policyFile,
    rule: record.rule,
    pid: record.process.pid,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    arguments: pretty,
    argumentsTruncated: record.argumentsTruncated,
  };
}

function historyView(record: PendingRecord) {
  return {
    id: record.id,
    tool: visibleText(record.tool),
    server: visibleText(record.server),
    answer: record.decision?.answer ?? null,
    channel: record.decision?.channel ?? null,
    decidedAt: record.decision?.at ?? null,
    decision: describeDecision(record),
    outcome: describeOutcome(record) ?? null,
  };
}

function decisionView(row: AuditRow) {
  return {
    seq: row.seq,
    time: row.time,
    kind: row.kind,
    tool: row.tool,
    server: row.server,
    outcome: row.outcome,
    cause: row.cause,
    rule: row.rule,
    reason: row.reason,
    result: row.result,
    session: row.session.slice(0, 8),
  };
}

function wrapperView(wrapper: WrapperRecord) {
  const { session, process, startedAt, updatedAt, liveness, status } = wrapper;
  return { session, pid: process.pid, host: process.host, startedAt, updatedAt, liveness, status };
}

/** The filter as the audit query takes it; throws for a filter it cannot apply. */
export function auditQuery(filter: DecisionFilter, now: number) {
  if (filter.tool) {
    const bad = checkPattern(filter.tool);
    if (bad) throw new Error(`tool filter ${JSON.stringify(filter.tool)} ${bad}`);
  }
  if (filter.outcome && !OUTCOMES.has(filter.outcome)) throw new Error(`unknown outcome ${JSON.stringify(filter.outcome)}`);
  let since: string | undefined;
  if (filter.since) {
    const relative = /^(\d{1,4})([mhd])$/.exec(filter.since);
    if (!relative) throw new Error(`since must be like 15m, 1h or 7d`);
    since = new Date(now - Number(relative[1]) * (UNITS[relative[2] as string] as number)).toISOString();
  }
  return { tool: filter.tool || undefined, outcome: filter.outcome || undefined, since, limit: DECISION_ROWS };
}

export async function buildSnapshot(sources: SnapshotSources, filter: DecisionFilter, now = Date.now()) {
  const records = await part(() => sources.records());
  const file = records.ok ? records.value : undefined;
  const pending = file ? new PendingApprovals(file) : undefined;
  return {
    now,
    files: { records: sources.recordsFile, state: sources.state, audit: sources.auditFile },
    pending: await part(() => (pending ? pending.listPending(now).map(pendingView) : [])),
    approvals: await part(() => (pending ? pending.recent(RECENT_APPROVALS).map(historyView) : [])),
    wrappers: await part(() => (file ? listWrappers(file).map(wrapperView) : [])),
    counters: await part(() => sources.counters()),
    // Tools held back until a person approves their new definition (issue 15).
    pins: await part(() => (file ? listChangedTools(new PinStore(file.db, file.file)).map(changedToolView) : [])),
    decisions: await part(() => {
      const audit = sources.audit();
      if (!audit) return { available: false, rows: [] };
      const rows = queryRecords(audit, auditQuery(filter, now)).filter((r) => r.kind === "decision" || r.kind === "approval");
      return { available: true, rows: rows.reverse().map(decisionView) };
    }),
  };
}

export type Snapshot = Awaited<ReturnType<typeof buildSnapshot>>;
