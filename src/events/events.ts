import type { PolicyChange } from "../policy/describe-change.js";
import type { Target } from "../policy/target.js";
import type { Mode } from "../policy/types.js";
import type { UnmatchedName } from "../policy/unmatched-names.js";

export type { Mode } from "../policy/types.js";

// The wrapper's one vocabulary for what happened. The gate and the limiter
// emit these; the stderr logger, the audit trail, the dashboard and the demo
// subscribe. Nobody upstream of a subscriber formats text for a human.

/** Why a call was (or, in monitor mode, would have been) refused. The same words appear in `_meta["policy-wrap/decision"]`. */
export type Cause =
  | "hidden"
  | "default"
  | "rule"
  | "condition"
  | "arguments"
  | "uri"
  | "approval"
  | "rate_limit"
  | "limit_store"
  | "audit"
  /** The request's params cannot be read one way only (a missing name, a case-variant member): answered -32602, never forwarded. */
  | "params"
  /** The tool's definition differs from the one a person approved (see pins). */
  | "pin_changed"
  /** The tool's definition could not be checked against its pin (records unavailable, the upstream's list unreadable). */
  | "pin_unverified";

export type Outcome = "allow" | "deny" | "would_deny";

/** What a request is about: a tool, a resource (by URI) or a prompt. */
export type { Target, TargetKind } from "../policy/target.js";

/** Where a call stood in the protocol: the method and the request id exactly as the client wrote it. */
export interface CallRef {
  method: string;
  target: Target;
  /** The JSON-RPC id's source text (`7`, `"a1"`), so that 2^53+1 stays exact. */
  requestId: string;
}

/** The policy's verdict on one call: exactly one per call, after approval and limits. */
export interface DecisionEvent extends CallRef {
  type: "decision";
  at: number;
  outcome: Outcome;
  /** JSON Pointer of the part of the policy that decided. */
  rule: string;
  cause?: Cause;
  reason?: string;
  /** Facts that go with the cause (a rate limit's counter, max, retryAfterMs...). */
  details?: Record<string, unknown>;
  arguments: unknown;
  /** sha256 of the policy text that decided. */
  policy: string;
  /** enforce, or monitor (nothing refused: refusals become would_deny and the call goes on). */
  mode: Mode;
  /** Bytes of the request as the client sent it: what the arguments weigh, without measuring them again. */
  requestBytes: number;
  /** The request as forwarded (the canonical text of what was checked): the arguments exactly as the upstream reads them. */
  raw: Uint8Array;
}

export type CallResult = "ok" | "tool_error" | "rpc_error" | "upstream_gone" | "cancelled";

/** How a forwarded call ended. */
export interface CallEndEvent extends CallRef {
  type: "call_end";
  at: number;
  /** The decision that let the call through: allow, or would_deny in monitor mode. */
  outcome: Outcome;
  result: CallResult;
  /** The JSON-RPC error code, for rpc_error. */
  code?: number;
  durationMs: number;
  /** Bytes of the answer relayed to the client, when there was one. */
  bytes?: number;
  /** The charge given back because the call provably never ran. */
  refunded: boolean;
}

/**
 * How a held call's approval ended. `abandoned`: the wrapper that held it is
 * gone (its record can never be approved); `cancelled`: the client withdrew the
 * call, or the wrapper stopped while it waited.
 */
export type ApprovalAnswer = "approved" | "declined" | "dismissed" | "timed_out" | "failed" | "cancelled" | "unavailable" | "abandoned";

/**
 * Who was asked, or who answered. Asked: `elicitation` (a form in the client)
 * and `out_of_band` (a pending record for `policy-wrap approve` and the
 * dashboard). Answered: `elicitation`, `cli`, `dashboard` (a person), `client`
 * (it cancelled the call), `wrapper` (a timeout, a channel that failed, a stop).
 */
export type ApprovalChannel = "elicitation" | "out_of_band" | "cli" | "dashboard" | "client" | "wrapper";

export interface ApprovalEvent extends CallRef {
  type: "approval";
  at: number;
  phase: "asked" | "answered";
  channel: ApprovalChannel;
  answer?: ApprovalAnswer;
  /** The refusal's words as the agent reads them, when it was refused. */
  detail?: string;
  /** The pending record's id (`policy-wrap approve <id>`), when the call was recorded. */
  approval?: string;
  /** Who decided: a user name for cli and dashboard, the client for elicitation. */
  by?: string;
  /** The approver's --note or the denier's --reason. */
  note?: string;
  /** Asked out of band: the command that decides it, exactly as the user can run it. */
  command?: string;
}

export type ReloadEvent =
  | { type: "reload"; at: number; accepted: true; file: string; policy: string; mode: Mode; change: PolicyChange }
  | { type: "reload"; at: number; accepted: false; file: string; problems: string[] };

/** The counter store cannot be used: limited calls are refused until it recovers. */
export interface StoreFaultEvent {
  type: "store_fault";
  at: number;
  message: string;
}

export interface StoreRecoveredEvent {
  type: "store_recovered";
  at: number;
  store: string;
}

/** A tools/list answered to the client, for the debug log and live views. */
export interface ListEvent {
  type: "list";
  at: number;
  method: string;
  visible: number;
  total: number;
  /** The names of the visible tools (for live views). */
  tools?: string[];
}

/** Names the policy writes that match no tool the upstream lists: usually typos that silently do nothing. */
export interface UnmatchedNamesEvent {
  type: "unmatched_names";
  at: number;
  policy: string;
  names: UnmatchedName[];
}

/** The upstream named itself in its initialize answer (`serverInfo`). */
export interface ServerInfoEvent {
  type: "server_info";
  at: number;
  name?: string;
  version?: string;
}

/** The audit trail cannot be written: records are lost (or, with --audit-required, calls refused) until it recovers. */
export interface AuditFaultEvent {
  type: "audit_fault";
  at: number;
  file: string;
  message: string;
  required: boolean;
}

export interface AuditRecoveredEvent {
  type: "audit_recovered";
  at: number;
  file: string;
  /** Records that could not be written meanwhile (a gap record in the file says so too). */
  lost: number;
}

export type PinAction = "pinned" | "new" | "changed" | "approved" | "reset" | "renamed" | "unavailable" | "recovered";

/**
 * What the wrapper learnt about a tool's pinned definition: pinned on a
 * server's first list, a new tool pinned on sight, a definition that differs
 * from its pin, an approval or reset made with `policy-wrap pins`, a server
 * that renamed itself (its pins carry over), the pin records failing and
 * working again.
 */
export interface PinEvent {
  type: "pin";
  at: number;
  action: PinAction;
  /** The server's pin key (`policy-wrap pins` names servers by it). */
  server: string;
  tool?: string;
  /** pinned, new, approved: the pinned definition's sha256; changed: the one listed now. */
  hash?: string;
  /** changed: the approved definition's sha256. */
  pinned?: string;
  /** changed: definition, case (a new name that differs from a pinned one only by case), duplicate, unreadable. */
  why?: "definition" | "case" | "duplicate" | "unreadable";
  /** changed: the tool is held back (pin: enforce), or passes (pin: warn). */
  held?: boolean;
  /** changed by case: the pinned name; renamed: the server's earlier key. */
  like?: string;
  /** unavailable, unreadable: what went wrong. */
  message?: string;
  /** changed (definition, case): the command that shows the change. */
  review?: string;
}

export type WrapperEvent =
  | DecisionEvent
  | CallEndEvent
  | ApprovalEvent
  | ReloadEvent
  | StoreFaultEvent
  | StoreRecoveredEvent
  | ListEvent
  | UnmatchedNamesEvent
  | ServerInfoEvent
  | AuditFaultEvent
  | AuditRecoveredEvent
  | PinEvent;

export type EventListener = (event: WrapperEvent) => void;
