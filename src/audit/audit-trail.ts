import { Worker, type WorkerOptions } from "node:worker_threads";
import type { DecisionEvent, EventListener, WrapperEvent } from "../events/events.js";
import { draftFromEvent, type ArgumentsMode, type DraftContext, type RecordDraft } from "./record.js";
import type { FromWorker, ToWorker, WorkerSetup } from "./worker-protocol.js";

// The audit trail as an event subscriber. On the relay's thread it only turns
// events into drafts and hands them to the writer thread in one message every
// few milliseconds; the writer thread chains and commits each hand-over in one
// transaction. The
// relay never waits on the audit file, except with --audit-required, where a
// call is forwarded only once its decision is committed (recordFirst).

export interface AuditTrailOptions {
  file: string;
  createDirectory: boolean;
  argumentsMode: ArgumentsMode;
  retentionDays: number;
  required: boolean;
  session: string;
  grant: string;
  command: string;
  /** Where the trail reports its own faults and recoveries. */
  emit: (event: WrapperEvent) => void;
  clock?: () => number;
}

/**
 * What may wait for the writer thread (handed over, not yet acknowledged): past
 * this, new records are dropped and counted (a gap), so a writer that falls
 * behind a flood of calls, or of large arguments, cannot grow memory without bound.
 */
const MAX_OUTSTANDING_RECORDS = 100_000;
const MAX_OUTSTANDING_BYTES = 64 * 1024 * 1024;
const CLOSE_GRACE_MS = 2000;
/**
 * Records are handed to the writer thread at most this often (at once when a call
 * waits for its record): one message and one transaction for many calls, where one
 * per call cost more than the calls themselves on a busy 2-core machine.
 */
const HAND_OVER_EVERY_MS = 10;
const BEHIND = "the audit writer is too far behind";
/** The writer thread's module, compiled beside this one. */
const WORKER_URL = new URL("./audit-worker.js", import.meta.url);

/** Run from source (the tests, through tsx), the thread loads tsx itself: a worker does not inherit --import hooks. */
function startWorker(workerData: WorkerSetup, options: WorkerOptions): Worker {
  if (!import.meta.url.endsWith(".ts")) return new Worker(WORKER_URL, { ...options, workerData });
  const source = new URL("./audit-worker.ts", import.meta.url).href;
  const code = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(code, { ...options, workerData, eval: true });
}

export class AuditTrail {
  readonly #o: AuditTrailOptions;
  readonly #clock: () => number;
  readonly #context: DraftContext;
  #worker: Worker | undefined;
  #pending: RecordDraft[] = [];
  #timer: NodeJS.Timeout | undefined;
  #urgent = false;
  #batch = 0;
  readonly #batchSizes = new Map<number, { records: number; bytes: number }>();
  #outstanding = 0;
  #outstandingBytes = 0;
  #pendingBytes = 0;
  #dropped = 0;
  /** Batches whose callers wait to hear that they were committed (--audit-required). */
  readonly #waiters = new Map<number, ((problem: string | undefined) => void)[]>();
  /** Decisions already written by recordFirst, which the listener must not write again. */
  readonly #recorded = new WeakSet<DecisionEvent>();
  #faulty = false;
  #stopped: string | undefined;
  #closed: Promise<void> | undefined;
  #onClosed: (() => void) | undefined;

  constructor(options: AuditTrailOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    this.#context = {
      session: options.session,
      grant: options.grant,
      server: null,
      command: options.command,
      argumentsMode: options.argumentsMode,
    };
  }

  /**
   * Records the session's start, and starts the writer thread once `launchAfter`
   * resolves (at once without it): the wrapper starts it when its upstream has
   * started up. Records made meanwhile wait, in order, for the thread.
   */
  start(session: { policy: string; mode: string; details: Record<string, unknown> }, launchAfter?: Promise<unknown>): void {
    const { session: id, grant, command } = this.#o;
    const { policy, mode, details } = session;
    if (!launchAfter) this.#launch();
    this.#enqueue({ at: this.#clock(), kind: "session", session: id, grant, server: null, command, policy, mode, details, weight: 0 });
    if (launchAfter) void launchAfter.then(() => this.#launch());
  }

  #launch(): void {
    if (this.#worker || this.#stopped !== undefined) return;
    const { file, createDirectory, argumentsMode, retentionDays, session: id, grant, command } = this.#o;
    const setup: WorkerSetup = { file, createDirectory, argumentsMode, retentionDays, session: id, grant, command };
    // A young generation of 2 MB had the thread collect garbage every few batches (a fifth of its time under
    // load); 8 MB is used only while calls come in quickly, and an idle wrapper's memory is the same.
    const worker = startWorker(setup, { resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 64 } });
    worker.unref();
    worker.on("message", (message: FromWorker) => this.#onMessage(message));
    worker.on("error", (error) => this.#stop(`the audit writer failed: ${error.message}`));
    worker.on("exit", () => this.#stop("the audit writer stopped"));
    this.#worker = worker;
    // What waited for the thread goes now, unless a hand-over is already due.
    if (this.#timer === undefined && !this.#urgent) this.#flush();
  }

  readonly listener: EventListener = (event) => {
    if (event.type === "server_info") {
      this.#context.server = event.name ?? null;
      return;
    }
    if (event.type === "decision" && this.#recorded.has(event)) return;
    const draft = draftFromEvent(event, this.#context);
    if (draft) this.#enqueue(draft);
  };

  /** Writes the decision and resolves once it is committed (undefined) or could not be (the problem). */
  readonly recordFirst = (decision: DecisionEvent): Promise<string | undefined> => {
    if (this.#stopped !== undefined) return Promise.resolve(this.#stopped);
    const draft = draftFromEvent(decision, this.#context) as RecordDraft;
    this.#recorded.add(decision);
    const batch = this.#batch + 1;
    if (!this.#enqueue(draft, true)) return Promise.resolve(BEHIND);
    return new Promise((resolve) => {
      const list = this.#waiters.get(batch) ?? [];
      list.push(resolve);
      this.#waiters.set(batch, list);
    });
  };

  /** Queues a draft for the next hand-over (at once when someone waits for it); false when it was dropped. */
  #enqueue(draft: RecordDraft, urgent = false): boolean {
    const bytes = this.#outstandingBytes + this.#pendingBytes;
    const full =
      this.#outstanding + this.#pending.length >= MAX_OUTSTANDING_RECORDS || (bytes > 0 && bytes + draft.weight > MAX_OUTSTANDING_BYTES);
    if (this.#stopped !== undefined || full) {
      this.#dropped++;
      return false;
    }
    this.#pending.push(draft);
    this.#pendingBytes += draft.weight;
    if (urgent && !this.#urgent) {
      this.#urgent = true;
      setImmediate(this.#flush);
    } else if (!this.#urgent && this.#timer === undefined) {
      this.#timer = setTimeout(this.#flush, HAND_OVER_EVERY_MS);
      this.#timer.unref();
    }
    return true;
  }

  readonly #flush = (): void => {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#urgent = false;
    if (this.#pending.length === 0 || !this.#worker) return;
    const drafts = this.#pending;
    const bytes = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    const batch = ++this.#batch;
    this.#batchSizes.set(batch, { records: drafts.length, bytes });
    this.#outstanding += drafts.length;
    this.#outstandingBytes += bytes;
    const message: ToWorker = { type: "append", batch, drafts, dropped: this.#dropped };
    this.#dropped = 0;
    try {
      this.#worker.postMessage(message);
    } catch (error) {
      // Arguments that cannot be cloned cannot happen for parsed JSON; if they do, the batch is lost, not the relay.
      this.#settle(batch, `the audit writer could not take the records: ${String(error)}`);
    }
  };

  #onMessage(message: FromWorker): void {
    switch (message.type) {
      case "written":
        this.#settle(message.batch, undefined);
        return;
      case "failed":
        this.#settle(message.batch, message.message);
        if (!this.#faulty) {
          this.#faulty = true;
          this.#o.emit({
            type: "audit_fault",
            at: this.#clock(),
            file: this.#o.file,
            message: message.message,
            required: this.#o.required,
          });
        }
        return;
      case "recovered":
        this.#faulty = false;
        this.#o.emit({ type: "audit_recovered", at: this.#clock(), file: this.#o.file, lost: message.lost });
        return;
      case "pruned":
        return;
      case "closed":
        this.#onClosed?.();
        return;
    }
  }

  #settle(batch: number, problem: string | undefined): void {
    const size = this.#batchSizes.get(batch);
    this.#outstanding -= size?.records ?? 0;
    this.#outstandingBytes -= size?.bytes ?? 0;
    this.#batchSizes.delete(batch);
    const waiters = this.#waiters.get(batch);
    this.#waiters.delete(batch);
    for (const resolve of waiters ?? []) resolve(problem);
  }

  #stop(why: string): void {
    if (this.#stopped !== undefined) return;
    this.#stopped = why;
    this.#onClosed?.();
    if (this.#closed) return;
    if (!this.#faulty)
      this.#o.emit({ type: "audit_fault", at: this.#clock(), file: this.#o.file, message: why, required: this.#o.required });
    this.#faulty = true;
    for (const batch of [...this.#waiters.keys()]) this.#settle(batch, why);
  }

  /** Writes what is pending and stops the writer thread. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      // A session that ends before its writer thread was started still writes what it recorded.
      if (this.#pending.length > 0) this.#launch();
      const worker = this.#worker;
      if (!worker || this.#stopped !== undefined) return resolve();
      this.#flush();
      const timer = setTimeout(() => void worker.terminate().then(() => resolve()), CLOSE_GRACE_MS);
      this.#onClosed = () => {
        clearTimeout(timer);
        void worker.terminate().then(() => resolve());
      };
      worker.postMessage({ type: "close" } satisfies ToWorker);
    });
    return this.#closed;
  }
}
