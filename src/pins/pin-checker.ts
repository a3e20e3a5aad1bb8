import type { WrapperEvent } from "../events/events.js";
import type { PinMode } from "../policy/types.js";
import { comparePins, type Hold, type ListedDefinitions, type PinnedState } from "./compare-pins.js";
import { DefinitionCache, readListed } from "./read-listed.js";
import { HeldTools } from "./held-tools.js";
import { PinAnnouncer } from "./pin-announcer.js";
import {
  heldReason,
  unavailableReason,
  unsettledReason,
  unsettledVerdictReason,
  unverifiedVerdict,
  type PinVerdict,
} from "./pin-reasons.js";
import type { HistoryRow } from "./pin-rows.js";
import type { PinStore } from "./pin-store.js";
import { identifyServer, type ServerIdentity } from "./server-key.js";

// The wrapper's view of its upstream's tool definitions against their pins.
// It learns definitions only from the tool lists the wrapper fetches, so it
// knows when it does not know: before the first list, and after the upstream
// announced tools/list_changed until the next list. The gate lists before it
// lets a call through in either case (see proxy/pin-freshness). Hashing
// happens here, on lists only; a call costs a map lookup.
//
// While a tool is held back in enforce mode, the records are polled (one small
// read) so that an approval made by `policy-wrap pins approve` in another
// process releases it within a poll interval, and the client is told to list
// again.

export const PIN_POLL_MS = 500;

export interface PinCheckerOptions {
  /** The upstream's command line, part of the server's key. */
  command: string[];
  /** --server-id. */
  serverId?: string;
  /** The records (opened on first use); throws a StoreFault when they cannot be opened. Called again after a failure. */
  openStore: () => PinStore;
  emit: (event: WrapperEvent) => void;
  clock?: () => number;
  pollMs?: number;
  /** Tools held back before may pass now: the client should list again. */
  onReleased: () => void;
  /** Options `policy-wrap pins` needs to reach the same records (`--state <file>`). */
  recordsFlags?: string[];
}

export class PinChecker {
  readonly #o: PinCheckerOptions;
  readonly #clock: () => number;
  #store: PinStore | undefined;
  #serverName: string | undefined;
  #identity: ServerIdentity | undefined;
  /** The records as last read, and their generation. */
  #state: (PinnedState & { generation: number }) | undefined;
  /** The last list's definitions, and what is held back of it. */
  #listed: ListedDefinitions | undefined;
  #held = new HeldTools();
  #mode: PinMode = "enforce";
  /** Grows with every tools/list_changed from the upstream; a list is fresh only if none came while it was fetched. */
  #epoch = 0;
  #stale = true;
  /** Why the last attempt to get a fresh list failed, if it did. */
  #unsettled: string | undefined;
  #fault: string | undefined;
  /** What this process announced about each tool, so that each change is one event, not one per list. */
  readonly #say: PinAnnouncer;
  readonly #cache = new DefinitionCache();
  #lastHistoryId = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: PinCheckerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    this.#say = new PinAnnouncer(options.emit, this.#clock, () => this.#identity?.key ?? "", options.recordsFlags ?? []);
  }

  /** The upstream's serverInfo.name, from its initialize answer. */
  setServerName(name: string | undefined): void {
    this.#serverName = name;
  }

  /** The server's key, once its first list was checked. */
  get server(): string | undefined {
    return this.#identity?.key;
  }

  get epoch(): number {
    return this.#epoch;
  }

  /** Whether a call must wait for a list: none yet, or the upstream said its tools changed since the last. */
  get needsList(): boolean {
    return this.#stale;
  }

  /** notifications/tools/list_changed from the upstream. */
  markStale(): void {
    this.#epoch++;
    this.#stale = true;
  }

  /** A list the wrapper fetched to check a call could not be had. */
  listFailed(reason: string): void {
    this.#unsettled = reason;
  }

  /**
   * Checks a tool list the wrapper fetched (starting at `epoch`) against the
   * pins, records what it teaches, and returns the names to leave out of it
   * (none in warn mode).
   */
  observe(tools: readonly Record<string, unknown>[], mode: PinMode, epoch: number, complete = true): ReadonlySet<string> {
    this.#mode = mode;
    this.#identity ??= identifyServer(this.#o.command, this.#serverName, this.#o.serverId);
    const listed = readListed(tools, this.#cache);
    // A page from a cursor the client gave says nothing of the tools it does not hold: it adds to what is known.
    if (complete) {
      this.#listed = listed;
      if (this.#epoch === epoch) {
        this.#stale = false;
        this.#unsettled = undefined;
      } else this.#unsettled = unsettledReason();
    }
    try {
      this.#compare(listed, complete);
      this.#recovered();
    } catch (error) {
      this.#failed(error);
    }
    this.#schedulePoll();
    if (mode !== "enforce") return new Set();
    if (this.#fault !== undefined) return new Set([...listed.definitions.keys(), ...listed.broken.keys()]);
    return new Set(this.#held.holds.keys());
  }

  /** Whether a call to `name` may go on, as of the last list (the caller lists first when needsList). */
  verdict(name: string, mode: PinMode): PinVerdict {
    if (mode !== "enforce") return { ok: true };
    const server = this.#identity?.key ?? "";
    const flags = this.#o.recordsFlags ?? [];
    if (this.#fault !== undefined) return unverifiedVerdict(unavailableReason(name, this.#fault));
    if (this.#stale) return unverifiedVerdict(unsettledVerdictReason(name, this.#unsettled));
    const reached = this.#held.reached(name, this.#listed?.definitions.has(name) === true);
    return reached ? heldReason(name, reached.tool, reached.hold, server, flags) : { ok: true };
  }

  /** Stops polling (the records file is its owner's to close). */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#store = undefined;
  }

  #open(): PinStore {
    if (!this.#store) {
      this.#store = this.#o.openStore();
      this.#lastHistoryId = this.#store.lastHistoryId();
    }
    return this.#store;
  }

  #compare(listed: ListedDefinitions, complete: boolean): void {
    const store = this.#open();
    const identity = this.#identity as ServerIdentity;
    // The usual case: nothing new and nothing changed, compared with the records as last read (read again,
    // without a write lock, when another process wrote meanwhile). Only a list that teaches something writes.
    const generation = store.generation(identity.key);
    if (generation !== undefined && generation !== this.#state?.generation) {
      this.#relayHistory(store.history(identity.key, this.#lastHistoryId));
      this.#state = { ...store.state(identity.key), generation };
    }
    const cached = this.#state;
    if (cached?.known && cached.generation === generation) {
      const comparison = comparePins(listed, cached);
      if (comparison.pin.length === 0 && comparison.record.length === 0) {
        this.#setHolds(comparison.holds, complete ? undefined : listed);
        return;
      }
    }
    const observed = store.observe(identity, listed, this.#clock(), this.#lastHistoryId);
    this.#relayHistory(observed.history);
    this.#lastHistoryId = observed.lastHistoryId;
    this.#state = { ...observed.state, generation: observed.generation };
    this.#say.observed(observed);
    this.#setHolds(observed.holds, complete ? undefined : listed);
  }

  /** The holds of a whole list; or of one page, which replace only the holds of the names it lists. */
  #setHolds(holds: Map<string, Hold>, page?: ListedDefinitions): void {
    if (page) {
      const merged = new Map(this.#held.holds);
      for (const name of [...page.definitions.keys(), ...page.broken.keys()]) merged.delete(name);
      for (const [name, hold] of holds) merged.set(name, hold);
      this.#held = new HeldTools(merged);
    } else this.#held = new HeldTools(holds);
    this.#say.holds(holds, this.#mode === "enforce");
  }

  /** Approvals and resets made by `policy-wrap pins`, into this wrapper's events (and so its audit trail). */
  #relayHistory(rows: readonly HistoryRow[]): void {
    for (const row of rows) this.#lastHistoryId = Math.max(this.#lastHistoryId, row.id);
    this.#say.history(rows);
  }

  #schedulePoll(): void {
    const wanted = this.#mode === "enforce" && (this.#held.size > 0 || this.#fault !== undefined);
    if (wanted && !this.#timer) {
      this.#timer = setInterval(() => this.#poll(), this.#o.pollMs ?? PIN_POLL_MS);
      this.#timer.unref();
    } else if (!wanted && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Another process approved or reset something: compare the last list again, and say if held tools may pass. */
  #poll(): void {
    const identity = this.#identity;
    const listed = this.#listed;
    if (!identity || !listed) return;
    let released: boolean;
    try {
      const store = this.#open();
      const generation = store.generation(identity.key);
      const wasFaulty = this.#fault !== undefined;
      this.#recovered();
      if (!wasFaulty && generation === this.#state?.generation) return;
      this.#relayHistory(store.history(identity.key, this.#lastHistoryId));
      const state = store.state(identity.key);
      this.#state = { ...state, generation: state.generation ?? -1 };
      const before = new Set(this.#held.holds.keys());
      const holds = comparePins(listed, state).holds;
      this.#setHolds(holds);
      // A reset server's pins are made again from the next list; until then calls wait for one.
      if (!state.known) this.markStale();
      released = wasFaulty || !state.known || [...before].some((name) => !holds.has(name));
    } catch (error) {
      this.#failed(error);
      return;
    }
    this.#schedulePoll();
    if (released) this.#o.onReleased();
  }

  #failed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.#store = undefined;
    this.#state = undefined;
    if (this.#fault === message) return;
    this.#fault = message;
    this.#say.unavailable(message);
  }

  #recovered(): void {
    if (this.#fault === undefined) return;
    this.#fault = undefined;
    this.#say.recovered();
  }
}
