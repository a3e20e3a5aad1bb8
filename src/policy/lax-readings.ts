import { foldKey } from "../json/fold-key.js";
import { attachNumberLiterals, isUnfaithfulNumber, numberLiteralOf } from "../json/number-literals.js";
import { scanJson } from "../json/scan-json.js";

// How a lax upstream may read an argument, for conditions that must hold
// against every such reading. FastMCP validates arguments with pydantic in lax
// mode ("1000000", " 1_000 ", "inf" and true become numbers; "yes", "on", 1
// become booleans) and json.loads string arguments that hold objects or arrays;
// Go's encoding/json binds "Amount" to the field amount; Python reads
// 100000000000000000001 exactly where JavaScript rounds it. Each function here
// answers one question for one value: which numbers, booleans, strings or
// parsed values could the upstream see, or OPAQUE when that cannot be known
// within the bounds below (the condition is then undecided, which fails closed).

export const MISSING: unique symbol = Symbol("missing");
export const OPAQUE: unique symbol = Symbol("opaque");

/** A number whose literal a double does not hold faithfully: comparing it with a threshold it rounds onto is undecided. */
export class Inexact {
  constructor(readonly value: number) {}
}

/** Strings longer than this are not parsed as JSON to see what they hold. */
export const MAX_JSON_READING = 1024 * 1024;
/** A numeric spelling longer than this is not read (a 1 MB run of digits reads as infinity in Python). */
const MAX_NUMBER_TEXT = 1000;
/** JSON held in a string held in JSON ...: deeper than this is not unwrapped. */
const MAX_JSON_NESTING = 4;

const TRUE_WORDS = new Set(["1", "on", "t", "true", "y", "yes"]);
const FALSE_WORDS = new Set(["0", "off", "f", "false", "n", "no"]);
const SPACE = /[\s\u001c-\u001f\u0085]/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/;
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/;
const PREFIXED = /^([+-]?)0(x[0-9a-f]+|o[0-7]+|b[01]+)$/;
const HEX_FLOAT = /^([+-]?)0x([0-9a-f]*)\.?([0-9a-f]*)p([+-]?\d+)$/;
const UNDERSCORE = /(?<=[0-9a-f])_(?=[0-9a-f])/g;
const NON_ASCII_DIGIT = /[^\x00-\x7f]/;
const DIGIT = /\p{Nd}/u;

export type NumberReading = number | Inexact | typeof OPAQUE;

/**
 * The text without the whitespace JavaScript's trim() or Python's strip() would
 * remove (Python's also takes FS, GS, RS, US and NEL). A loop, not a regex: an
 * end-anchored /\s+$/ is quadratic on "x" + a million spaces + "x".
 */
export function trimLax(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && SPACE.test(text.charAt(start))) start++;
  while (end > start && SPACE.test(text.charAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** An ASCII digit for each Unicode decimal digit (Python's int() and float() read "１２" and "١٢" as 12). */
function asciiDigits(text: string): string {
  if (!NON_ASCII_DIGIT.test(text)) return text;
  let out = "";
  for (const char of text) {
    const cp = char.codePointAt(0) as number;
    if (cp < 0x80 || !DIGIT.test(char)) {
      out += char;
      continue;
    }
    // Decimal digits come in runs of whole blocks of ten, zero first.
    let start = cp;
    while (DIGIT.test(String.fromCodePoint(start - 1))) start--;
    out += String((cp - start) % 10);
  }
  return out;
}

/** The number a lax parser could read from the text, OPAQUE for digits it cannot be sure of, undefined for none. */
export function numberFromText(text: string): NumberReading | undefined {
  const trimmed = trimLax(text);
  // Whitespace does not count towards the bound: Python reads " " * 2000 + "5000" as 5000.
  if (trimmed.length > MAX_NUMBER_TEXT) return DIGIT.test(trimmed) ? OPAQUE : undefined;
  const spelled = asciiDigits(trimmed).toLowerCase().replace(UNDERSCORE, "");
  // JavaScript's Number("") and Number("  ") are 0.
  if (spelled === "") return 0;
  if (DECIMAL.test(spelled)) {
    const value = Number(spelled);
    return isUnfaithfulNumber(spelled.replace(/^\+/, "")) ? new Inexact(value) : value;
  }
  const special = SPECIAL.exec(spelled);
  if (special) return special[2] === "nan" ? NaN : special[1] === "-" ? -Infinity : Infinity;
  const prefixed = PREFIXED.exec(spelled);
  if (prefixed) {
    const value = Number(BigInt(`0${prefixed[2] as string}`));
    return prefixed[1] === "-" ? -value : value;
  }
  const hex = HEX_FLOAT.exec(spelled);
  if (hex && (hex[2] || hex[3])) {
    const mantissa = Number.parseInt(`${hex[2] || "0"}${hex[3] ?? ""}`, 16) / 16 ** (hex[3] ?? "").length;
    const value = mantissa * 2 ** Number(hex[4]);
    return hex[1] === "-" ? -value : value;
  }
  // Digits in a shape not read above ("1,000", "1000abc", "12e"): some parser may read a number.
  return DIGIT.test(text) || /^[+-]?(inf|nan)/i.test(spelled) ? OPAQUE : undefined;
}

/** The boolean a lax binder could read, OPAQUE, or undefined for none. */
export function booleanFrom(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value === 1 ? true : value === 0 ? false : undefined;
  if (value instanceof Inexact) return undefined;
  if (typeof value !== "string") return undefined;
  const word = trimLax(value);
  if (word.length > 5) return undefined;
  const lower = word.toLowerCase();
  return TRUE_WORDS.has(lower) ? true : FALSE_WORDS.has(lower) ? false : undefined;
}

const jsonCache = new Map<string, unknown>();

/** What the upstream would json.loads from a string argument (objects, arrays, literals), OPAQUE, or MISSING for none. */
export function jsonFromText(text: string, nesting: number): unknown {
  const first = trimLax(text).charAt(0);
  if (first !== "{" && first !== "[" && first !== '"' && first !== "t" && first !== "f" && first !== "n" && first !== "N") return MISSING;
  if (text.length > MAX_JSON_READING || nesting >= MAX_JSON_NESTING) return OPAQUE;
  const cached = jsonCache.get(text);
  if (cached !== undefined || jsonCache.has(text)) return cached;
  const scan = scanJson(text, { maxDepth: 1000, strict: true });
  let reading: unknown;
  if (scan.ok) {
    reading = JSON.parse(text);
    if (scan.numberLiterals.length > 0) attachNumberLiterals(reading, scan.numberLiterals);
  } else {
    // Python's json also reads NaN and Infinity; other refusals (repeated keys, depth) mean the reading is unknowable.
    reading = scan.problem === "syntax" && !/NaN|Infinity/.test(text) ? MISSING : OPAQUE;
  }
  if (jsonCache.size >= 16) jsonCache.delete(jsonCache.keys().next().value as string);
  jsonCache.set(text, reading);
  return reading;
}

const foldedKeys = new WeakMap<object, Map<string, string>>();

/** The key of `object` that folds to `key` without being it (a case-insensitive binder reads it as `key`). */
function foldVariant(object: Record<string, unknown>, key: string): string | undefined {
  let byFold = foldedKeys.get(object);
  if (!byFold) {
    byFold = new Map();
    for (const own of Object.keys(object)) byFold.set(foldKey(own), own);
    foldedKeys.set(object, byFold);
  }
  const variant = byFold.get(foldKey(key));
  return variant === key ? undefined : variant;
}

/** A JSON object (not an array, not an Inexact number). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Inexact);
}

/** A number kept with the knowledge of whether its literal was faithful. */
function member(object: Record<string, unknown>, key: string): unknown {
  const value = object[key];
  return typeof value === "number" && numberLiteralOf(object, key) !== undefined ? new Inexact(value) : value;
}

/**
 * Every value a lax upstream may find at `path` below `args`: the member
 * itself, a member whose key folds to the same key (with MISSING, for the
 * upstreams that do not fold), members of objects held as JSON in strings, and
 * MISSING where the path does not lead. OPAQUE where that cannot be known.
 */
export function readingsAt(args: unknown, path: readonly string[]): unknown[] {
  let current: unknown[] = [args];
  for (const key of path) {
    const next = new Set<unknown>();
    for (const value of current) {
      if (value === OPAQUE) {
        next.add(OPAQUE);
        continue;
      }
      const holders = typeof value === "string" ? [jsonFromText(value, 0)] : [value];
      if (typeof value === "string") next.add(MISSING);
      for (const holder of holders) {
        if (holder === OPAQUE) next.add(OPAQUE);
        else if (!isRecord(holder)) next.add(MISSING);
        else if (Object.hasOwn(holder, key)) next.add(member(holder, key));
        else {
          const variant = foldVariant(holder, key);
          next.add(MISSING);
          if (variant !== undefined) next.add(member(holder, variant));
        }
      }
    }
    current = [...next];
  }
  return current;
}
