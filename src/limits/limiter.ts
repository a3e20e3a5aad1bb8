import type { WrapperEvent } from "../events/events.js";
import type { CompiledLimit } from "../policy/types.js";
import { describeConflict } from "./describe-conflict.js";
import { StoreFault, type BucketLimit, type Conflict, type CounterStore, type Refusal, type Ticket } from "./store.js";

// The gate's one stateful step: turns a decision's limits into buckets for this
// grant and session, charges them, and fails closed. It knows nothing of
// SQLite or Redis: a store reports its trouble as a StoreFault, which refuses
// the calls that need a counter and is reported once per distinct cause (and
// once more when the store works again), not once per call.

export type LimitOutcome =
  | { admitted: true; ticket: Ticket | undefined }
  | { admitted: false; limit: CompiledLimit; used: number; retryAfterMs: number }
  | { admitted: false; fault: string };

export interface StoreOpener {
  /** Where the counters live, for messages (never with credentials). */
  description: string;
  open(): Promise<CounterStore>;
}

export interface LimiterOptions {
  store: StoreOpener;
  grant: string;
  sessionId: string;
  emit: (event: WrapperEvent) => void;
  clock?: () => number;
}

export class Limiter {
  readonly #options: LimiterOptions;
  readonly #clock: () => number;
  #store: Promise<CounterStore> | undefined;
  /** Faults already reported, so each cause is said once. */
  readonly #reported = new Set<string>();
  /** Whether the store itself is failing (not merely a counter in conflict): its recovery is reported. */
  #down = false;
  #charges = 0;

  constructor(options: LimiterOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
  }

  /** Opens the store now, so a broken one is reported at start-up. */
  async open(): Promise<boolean> {
    try {
      await this.#ensureStore();
      return true;
    } catch (error) {
      this.#fault(error);
      return false;
    }
  }

  #ensureStore(): Promise<CounterStore> {
    // A store that failed to open is tried again on the next call: the fault may be gone.
    this.#store ??= this.#options.store.open().catch((error: unknown) => {
      this.#store = undefined;
      throw error;
    });
    return this.#store;
  }

  #fault(error: unknown, storeDown = true): string {
    const message =
      error instanceof StoreFault ? error.message : `the counter store ${this.#options.store.description} failed: ${String(error)}`;
    if (storeDown) this.#down = true;
    if (!this.#reported.has(message)) {
      this.#reported.add(message);
      this.#options.emit({ type: "store_fault", at: this.#clock(), message });
    }
    return message;
  }

  #recovered(): void {
    if (!this.#down) return;
    this.#down = false;
    this.#reported.clear();
    this.#options.emit({ type: "store_recovered", at: this.#clock(), store: this.#options.store.description });
  }

  #bucket(limit: CompiledLimit, definedAt: number): BucketLimit {
    const { grant, sessionId } = this.#options;
    const owner = limit.scope === "grant" ? `grant\u0000${grant}` : `session\u0000${sessionId}`;
    const { counter, scope, windowMs, max } = limit;
    return { bucket: `${owner}\u0000${counter}`, counter, grant, scope, windowMs, max, definedAt };
  }

  #buckets(limits: CompiledLimit[], definedAt: number): Map<string, { limit: CompiledLimit; bucket: BucketLimit }> {
    const byBucket = new Map<string, { limit: CompiledLimit; bucket: BucketLimit }>();
    for (const limit of limits) {
      const bucket = this.#bucket(limit, definedAt);
      if (!byBucket.has(bucket.bucket)) byBucket.set(bucket.bucket, { limit, bucket });
    }
    return byBucket;
  }

  /** A store's refusal in the limiter's words: the call waits for the slowest refusing limit. */
  #refused(
    result: { conflicts: Conflict[] } | { refusals: Refusal[] },
    byBucket: Map<string, { limit: CompiledLimit }>,
  ): Extract<LimitOutcome, { admitted: false }> {
    if ("conflicts" in result) return { admitted: false, fault: this.#fault(new StoreFault(describeConflict(result.conflicts)), false) };
    const worst = result.refusals.reduce((a, b) => (b.retryAfterMs > a.retryAfterMs ? b : a));
    const limit = (byBucket.get(worst.bucket) as { limit: CompiledLimit }).limit;
    return { admitted: false, limit, used: worst.used, retryAfterMs: worst.retryAfterMs };
  }

  /** `definedAt`: when the policy these limits come from was loaded. */
  async admit(limits: CompiledLimit[], definedAt: number): Promise<LimitOutcome> {
    if (limits.length === 0) return { admitted: true, ticket: undefined };
    const byBucket = this.#buckets(limits, definedAt);
    try {
      const store = await this.#ensureStore();
      const charge = `${this.#options.sessionId}:${this.#charges++}`;
      const result = await store.admit(
        [...byBucket.values()].map((b) => b.bucket),
        charge,
      );
      this.#recovered();
      return result.admitted ? result : this.#refused(result, byBucket);
    } catch (error) {
      return { admitted: false, fault: this.#fault(error) };
    }
  }

  /** Whether `admit` would let the call through now, charging nothing (asked before a human is). */
  async peek(limits: CompiledLimit[], definedAt: number): Promise<LimitOutcome> {
    if (limits.length === 0) return { admitted: true, ticket: undefined };
    const byBucket = this.#buckets(limits, definedAt);
    try {
      const store = await this.#ensureStore();
      const result = await store.peek([...byBucket.values()].map((b) => b.bucket));
      this.#recovered();
      return result.admitted ? { admitted: true, ticket: undefined } : this.#refused(result, byBucket);
    } catch (error) {
      return { admitted: false, fault: this.#fault(error) };
    }
  }

  /** The call provably never ran: give back its own charges. */
  async refund(ticket: Ticket): Promise<void> {
    try {
      await (await this.#ensureStore()).refund(ticket);
    } catch (error) {
      this.#fault(error);
    }
  }

  async close(): Promise<void> {
    const store = this.#store;
    this.#store = undefined;
    await store?.then(
      (s) => s.close(),
      () => {},
    );
  }
}
