import type { WrapperEvent } from "../events/events.js";

// One audit record: the columns of the `audit` table, in the order the hash
// chain encodes them. Drafts are made on the relay's thread from events (no
// formatting, no hashing: that is the writer thread's work).

export type RecordKind = "session" | "decision" | "result" | "approval" | "reload" | "store_fault" | "store_recovered" | "gap" | "pin";

export type ArgumentsMode = "full" | "hash" | "none";

/** A stored record, exactly as the table holds it. */
export interface AuditRow {
  seq: number;
  /** ISO 8601, UTC, milliseconds. */
  time: string;
  kind: RecordKind;
  session: string;
  grant_name: string | null;
  /** The upstream's serverInfo.name, once it has answered initialize. */
  server: string | null;
  command: string | null;
  method: string | null;
  tool: string | null;
  /** The JSON-RPC id's source text. */
  request_id: string | null;
  outcome: string | null;
  cause: string | null;
  rule: string | null;
  reason: string | null;
  /** JSON text (truncated past ARGUMENT_CHARS) in full mode; null otherwise. */
  arguments: string | null;
  /** sha256 of the arguments' canonical JSON: in hash mode, and in full mode when the text was cut. */
  arguments_hash: string | null;
  policy: string | null;
  mode: string | null;
  result: string | null;
  error_code: number | null;
  duration_ms: number | null;
  result_bytes: number | null;
  /** JSON object text: facts of the kind (limit counters, approval answers, reload problems, gap sizes). */
  details: string | null;
  prev_hash: string;
  hash: string;
}

/** Every column, in chain order. */
export const COLUMNS = [
  "seq",
  "time",
  "kind",
  "session",
  "grant_name",
  "server",
  "command",
  "method",
  "tool",
  "request_id",
  "outcome",
  "cause",
  "rule",
  "reason",
  "arguments",
  "arguments_hash",
  "policy",
  "mode",
  "result",
  "error_code",
  "duration_ms",
  "result_bytes",
  "details",
  "prev_hash",
  "hash",
] as const satisfies readonly (keyof AuditRow)[];

/** What the relay's thread hands the writer: raw values, formatted there. */
export interface RecordDraft {
  at: number;
  kind: RecordKind;
  session: string;
  grant: string | null;
  server: string | null;
  command: string | null;
  method?: string;
  tool?: string;
  requestId?: string;
  outcome?: string;
  cause?: string;
  rule?: string;
  reason?: string;
  /** The request's text as forwarded, from which the writer cuts the arguments exactly as written (absent in `none` mode). */
  request?: string;
  hasArgs?: boolean;
  policy?: string;
  mode?: string;
  result?: string;
  errorCode?: number;
  durationMs?: number;
  resultBytes?: number;
  details?: Record<string, unknown>;
  /** About what the draft holds in memory until written (the request's size for a decision). */
  weight: number;
}

/** What a record without arguments weighs, roughly, for the writer's memory bound. */
export const SMALL_RECORD_BYTES = 512;

export interface DraftContext {
  session: string;
  grant: string | null;
  server: string | null;
  command: string | null;
  argumentsMode: ArgumentsMode;
}

/** The draft for an event worth a record, or undefined (tools/list answers, the upstream's name, the audit's own faults). */
export function draftFromEvent(event: WrapperEvent, c: DraftContext): RecordDraft | undefined {
  // Written out in each literal, not spread: V8 builds a spread followed by many keys
  // on a slow path (measured here: 16 us a record instead of 0.2 us).
  const { at } = event;
  const { session, grant, server, command } = c;
  const weight = SMALL_RECORD_BYTES;
  switch (event.type) {
    case "decision": {
      const { method, target, requestId, outcome, cause, rule, reason, details, policy, mode } = event;
      const request =
        c.argumentsMode === "none" ? undefined : Buffer.from(event.raw.buffer, event.raw.byteOffset, event.raw.byteLength).toString("utf8");
      return {
        at,
        session,
        grant,
        server,
        command,
        kind: "decision",
        method,
        tool: target.name,
        requestId,
        outcome,
        cause,
        rule,
        reason,
        request,
        hasArgs: c.argumentsMode !== "none",
        policy,
        mode,
        details,
        weight: weight + (request === undefined ? 0 : event.requestBytes),
      };
    }
    case "call_end": {
      const { method, target, requestId, outcome, result, code, durationMs, bytes, refunded } = event;
      return {
        at,
        session,
        grant,
        server,
        command,
        kind: "result",
        method,
        tool: target.name,
        requestId,
        outcome,
        result,
        errorCode: code,
        durationMs,
        resultBytes: bytes,
        details: refunded ? { refunded } : undefined,
        weight,
      };
    }
    case "approval": {
      const { method, target, requestId, phase, channel, answer, detail, approval, by, note } = event;
      // Who decided, through which channel, in their own words (issue 14: approve and deny are audit records).
      return {
        at,
        session,
        grant,
        server,
        command,
        kind: "approval",
        method,
        tool: target.name,
        requestId,
        result: answer ?? phase,
        details: { phase, channel, detail, approval, by, note },
        weight,
      };
    }
    case "reload":
      return event.accepted
        ? {
            at,
            session,
            grant,
            server,
            command,
            kind: "reload",
            result: "accepted",
            policy: event.policy,
            mode: event.mode,
            details: { file: event.file, change: event.change },
            weight,
          }
        : {
            at,
            session,
            grant,
            server,
            command,
            kind: "reload",
            result: "rejected",
            reason: event.problems.join("\n"),
            details: { file: event.file, problems: event.problems },
            weight,
          };
    case "store_fault":
      return { at, session, grant, server, command, kind: "store_fault", reason: event.message, weight };
    case "store_recovered":
      return { at, session, grant, server, command, kind: "store_recovered", details: { store: event.store }, weight };
    case "pin": {
      // Tool pins (issue 15): pinned, new, changed (held or passed), approved, reset, renamed, records unavailable.
      const { action, tool, hash, pinned, why, held, like, message } = event;
      const outcome = held === undefined ? undefined : held ? "held" : "passed";
      const details = { pins: event.server, hash, pinned, like };
      return {
        at,
        session,
        grant,
        server,
        command,
        kind: "pin",
        tool,
        result: action,
        outcome,
        cause: why,
        reason: message,
        details,
        weight,
      };
    }
    default:
      return undefined;
  }
}
