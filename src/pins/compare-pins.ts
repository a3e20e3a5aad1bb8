import { foldKey } from "../json/fold-key.js";
import type { ToolDefinition } from "./tool-definition.js";

// A listed tool against its pin, without I/O. A tool passes when its one
// definition in the list hashes to its pin, or when it is new (pinned on
// sight). Everything else is held in enforce mode:
// - definition: it differs from the approved one;
// - case: a new name that differs from a pinned one only by case (a server
//   that case-folds runs the pinned tool under it, and the model reads a
//   definition nobody approved);
// - duplicate: the list holds the name twice with different definitions (the
//   client may keep either);
// - unreadable: the definition cannot be read exactly (too deep, a number out of range).
// The first list of a server never seen pins everything it shows.

export type HoldWhy = "definition" | "case" | "duplicate" | "unreadable";

export interface Hold {
  why: HoldWhy;
  /** The approved hash (definition), or the pinned tool's (case). */
  pinned?: string;
  /** The hash of the definition listed now. */
  seen?: string;
  /** case: the pinned name this one differs from only by case. */
  like?: string;
  /** unreadable: why. */
  problem?: string;
}

export interface ListedDefinitions {
  /** Names with one readable definition. */
  definitions: Map<string, ToolDefinition>;
  /** Names listed twice with different definitions, or not readable. */
  broken: Map<string, Hold>;
}

/** What the records hold for one server. */
export interface PinnedState {
  /** Whether the server has been seen (its first list pins everything). */
  known: boolean;
  pins: Map<string, string>;
  /** The hash of each recorded change. */
  changes: Map<string, string>;
}

export type PinHow = "first" | "new" | "approved" | "inherited";

export interface Comparison {
  /** Every name held back, and why. */
  holds: Map<string, Hold>;
  /** Definitions to pin now. */
  pin: { definition: ToolDefinition; how: "first" | "new" }[];
  /** Changes to record (those not already recorded with the same hash). */
  record: { definition: ToolDefinition; why: "definition" | "case"; like?: string }[];
}

export function comparePins(listed: ListedDefinitions, state: PinnedState): Comparison {
  const holds = new Map<string, Hold>(listed.broken);
  const pin: Comparison["pin"] = [];
  const record: Comparison["record"] = [];
  let folds: Map<string, string> | undefined;
  for (const [name, definition] of listed.definitions) {
    const pinned = state.pins.get(name);
    if (pinned === definition.hash) continue;
    if (pinned !== undefined) {
      holds.set(name, { why: "definition", pinned, seen: definition.hash });
      if (state.changes.get(name) !== definition.hash) record.push({ definition, why: "definition" });
      continue;
    }
    if (!state.known) {
      pin.push({ definition, how: "first" });
      continue;
    }
    folds ??= foldedNames(state.pins);
    const like = folds.get(foldKey(name));
    if (like !== undefined) {
      holds.set(name, { why: "case", like, pinned: state.pins.get(like), seen: definition.hash });
      if (state.changes.get(name) !== definition.hash) record.push({ definition, why: "case", like });
    } else pin.push({ definition, how: "new" });
  }
  return { holds, pin, record };
}

function foldedNames(pins: Map<string, string>): Map<string, string> {
  const folds = new Map<string, string>();
  for (const name of pins.keys()) folds.set(foldKey(name), name);
  return folds;
}
