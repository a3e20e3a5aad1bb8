// Counter storage, apart from policy and gate: an asynchronous interface with
// SQLite (one machine) and Redis (a team) behind it. A bucket is one budget: a
// counter within a grant (shared by processes) or within one session. Each
// store reads time from its own clock (SQLite: this machine's; Redis: the
// server's), never from its callers, so that every process sharing a bucket
// agrees on what "now" is.

export interface BucketLimit {
  bucket: string;
  counter: string;
  grant: string;
  scope: "grant" | "session";
  windowMs: number;
  max: number;
  /**
   * When the policy defining this limit was loaded (ms since the epoch). A counter
   * has one definition per store; a newer policy's definition replaces an older
   * one, and an older policy's calls are refused rather than counted with a
   * window the store no longer keeps.
   */
  definedAt: number;
}

export interface Refusal {
  bucket: string;
  used: number;
  /** Milliseconds until enough admitted calls leave the window for one more. */
  retryAfterMs: number;
}

/** A bucket the store keeps with another definition, set by a policy loaded later than this one. */
export interface Conflict {
  bucket: string;
  counter: string;
  stored: { windowMs: number; max: number };
  wanted: { windowMs: number; max: number };
}

export type AdmitResult =
  { admitted: true; ticket: Ticket } | { admitted: false; refusals: Refusal[] } | { admitted: false; conflicts: Conflict[] };

/** Whether a call would be admitted now; nothing charged, no definition changed. */
export type PeekResult = { admitted: true } | { admitted: false; refusals: Refusal[] } | { admitted: false; conflicts: Conflict[] };

/** What to give back if the call turns out never to have run: its own charges, by their unique id. */
export interface Ticket {
  charge: string;
  buckets: string[];
  /** The store's time of admission, which with the charge finds the entries fast. */
  at: number;
}

export interface CounterRow {
  counter: string;
  grant: string;
  scope: string;
  used: number;
  max: number;
  windowMs: number;
  /** 0 when a call would be admitted now. */
  retryAfterMs: number;
}

/** A store that cannot do its job; `message` says why in words a user can act on. */
export class StoreFault extends Error {
  override readonly name = "StoreFault";
}

export interface CounterStore {
  /** Where the counters live, for messages (never with credentials). */
  readonly description: string;
  /** All limits admit the call and each is charged once under `charge`, or none is charged. */
  admit(limits: BucketLimit[], charge: string): Promise<AdmitResult>;
  /**
   * What `admit` would answer now, charging nothing: asked before a human is,
   * so that nobody approves a call its limit then refuses. Only a hint: other
   * calls may take the last slot meanwhile, and `admit` decides.
   */
  peek(limits: BucketLimit[]): Promise<PeekResult>;
  /** Removes exactly the ticket's own charges; a charge already pruned is simply gone. */
  refund(ticket: Ticket): Promise<void>;
  list(grant?: string): Promise<CounterRow[]>;
  reset(counter: string, grant?: string): Promise<number>;
  close(): Promise<void>;
}
