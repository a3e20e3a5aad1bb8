import { foldKey } from "../json/fold-key.js";
import type { Hold } from "./compare-pins.js";

// The tools held back as of the last list, found by name or by a name that
// differs only by case: an upstream that matches names case-insensitively
// runs a held tool under any spelling of its name.

export class HeldTools {
  readonly holds: ReadonlyMap<string, Hold>;
  readonly #folds: Map<string, string>;

  constructor(holds: ReadonlyMap<string, Hold> = new Map()) {
    this.holds = holds;
    this.#folds = new Map([...holds.keys()].map((name) => [foldKey(name), name]));
  }

  get size(): number {
    return this.holds.size;
  }

  /** The held tool a call to `name` reaches, if any; `listed` says whether the list holds `name` itself. */
  reached(name: string, listed: boolean): { tool: string; hold: Hold } | undefined {
    const hold = this.holds.get(name);
    if (hold) return { tool: name, hold };
    if (listed) return undefined;
    const like = this.#folds.get(foldKey(name));
    const likeHold = like === undefined ? undefined : this.holds.get(like);
    return like !== undefined && likeHold ? { tool: like, hold: likeHold } : undefined;
  }
}
