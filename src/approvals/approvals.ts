import type { ApprovalEvent, CallRef, WrapperEvent } from "../events/events.js";
import type { ProcessRef } from "../records/process-ref.js";
import { approveCommand, refusalReason, timedOutReason, unavailableReason } from "./approval-reasons.js";
import type { AskingChannel, ChannelResult, Decision } from "./channel.js";
import type { PendingApprovals } from "./pending-store.js";
import { memoryArbiter, waitForApproval, type Arbiter } from "./wait-for-approval.js";

// The wrapper's held calls. Each call that needs a person is recorded as a
// pending approval (when the records file can be written), asked in the
// client when it can elicit, and waits for the first decision from any
// channel. Decisions made by other processes (`policy-wrap approve`, the
// dashboard) are read from the records file: while any call is held, the
// file's data_version is checked every POLL_MS (a pragma, no table read),
// and the rows are read only when another process committed something.

export const POLL_MS = 100;

export interface ApprovalsOptions {
  /** The pending records, opened on first use; throws (a StoreFault) when they cannot be. */
  pending(): PendingApprovals;
  session: string;
  process: ProcessRef;
  /** The upstream's command line, as the wrapper runs it (the server's claimed name may lie). */
  command: string;
  policyFile: string | null;
  /** The options `policy-wrap approve` needs to find the same records file. */
  commandFlags: string[];
  timeoutMs: number;
  emit: (event: WrapperEvent) => void;
  clock: () => number;
  pollMs?: number;
}

export interface HoldRequest {
  ref: CallRef;
  server: string;
  tool: string;
  /** The exact JSON text of the arguments, as the upstream will read them. */
  arguments: string;
  rule: string;
  /** The channels in the client (a form), given the record's id and command when there is one. */
  clientChannels(approval: { id: string; command: string } | undefined): AskingChannel[];
  onCancel(handler: () => void): void;
}

export interface Verdict {
  decision: Decision;
  /** The pending record's id, when the call was recorded. */
  id: string | undefined;
  /** For anything but approved: the words the agent reads. */
  reason: string;
  /** Says what the wrapper did with an approved call (forwarded, or refused on the second look). */
  settle(result: "forwarded" | "refused", detail?: string): void;
}

export class Approvals {
  readonly #o: ApprovalsOptions;
  /** Held calls waiting out of band, by record id: how to hand each its decision. */
  readonly #held = new Map<string, (result: ChannelResult) => void>();
  readonly #stopping = new AbortController();
  #poller: NodeJS.Timeout | undefined;
  #lastVersion: number | undefined;

  constructor(options: ApprovalsOptions) {
    this.#o = options;
  }

  async hold(request: HoldRequest): Promise<Verdict> {
    const { emit, clock, timeoutMs } = this.#o;
    const { ref, tool } = request;
    let pending: PendingApprovals | undefined;
    let id: string | undefined;
    let fault: string | undefined;
    try {
      pending = this.#o.pending();
      id = pending.create({
        session: this.#o.session,
        process: this.#o.process,
        server: request.server,
        command: this.#o.command,
        policyFile: this.#o.policyFile,
        tool,
        arguments: request.arguments,
        rule: request.rule,
        requestId: ref.requestId,
        channels: [],
        createdAt: clock(),
        expiresAt: clock() + timeoutMs,
      });
    } catch (error) {
      pending = undefined;
      fault = error instanceof Error ? error.message : String(error);
    }
    const command = id === undefined ? undefined : approveCommand(id, this.#o.commandFlags);
    const channels = request.clientChannels(id === undefined || command === undefined ? undefined : { id, command });
    if (id !== undefined) channels.push(this.#outOfBand(id));
    const base = { type: "approval" as const, ...ref, approval: id };
    for (const channel of channels) emit({ ...base, at: clock(), phase: "asked", channel: channel.name, command });
    let decision: Decision;
    if (channels.length === 0) {
      decision = { answer: "unavailable", channel: "wrapper", by: "nobody", at: clock(), reason: unavailableReason(tool, fault) };
    } else {
      decision = await waitForApproval({
        channels,
        arbiter: pending && id !== undefined ? recordArbiter(pending, id) : memoryArbiter(),
        timeoutMs,
        clock,
        onCancel: (handler) => request.onCancel(handler),
        stopped: this.#stopping.signal,
        timedOutReason: timedOutReason(tool, timeoutMs),
      });
    }
    if (id !== undefined) this.#held.delete(id);
    const reason = decision.answer === "approved" ? "" : refusalReason(tool, decision);
    const { answer, channel, by, note } = decision;
    const answered: ApprovalEvent = { ...base, at: clock(), phase: "answered", channel, answer, by, note };
    emit(decision.answer === "approved" ? answered : { ...answered, detail: reason });
    const settle = (result: string, detail?: string): void => {
      if (pending === undefined || id === undefined) return;
      try {
        pending.recordOutcome(id, result, detail ?? null, clock());
      } catch {
        // Only the history loses a line: the call itself was decided and is answered.
      }
    };
    if (decision.answer !== "approved") settle(decision.answer === "cancelled" ? "dropped" : "refused", reason);
    return { decision, id, reason, settle };
  }

  /** The wrapper is stopping: every held call ends as cancelled, and its record is closed. */
  close(): void {
    this.#stopping.abort();
    this.#stopPolling();
  }

  #outOfBand(id: string): AskingChannel {
    return {
      name: "out_of_band",
      ask: (signal) =>
        new Promise<ChannelResult>((resolve) => {
          this.#held.set(id, resolve);
          signal.addEventListener("abort", () => {
            this.#held.delete(id);
            if (this.#held.size === 0) this.#stopPolling();
          });
          this.#startPolling();
        }),
    };
  }

  #startPolling(): void {
    if (this.#poller) return;
    this.#lastVersion = undefined;
    this.#poller = setInterval(() => this.#poll(), this.#o.pollMs ?? POLL_MS);
    this.#poller.unref();
    this.#poll();
  }

  #stopPolling(): void {
    clearInterval(this.#poller);
    this.#poller = undefined;
  }

  /** Hands each held call the decision another process recorded for it. */
  #poll(): void {
    let rows;
    try {
      const pending = this.#o.pending();
      const version = pending.dataVersion();
      if (version === this.#lastVersion) return;
      this.#lastVersion = version;
      rows = pending.decidedAwaitingOutcome(this.#o.session);
    } catch (error) {
      const reason = `The approval record cannot be read (${error instanceof Error ? error.message : String(error)}).`;
      for (const deliver of this.#held.values()) deliver({ answer: "withdrawn", channel: "out_of_band", why: "failed", reason });
      return;
    }
    for (const row of rows) {
      const deliver = this.#held.get(row.id);
      const decision = row.decision;
      if (!deliver || !decision) continue;
      if (decision.answer === "approved" || decision.answer === "declined") {
        deliver({ answer: decision.answer, channel: decision.channel, by: decision.by, note: decision.note });
      } else {
        const reason = `The approval record was closed (${decision.answer}, by ${decision.by}).`;
        deliver({ answer: "withdrawn", channel: "out_of_band", why: "failed", reason });
      }
    }
  }
}

/** The pending record decides: the first decision written stands, whichever process wrote it. */
function recordArbiter(pending: PendingApprovals, id: string): Arbiter {
  return {
    claim(proposed) {
      const result = pending.decide(id, proposed);
      if (result.decided) return proposed;
      const stored = result.record?.decision;
      if (!stored) throw new Error(`the approval record ${id} is gone`);
      return stored;
    },
  };
}
