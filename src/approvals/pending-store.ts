import type { ApprovalAnswer, ApprovalChannel } from "../events/events.js";
import type { RecordsFile } from "../records/records-file.js";
import { processState, type ProcessRef } from "../records/process-ref.js";
import { newApprovalId } from "./approval-id.js";
import type { Decision } from "./channel.js";

// Pending approvals in this machine's records file. Every change of state is
// one statement that only succeeds from the state it expects, under SQLite's
// write lock: a call is decided once, by whoever comes first (the client's
// form, `policy-wrap approve`, the dashboard, the timeout), and the others
// learn who. Rows of a process that is gone are closed as abandoned, never
// approvable: a restarted wrapper does not inherit an old held call.

/** Arguments kept for the approver to read; past this the text is cut and marked. */
/**
 * The longest arguments text a held call may have: a person must see every
 * character of what they approve, so a call with longer arguments is refused
 * rather than held (proxy/call-tool), and nothing stored is ever cut.
 */
export const STORED_ARGUMENT_CHARS = 1024 * 1024;
/** Decided records kept for the dashboard's history (and so that ids stay unique). */
export const KEEP_DECIDED_MS = 7 * 24 * 60 * 60 * 1000;

export interface NewHold {
  session: string;
  process: ProcessRef;
  server: string;
  command: string;
  policyFile: string | null;
  tool: string;
  /** The exact JSON text of the arguments, as the upstream will read them (proxy/exact-arguments). */
  arguments: string;
  rule: string;
  requestId: string;
  channels: string[];
  createdAt: number;
  expiresAt: number;
}

export interface PendingRecord {
  id: string;
  createdAt: number;
  expiresAt: number;
  session: string;
  process: ProcessRef;
  server: string;
  command: string;
  policyFile: string | null;
  tool: string;
  /** JSON text of the arguments, cut at STORED_ARGUMENT_CHARS when `argumentsTruncated`. */
  arguments: string;
  argumentsTruncated: boolean;
  rule: string;
  requestId: string;
  channels: string[];
  /** null while the call waits. */
  decision: Decision | null;
  /** What the wrapper did once it was decided (forwarded, or refused and why). */
  outcome: { result: string; detail: string | null; at: number } | null;
}

interface Row {
  id: string;
  created_at: number;
  expires_at: number;
  session: string;
  host: string;
  pid: number;
  pid_started: string | null;
  server: string;
  command: string;
  policy_file: string | null;
  tool: string;
  arguments: string;
  arguments_truncated: number;
  rule: string;
  request_id: string;
  channels: string;
  answer: string | null;
  decided_at: number | null;
  decided_channel: string | null;
  decided_by: string | null;
  note: string | null;
  outcome: string | null;
  outcome_detail: string | null;
  outcome_at: number | null;
}

function fromRow(row: Row): PendingRecord {
  return {
    id: row.id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    session: row.session,
    process: { host: row.host, pid: row.pid, started: row.pid_started },
    server: row.server,
    command: row.command,
    policyFile: row.policy_file,
    tool: row.tool,
    arguments: row.arguments,
    argumentsTruncated: row.arguments_truncated === 1,
    rule: row.rule,
    requestId: row.request_id,
    channels: JSON.parse(row.channels) as string[],
    decision:
      row.answer === null
        ? null
        : {
            answer: row.answer as ApprovalAnswer,
            channel: (row.decided_channel ?? "wrapper") as ApprovalChannel,
            by: row.decided_by ?? "",
            note: row.note ?? undefined,
            at: row.decided_at ?? 0,
          },
    outcome: row.outcome === null ? null : { result: row.outcome, detail: row.outcome_detail, at: row.outcome_at ?? 0 },
  };
}

function argumentsText(text: string): { text: string; truncated: boolean } {
  return text.length > STORED_ARGUMENT_CHARS ? { text: text.slice(0, STORED_ARGUMENT_CHARS), truncated: true } : { text, truncated: false };
}

export type DecideResult = { decided: true; record: PendingRecord } | { decided: false; record: PendingRecord | undefined };

export class PendingApprovals {
  readonly #records: RecordsFile;
  readonly #statements;

  constructor(records: RecordsFile) {
    this.#records = records;
    const db = records.db;
    this.#statements = {
      insert: db.prepare(
        `INSERT INTO approvals(id, created_at, expires_at, session, host, pid, pid_started, server, command, policy_file, tool,
           arguments, arguments_truncated, rule, request_id, channels)
         VALUES (@id, @createdAt, @expiresAt, @session, @host, @pid, @started, @server, @command, @policyFile, @tool,
           @arguments, @truncated, @rule, @requestId, @channels)`,
      ),
      get: db.prepare("SELECT * FROM approvals WHERE id = ?"),
      decide: db.prepare(
        `UPDATE approvals SET answer = @answer, decided_at = @at, decided_channel = @channel, decided_by = @by, note = @note
         WHERE id = @id AND answer IS NULL`,
      ),
      pending: db.prepare("SELECT * FROM approvals WHERE answer IS NULL ORDER BY created_at, id"),
      recent: db.prepare("SELECT * FROM approvals WHERE answer IS NOT NULL ORDER BY decided_at DESC, id LIMIT ?"),
      decidedOf: db.prepare("SELECT * FROM approvals WHERE session = ? AND answer IS NOT NULL AND outcome IS NULL"),
      outcome: db.prepare("UPDATE approvals SET outcome = ?, outcome_detail = ?, outcome_at = ? WHERE id = ? AND outcome IS NULL"),
      prune: db.prepare("DELETE FROM approvals WHERE answer IS NOT NULL AND decided_at < ?"),
      anyToPrune: db.prepare("SELECT 1 FROM approvals WHERE answer IS NOT NULL AND decided_at < ? LIMIT 1").pluck(),
    };
  }

  get file(): string {
    return this.#records.file;
  }

  /** Records a held call; returns its new id. */
  create(hold: NewHold): string {
    const { text, truncated } = argumentsText(hold.arguments);
    for (;;) {
      const id = newApprovalId();
      try {
        this.#statements.insert.run({
          ...hold,
          id,
          host: hold.process.host,
          pid: hold.process.pid,
          started: hold.process.started,
          arguments: text,
          truncated: truncated ? 1 : 0,
          channels: JSON.stringify(hold.channels),
        });
        return id;
      } catch (error) {
        // 50 random bits: a collision is all but impossible, and a new id is drawn if it happens.
        if ((error as { code?: string }).code !== "SQLITE_CONSTRAINT_PRIMARYKEY") throw error;
      }
    }
  }

  get(id: string): PendingRecord | undefined {
    const row = this.#statements.get.get(id) as Row | undefined;
    return row && fromRow(row);
  }

  /** Decides a waiting call; if it was already decided, says by whom (`decided: false`). */
  decide(id: string, decision: Decision): DecideResult {
    const { answer, at, channel, by } = decision;
    const changed = this.#statements.decide.run({ id, answer, at, channel, by, note: decision.note ?? null }).changes;
    const record = this.get(id);
    return changed === 1 && record ? { decided: true, record } : { decided: false, record };
  }

  /**
   * Decides a call from another process (the CLI, the dashboard): a call whose
   * wrapper is gone is closed as abandoned first, so it can never be approved.
   */
  decideFromOutside(id: string, decision: Decision): DecideResult {
    this.closeAbandoned(decision.at, id);
    return this.decide(id, decision);
  }

  /** Closes waiting rows (all, or the one given) whose wrapper process is gone. */
  closeAbandoned(now: number, onlyId?: string): number {
    const rows = onlyId === undefined ? this.listWaiting() : [this.get(onlyId)].filter((r) => r?.decision === null);
    let closed = 0;
    for (const row of rows) {
      if (!row || processState(row.process) !== "gone") continue;
      const by = `the wrapper (pid ${row.process.pid}) is gone`;
      if (this.decide(row.id, { answer: "abandoned", channel: "wrapper", by, at: now }).decided) closed++;
    }
    return closed;
  }

  /** Waiting calls, oldest first, as stored (including any whose wrapper just died). */
  listWaiting(): PendingRecord[] {
    return (this.#statements.pending.all() as Row[]).map(fromRow);
  }

  /** Waiting calls of live wrappers: the abandoned ones are closed first. */
  listPending(now: number): PendingRecord[] {
    this.closeAbandoned(now);
    return this.listWaiting();
  }

  recent(limit: number): PendingRecord[] {
    return (this.#statements.recent.all(limit) as Row[]).map(fromRow);
  }

  /** One wrapper's calls decided by someone and not yet acted on. */
  decidedAwaitingOutcome(session: string): PendingRecord[] {
    return (this.#statements.decidedOf.all(session) as Row[]).map(fromRow);
  }

  recordOutcome(id: string, result: string, detail: string | null, at: number): void {
    this.#statements.outcome.run(result, detail, at, id);
  }

  /** Whether another connection committed since the last call (cheap: no table read). */
  dataVersion(): number {
    return this.#records.db.pragma("data_version", { simple: true }) as number;
  }

  /** Only takes the write lock when there is something to remove: many wrappers start at once. */
  prune(now: number): number {
    if (this.#statements.anyToPrune.get(now - KEEP_DECIDED_MS) === undefined) return 0;
    return this.#statements.prune.run(now - KEEP_DECIDED_MS).changes;
  }
}
