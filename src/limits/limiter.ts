import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "../log.js";
import type { CompiledLimit } from "../policy/types.js";
import { SqliteCounterStore } from "./sqlite-store.js";
import type { BucketLimit, CounterStore, Ticket } from "./store.js";

// The gate's one stateful step: turns a decision's limits into buckets for this
// grant and session, charges them at the current time, and fails closed. A
// store fault refuses the calls that need a counter and is reported once per
// distinct cause, not once per call.

export type LimitOutcome =
  | { admitted: true; ticket: Ticket | undefined }
  | { admitted: false; limit: CompiledLimit; used: number; retryAfterMs: number }
  | { admitted: false; fault: string };

export interface LimiterOptions {
  statePath: string;
  /** Create the state file's directory (for the default per-user location only). */
  createDirectory: boolean;
  grant: string;
  sessionId: string;
  now: () => number;
  log: Logger;
  openStore?: (path: string) => CounterStore;
}

export class Limiter {
  readonly #options: LimiterOptions;
  #store: CounterStore | undefined;
  readonly #reported = new Set<string>();

  constructor(options: LimiterOptions) {
    this.#options = options;
  }

  /** Opens the store now, so a broken one is reported at start-up. */
  open(): boolean {
    return this.#ensureStore() !== undefined;
  }

  #ensureStore(): CounterStore | undefined {
    if (this.#store) return this.#store;
    const { statePath, createDirectory, openStore } = this.#options;
    try {
      if (createDirectory) mkdirSync(dirname(statePath), { recursive: true });
      this.#store = openStore ? openStore(statePath) : new SqliteCounterStore(statePath);
      return this.#store;
    } catch (error) {
      this.#report(`cannot open the counter store ${statePath}: ${describeStoreError(error)}`);
      return undefined;
    }
  }

  #report(message: string): string {
    if (!this.#reported.has(message)) {
      this.#reported.add(message);
      this.#options.log.error(`${message}; rate-limited calls are refused until this is fixed`);
    }
    return message;
  }

  #bucket(limit: CompiledLimit): BucketLimit {
    const { grant, sessionId } = this.#options;
    const owner = limit.scope === "grant" ? `grant\u0000${grant}` : `session\u0000${sessionId}`;
    return {
      bucket: `${owner}\u0000${limit.counter}`,
      counter: limit.counter,
      grant,
      scope: limit.scope,
      windowMs: limit.windowMs,
      max: limit.max,
    };
  }

  admit(limits: CompiledLimit[]): LimitOutcome {
    if (limits.length === 0) return { admitted: true, ticket: undefined };
    const byBucket = new Map<string, { limit: CompiledLimit; bucket: BucketLimit }>();
    for (const limit of limits) {
      const bucket = this.#bucket(limit);
      if (!byBucket.has(bucket.bucket)) byBucket.set(bucket.bucket, { limit, bucket });
    }
    const store = this.#ensureStore();
    if (!store) return { admitted: false, fault: `the counter store ${this.#options.statePath} cannot be opened` };
    try {
      const result = store.admit(
        [...byBucket.values()].map((b) => b.bucket),
        this.#options.now(),
      );
      if (result.admitted) return result;
      // The call waits for the slowest refusing limit.
      const worst = result.refusals.reduce((a, b) => (b.retryAfterMs > a.retryAfterMs ? b : a));
      const limit = (byBucket.get(worst.bucket) as { limit: CompiledLimit }).limit;
      return { admitted: false, limit, used: worst.used, retryAfterMs: worst.retryAfterMs };
    } catch (error) {
      return { admitted: false, fault: this.#report(`the counter store ${this.#options.statePath} failed: ${describeStoreError(error)}`) };
    }
  }

  /** The call never ran (the upstream answered with a JSON-RPC error): give its quota back. */
  refund(ticket: Ticket): void {
    try {
      this.#store?.refund(ticket);
    } catch (error) {
      this.#report(`the counter store ${this.#options.statePath} failed to refund a call: ${describeStoreError(error)}`);
    }
  }

  close(): void {
    this.#store?.close();
  }
}

export function describeStoreError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case "SQLITE_NOTADB":
    case "SQLITE_CORRUPT":
      return "the file is not a usable SQLite database (corrupt?)";
    case "SQLITE_READONLY":
      return "the file is read-only";
    case "SQLITE_BUSY":
    case "SQLITE_LOCKED":
      return "the file stayed locked by another process past the busy timeout";
    case "SQLITE_FULL":
      return "the disk is full";
    case "SQLITE_CANTOPEN":
      return "the file cannot be opened (does its directory exist?)";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
