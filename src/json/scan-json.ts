import { foldKey } from "./fold-key.js";
import { isUnfaithfulNumber, type NumberLiteral } from "./number-literals.js";

// A strict, iterative JSON scanner. JSON.parse silently keeps the last of
// duplicate keys and says nothing about where a value sits; a policy tool
// needs both facts, because another parser downstream may keep the first key,
// and a policy author needs line and column for every problem.
//
// In strict mode (messages from the client) the same single pass also builds
// the canonical text the wrapper forwards, so that what the upstream reads is
// what was checked: insignificant whitespace (CR included) is dropped, strings
// and numbers are copied as written, except that the characters some readers
// take for a line end (U+0085, U+2028, U+2029) are written as \u escapes. It
// refuses what some parser downstream would read differently: keys equal under
// case folding, lone surrogates (Go reads each as U+FFFD), NUL in keys (C
// strings end there). It accepts nothing JSON.parse rejects.

export interface ScanOptions {
  /** Deeper documents are refused before JSON.parse, JSON.stringify or ajv can throw on them. */
  maxDepth: number;
  /** When given, filled with the start offset of every value, by JSON Pointer. */
  positions?: Map<string, number>;
  /** Messages from the client: canonical text, case-folded key uniqueness, no lone surrogates, unfaithful numbers noted. */
  strict?: boolean;
  /** Note unfaithful numbers without the rest of strict mode (the upstream's tool definitions, for pins). */
  numbers?: boolean;
}

export type ScanProblem = "syntax" | "duplicate-key" | "too-deep" | "unsafe";

export type ScanResult =
  | {
      ok: true;
      topLevel: "object" | "array" | "scalar";
      /** Raw source text of each top-level member of an object, by key. */
      members: Map<string, string>;
      /** Strict mode: the text to forward, or undefined when the input is already canonical. */
      canonical: string | undefined;
      /** Strict mode (or `numbers`): numbers a double does not hold faithfully (see number-literals). */
      numberLiterals: readonly NumberLiteral[];
    }
  | { ok: false; problem: ScanProblem; message: string; offset: number; pointer?: string; key?: string };

interface Frame {
  isObject: boolean;
  pointer: string;
  /** Keys seen so far (folded in strict mode), each with the key as written. */
  keys: Map<string, string> | undefined;
  index: number;
  key: string;
}

const NONE: readonly NumberLiteral[] = Object.freeze([]);
/** The characters after a backslash that stand for themselves or a control character. */
const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

export function escapePointerToken(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}

class ScanError extends Error {
  constructor(
    readonly problem: ScanProblem,
    message: string,
    readonly offset: number,
    readonly pointer?: string,
    readonly key?: string,
  ) {
    super(message);
  }
}

export function scanJson(text: string, options: ScanOptions): ScanResult {
  try {
    return scan(text, options);
  } catch (error) {
    if (error instanceof ScanError) {
      return { ok: false, problem: error.problem, message: error.message, offset: error.offset, pointer: error.pointer, key: error.key };
    }
    throw error;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/** The code unit of the four hex digits at `at`, or -1. */
function hex4(text: string, at: number): number {
  let unit = 0;
  for (let k = at; k < at + 4; k++) {
    const digit = hexValue(text.charCodeAt(k));
    if (digit < 0) return -1;
    unit = unit * 16 + digit;
  }
  return unit;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHigh = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

function scan(text: string, options: ScanOptions): ScanResult {
  const n = text.length;
  const { positions, strict = false } = options;
  const numbers = strict || options.numbers === true;
  const stack: Frame[] = [];
  const members = new Map<string, string>();
  let numberLiterals: NumberLiteral[] | undefined;
  let i = 0;
  let topLevel: "object" | "array" | "scalar" = "scalar";
  let memberStart = -1;
  // The canonical text: everything before `copied` is settled in `out` (joined once at the end: a
  // message with millions of cuts would otherwise build a deep chain of string concatenations).
  const out: string[] = [];
  let copied = 0;
  let changed = false;

  /** Replaces text[from, to) by `by` in the canonical text. */
  const cut = (from: number, to: number, by = ""): void => {
    if (from > copied) out.push(text.slice(copied, from));
    if (by) out.push(by);
    copied = to;
    changed = true;
  };
  const skipSpace = (): void => {
    const start = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      i++;
    }
    if (strict && i > start) cut(start, i);
  };
  const fail = (message: string): never => {
    throw new ScanError("syntax", message, Math.min(i, n));
  };
  const refuse = (message: string, at: number): never => {
    throw new ScanError("unsafe", message, at);
  };
  /** Reads the string at i; returns its value for keys only. */
  const readString = (isKey: boolean): string | undefined => {
    const start = i;
    i++;
    let escaped = false;
    for (;;) {
      if (i >= n) return fail("unterminated string");
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        const e = text.charCodeAt(i + 1);
        if (e !== 0x75) {
          if (!SIMPLE_ESCAPES.has(e)) return fail(i + 1 >= n ? "unterminated string" : "invalid escape in string");
          i += 2;
          continue;
        }
        const unit = hex4(text, i + 2);
        if (unit < 0) return fail("invalid \\u escape in string");
        if (strict && isLow(unit)) return refuse("lone surrogate escape in string", i);
        if (strict && isHigh(unit)) {
          const next = text.charCodeAt(i + 6) === 0x5c && text.charCodeAt(i + 7) === 0x75 ? hex4(text, i + 8) : -1;
          if (!isLow(next)) return refuse("lone surrogate escape in string", i);
          i += 6;
        }
        i += 6;
        continue;
      }
      if (c < 0x20) return fail("control character in string");
      if (strict && c >= 0x85) {
        if (c === 0x85 || c === 0x2028 || c === 0x2029) cut(i, i + 1, c === 0x85 ? "\\u0085" : c === 0x2028 ? "\\u2028" : "\\u2029");
        else if (isHigh(c) && isLow(text.charCodeAt(i + 1))) i++;
        else if (isHigh(c) || isLow(c)) return refuse("lone surrogate in string", i);
      }
      i++;
    }
    i++;
    if (!isKey) return undefined;
    if (!escaped) return text.slice(start + 1, i - 1);
    const key = JSON.parse(text.slice(start, i)) as string;
    if (strict && key.includes("\u0000")) return refuse("NUL character in a key", start);
    return key;
  };
  const readNumber = (): void => {
    const start = i;
    if (text.charCodeAt(i) === 0x2d) i++;
    const first = text.charCodeAt(i);
    if (first === 0x30) i++;
    else if (first >= 0x31 && first <= 0x39) while (isDigit(text.charCodeAt(i))) i++;
    else fail(i >= n ? "unexpected end of input" : "unexpected character");
    if (text.charCodeAt(i) === 0x2e) {
      i++;
      if (!isDigit(text.charCodeAt(i))) fail("expected a digit after the decimal point");
      while (isDigit(text.charCodeAt(i))) i++;
    }
    let exponent = false;
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      exponent = true;
      i++;
      const sign = text.charCodeAt(i);
      if (sign === 0x2b || sign === 0x2d) i++;
      if (!isDigit(text.charCodeAt(i))) fail("expected a digit in the exponent");
      while (isDigit(text.charCodeAt(i))) i++;
    }
    // A client message's array items are not noted: conditions reach values by keys (an array on a
    // path means missing), and a message of a million long floats would hold a record for each.
    const holder = stack[stack.length - 1];
    if (numbers && (exponent || i - start > 15) && (options.numbers === true || holder === undefined || holder.isObject)) {
      const literal = text.slice(start, i);
      if (isUnfaithfulNumber(literal)) (numberLiterals ??= []).push({ path: pathOf(stack), literal });
    }
  };
  const childPointer = (frame: Frame | undefined): string => {
    if (!positions || !frame) return "";
    return `${frame.pointer}/${frame.isObject ? escapePointerToken(frame.key) : String(frame.index)}`;
  };
  const readKey = (frame: Frame): void => {
    skipSpace();
    if (text.charCodeAt(i) !== 0x22) fail("expected a property name in double quotes");
    const keyOffset = i;
    const key = readString(true) as string;
    const keys = frame.keys as Map<string, string>;
    const folded = strict ? foldKey(key) : key;
    const earlier = keys.get(folded);
    if (earlier !== undefined) {
      const message =
        earlier === key
          ? `duplicate key ${JSON.stringify(key)}`
          : `keys ${JSON.stringify(earlier)} and ${JSON.stringify(key)} are equal under case folding`;
      const pointer = positions ? `${frame.pointer}/${escapePointerToken(key)}` : undefined;
      throw new ScanError("duplicate-key", message, keyOffset, pointer, key);
    }
    keys.set(folded, key);
    frame.key = key;
    skipSpace();
    if (text.charCodeAt(i) !== 0x3a) fail("expected ':' after a property name");
    i++;
  };

  // Each turn of the loop reads one value, then closes as many containers as it can.
  for (;;) {
    skipSpace();
    const parent = stack[stack.length - 1];
    if (positions) positions.set(childPointer(parent), i);
    if (stack.length === 1 && parent?.isObject) memberStart = i;
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      if (stack.length >= options.maxDepth) throw new ScanError("too-deep", `nested deeper than ${options.maxDepth} levels`, i);
      const isObject = c === 0x7b;
      if (stack.length === 0) topLevel = isObject ? "object" : "array";
      const frame: Frame = { isObject, pointer: childPointer(parent), keys: isObject ? new Map() : undefined, index: 0, key: "" };
      i++;
      skipSpace();
      if (text.charCodeAt(i) === (isObject ? 0x7d : 0x5d)) {
        i++;
      } else {
        stack.push(frame);
        if (isObject) readKey(frame);
        continue;
      }
    } else if (c === 0x22) {
      readString(false);
    } else if (c === 0x74 && text.startsWith("true", i)) {
      i += 4;
    } else if (c === 0x66 && text.startsWith("false", i)) {
      i += 5;
    } else if (c === 0x6e && text.startsWith("null", i)) {
      i += 4;
    } else {
      readNumber();
    }

    // After a value: a separator, a closing bracket (perhaps several), or the end.
    for (;;) {
      const frame = stack[stack.length - 1];
      if (!frame) {
        skipSpace();
        if (i < n) fail("unexpected text after the end of the document");
        if (changed) out.push(text.slice(copied));
        const canonical = changed ? out.join("") : undefined;
        return { ok: true, topLevel, members, canonical, numberLiterals: numberLiterals ?? NONE };
      }
      if (stack.length === 1 && frame.isObject && memberStart >= 0) {
        members.set(frame.key, text.slice(memberStart, i));
        memberStart = -1;
      }
      skipSpace();
      const d = text.charCodeAt(i);
      if (d === 0x2c) {
        i++;
        if (frame.isObject) readKey(frame);
        else frame.index++;
        break;
      }
      if (d === (frame.isObject ? 0x7d : 0x5d)) {
        i++;
        stack.pop();
        continue;
      }
      fail(frame.isObject ? "expected ',' or '}'" : "expected ',' or ']'");
    }
  }
}

function pathOf(stack: readonly Frame[]): (string | number)[] {
  return stack.map((frame) => (frame.isObject ? frame.key : frame.index));
}
