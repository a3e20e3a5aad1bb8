import type { WrapperEvent } from "../events/events.js";
import type { ProcessRef } from "./process-ref.js";
import type { RecordsFile } from "./records-file.js";

// Each running wrapper publishes what it is doing to the records file, for
// the dashboard: its server, its policy and how the last reload went, the
// tools the client sees, its held calls. It listens to the event bus like any
// subscriber and writes a little after a change (changes come in bursts, and
// the relay should not wait for the disk), only when something changed.

const WRITE_AFTER_MS = 50;

export interface WrapperStatus {
  command: string;
  /** The upstream's serverInfo name and version, once it answered initialize. */
  server: string | null;
  serverVersion: string | null;
  policyFile: string | null;
  /** sha256 of the policy in force, and when it was loaded. */
  policy: string;
  policyLoadedAt: number;
  mode: string;
  /** The last reload that was rejected, with its problems; the last good policy stayed in force. */
  rejectedReload: { at: number; problems: string[] } | null;
  lastReload: { at: number; accepted: boolean } | null;
  tools: { visible: string[]; total: number; at: number } | null;
  approvals: { waiting: string[]; answers: Record<string, number> };
  storeFault: { at: number; message: string } | null;
  auditFault: { at: number; message: string } | null;
  state: string;
  grant: string;
  records: string;
}

export interface WrapperIdentity {
  session: string;
  process: ProcessRef;
  startedAt: number;
}

export class WrapperStatusPublisher {
  readonly #records: () => RecordsFile;
  readonly #identity: WrapperIdentity;
  readonly #onError: (error: unknown) => void;
  #status: WrapperStatus;
  #written = "";
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(records: () => RecordsFile, identity: WrapperIdentity, initial: WrapperStatus, onError: (error: unknown) => void) {
    this.#records = records;
    this.#identity = identity;
    this.#status = initial;
    this.#onError = onError;
  }

  /** Writes the first status now: the dashboard sees the wrapper from its start. */
  start(): void {
    this.#write();
  }

  readonly listener = (event: WrapperEvent): void => {
    const s = this.#status;
    switch (event.type) {
      case "reload":
        this.#status = event.accepted
          ? { ...s, policy: event.policy, mode: event.mode, policyLoadedAt: event.at, lastReload: { at: event.at, accepted: true } }
          : { ...s, rejectedReload: { at: event.at, problems: event.problems }, lastReload: { at: event.at, accepted: false } };
        break;
      case "server_info":
        this.#status = { ...s, server: event.name ?? null, serverVersion: event.version ?? null };
        break;
      case "audit_fault":
        this.#status = { ...s, auditFault: { at: event.at, message: event.message } };
        break;
      case "audit_recovered":
        this.#status = { ...s, auditFault: null };
        break;
      case "list":
        this.#status = { ...s, tools: { visible: event.tools ?? [], total: event.total, at: event.at } };
        break;
      case "approval":
        this.#status = { ...s, approvals: countApproval(s.approvals, event) };
        break;
      case "store_fault":
        this.#status = { ...s, storeFault: { at: event.at, message: event.message } };
        break;
      case "store_recovered":
        this.#status = { ...s, storeFault: null };
        break;
      default:
        return;
    }
    this.#schedule();
  };

  /** The wrapper is stopping: its row goes (the dashboard also drops rows of dead processes). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    try {
      this.#records().db.prepare("DELETE FROM wrappers WHERE session = ?").run(this.#identity.session);
    } catch {
      // The row of a dead process is dropped by whoever reads it next.
    }
  }

  #schedule(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#write();
    }, WRITE_AFTER_MS);
    this.#timer.unref();
  }

  #write(): void {
    const text = JSON.stringify(this.#status);
    if (text === this.#written || this.#stopped) return;
    const { session, process, startedAt } = this.#identity;
    try {
      this.#records()
        .db.prepare(
          `INSERT INTO wrappers(session, host, pid, pid_started, started_at, updated_at, status) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(session) DO UPDATE SET updated_at = excluded.updated_at, status = excluded.status`,
        )
        .run(session, process.host, process.pid, process.started, startedAt, Date.now(), text);
      this.#written = text;
    } catch (error) {
      this.#onError(error);
    }
  }
}

function countApproval(
  approvals: WrapperStatus["approvals"],
  event: Extract<WrapperEvent, { type: "approval" }>,
): WrapperStatus["approvals"] {
  const id = event.approval;
  if (event.phase === "asked") {
    if (event.channel !== "out_of_band" || id === undefined || approvals.waiting.includes(id)) return approvals;
    return { ...approvals, waiting: [...approvals.waiting, id] };
  }
  const answer = event.answer ?? "unknown";
  return {
    waiting: approvals.waiting.filter((waiting) => waiting !== id),
    answers: { ...approvals.answers, [answer]: (approvals.answers[answer] ?? 0) + 1 },
  };
}
