// Counter storage, apart from policy and gate. A bucket is one budget: a
// counter within a grant (shared by processes) or within one session.

export interface BucketLimit {
  bucket: string;
  counter: string;
  grant: string;
  scope: "grant" | "session";
  windowMs: number;
  max: number;
}

export interface Refusal {
  bucket: string;
  used: number;
  /** Milliseconds until enough admitted calls leave the window for one more. */
  retryAfterMs: number;
}

export type AdmitResult = { admitted: true; ticket: Ticket } | { admitted: false; refusals: Refusal[] };

/** What to give back if the call turns out never to have run. */
export interface Ticket {
  entries: { bucket: string; id: number }[];
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

export interface CounterStore {
  /** All limits admit the call and each is charged once, or none is charged. */
  admit(limits: BucketLimit[], now: number): AdmitResult;
  refund(ticket: Ticket): void;
  list(now: number, grant?: string): CounterRow[];
  reset(counter: string, grant?: string): number;
  close(): void;
}
