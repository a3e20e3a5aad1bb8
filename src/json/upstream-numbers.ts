import { attachNumberLiterals } from "./number-literals.js";
import { scanJson } from "./scan-json.js";

// Numbers in an upstream's answer, read exactly where it matters (tool
// definitions, for pins): JSON.parse rounds 9007199254740993 onto
// 9007199254740992, so a change between the two would go unseen. Scanning
// every answer would cost more than parsing it; a number can only be
// unfaithful if it has 16 or more digits or a three-digit exponent, so a
// cheap test of the text decides whether the scan runs at all.

/** 16 digits (one decimal point may sit among them) or an exponent of three digits or more. */
const MAYBE_UNFAITHFUL = /\d(?:\.?\d){15}|[eE][+-]?\d{3}/;
const MAX_DEPTH = 10_000;

const inexact = new WeakSet<object>();
const carriers = new WeakSet<object>();

/** Down to the items of a result's lists: `{result: {tools: [tool]}}`. */
const MARKED_LEVELS = 3;

/**
 * Attaches the exact literals of unfaithful numbers in `text` to `value` (its
 * JSON.parse). When the text has such numbers but cannot be scanned (duplicate
 * keys, deep nesting), `value` and the objects in its top levels are marked
 * inexact instead: their numbers cannot be trusted to the last digit.
 */
export function recordExactNumbers(value: unknown, text: string): void {
  if (typeof value !== "object" || value === null || !MAYBE_UNFAITHFUL.test(text)) return;
  const scan = scanJson(text, { maxDepth: MAX_DEPTH, numbers: true });
  if (!scan.ok) markInexact(value, MARKED_LEVELS);
  else if (scan.numberLiterals.length > 0) {
    attachNumberLiterals(value, scan.numberLiterals);
    for (const { path } of scan.numberLiterals) markCarriers(value, path);
  }
}

/** Every object on the way to an exact literal: its JSON.stringify no longer tells its numbers apart. */
function markCarriers(root: object, path: readonly (string | number)[]): void {
  let at: unknown = root;
  for (const step of path) {
    if (typeof at !== "object" || at === null) return;
    carriers.add(at);
    at = (at as Record<string | number, unknown>)[step];
  }
}

/** Whether the value holds (at any depth) a number whose exact literal was recorded: its JSON.stringify rounds it. */
export function carriesExactNumbers(value: object): boolean {
  return carriers.has(value);
}

function markInexact(value: object, levels: number): void {
  inexact.add(value);
  if (levels === 0) return;
  for (const child of Object.values(value)) if (typeof child === "object" && child !== null) markInexact(child as object, levels - 1);
}

/** Whether recordExactNumbers could not read this value's numbers exactly. */
export function hasInexactNumbers(value: object): boolean {
  return inexact.has(value);
}
