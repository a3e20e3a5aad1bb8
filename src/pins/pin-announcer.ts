import type { PinEvent, WrapperEvent } from "../events/events.js";
import type { Hold } from "./compare-pins.js";
import { diffCommand } from "./pin-reasons.js";
import type { HistoryRow } from "./pin-rows.js";
import type { Observation } from "./pin-store.js";

// What the pin checker learns, said as events (the logger, the audit trail
// and the dashboard subscribe). Each change of a tool is said once per
// process, not once per list.

export class PinAnnouncer {
  readonly #emit: (event: WrapperEvent) => void;
  readonly #clock: () => number;
  readonly #server: () => string;
  readonly #flags: readonly string[];
  readonly #announced = new Map<string, string>();

  constructor(emit: (event: WrapperEvent) => void, clock: () => number, server: () => string, flags: readonly string[]) {
    this.#emit = emit;
    this.#clock = clock;
    this.#server = server;
    this.#flags = flags;
  }

  /** What an observation wrote: a rename (pins carried over), tools pinned on a first list, new tools. */
  observed(observed: Observation): void {
    if (observed.renamedFrom !== undefined) this.#event({ action: "renamed", like: observed.renamedFrom });
    for (const { definition, how } of observed.pin)
      this.#event({ action: how === "first" ? "pinned" : "new", tool: definition.name, hash: definition.hash });
  }

  /** The tools held back (or, in warn mode, passing although changed), each change once. */
  holds(holds: ReadonlyMap<string, Hold>, held: boolean): void {
    for (const [name, hold] of holds) {
      const said = `${hold.why}:${hold.seen ?? hold.problem ?? ""}`;
      if (this.#announced.get(name) === said) continue;
      this.#announced.set(name, said);
      const reviewable = hold.why === "definition" || hold.why === "case";
      this.#event({
        action: "changed",
        tool: name,
        hash: hold.seen,
        pinned: hold.pinned,
        why: hold.why,
        like: hold.like,
        message: hold.problem,
        held,
        review: reviewable ? diffCommand(this.#server(), name, this.#flags) : undefined,
      });
    }
  }

  /** Approvals and resets made by `policy-wrap pins` in another process, into this wrapper's events (and so its audit trail). */
  history(rows: readonly HistoryRow[]): void {
    for (const row of rows)
      if (row.action === "approved" || row.action === "reset")
        this.#event({ action: row.action, tool: row.tool ?? undefined, hash: row.hash ?? undefined });
  }

  unavailable(message: string): void {
    this.#event({ action: "unavailable", message });
  }

  recovered(): void {
    this.#event({ action: "recovered" });
  }

  #event(fields: Omit<PinEvent, "type" | "at" | "server">): void {
    this.#emit({ type: "pin", at: this.#clock(), server: this.#server(), ...fields });
  }
}
