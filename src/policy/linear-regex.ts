import { setFlagsFromString } from "node:v8";

// Regexes that agents' arguments are matched against (regex conditions and
// the `pattern` keywords of argument schemas) run on V8's linear-time engine
// (the `l` flag), which cannot backtrack catastrophically. Patterns it cannot
// run (backreferences, lookaround) are refused at load.
//
// That engine refuses bounded quantifiers above 16 ({1,20}, common in
// schemas); such a quantifier is written out instead (a{2,4} as
// (?:a)(?:a)(?:a)?(?:a)?), which matches the same strings. A pattern costs
// time in proportion to its size times the string's length, so each has a
// budget: a string longer than the pattern may check within it is not checked
// at all (the caller fails closed).
setFlagsFromString("--enable-experimental-regexp-engine");

/**
 * Pattern size (after writing out quantifiers) times string length that one
 * check may cost. Measured here at 0.002 to 11 ns per unit (the worst with
 * alternations under a quantifier), so one check stays under about 50 ms.
 */
const CHECK_BUDGET = 4 * 1024 * 1024;
/** Written-out patterns larger than this are refused at load. */
const MAX_EXPANDED = 64 * 1024;

export interface LinearRegex {
  /** The longest string this pattern checks within its budget. */
  maxSubject: number;
  test(subject: string): boolean;
}

class PatternTooLarge extends Error {}

/** Index just past the character class that opens at `start` (in JavaScript, "[]" is a whole, empty class). */
function classEnd(source: string, start: number): number {
  for (let i = start + 1; i < source.length; i++) {
    if (source[i] === "\\") i++;
    else if (source[i] === "]") return i + 1;
  }
  return source.length;
}

/** Index just past the group that opens at `start`. */
function groupEnd(source: string, start: number): number {
  let depth = 0;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (c === "[") i = classEnd(source, i) - 1;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i + 1;
  }
  return source.length;
}

/** Where the atom (character, escape or class) starting at `i` ends. */
function atomAt(source: string, i: number): number {
  const c = source[i];
  if (c === "[") return classEnd(source, i);
  if (c !== "\\") return i + ((source.codePointAt(i) as number) > 0xffff ? 2 : 1);
  const e = source[i + 1] ?? "";
  if (e === "u" && source[i + 2] === "{") return source.indexOf("}", i) + 1 || source.length;
  if (e === "u") return i + 6;
  if (e === "x") return i + 4;
  if (e === "c") return i + 3;
  if ((e === "p" || e === "P") && source[i + 2] === "{") return source.indexOf("}", i) + 1 || source.length;
  if (e === "k" && source[i + 2] === "<") return source.indexOf(">", i) + 1 || source.length;
  return i + 2;
}

const BRACES = /^\{(\d+)(?:(,)(\d*))?\}\??/;
const GROUP_HEAD = /^\((?:\?(?::|=|!|<=|<!|<[^>]*>))?/;
const NAMED = /^\(\?<[^=!]/;
// In u mode these mean what the linear engine (no u flag) cannot express: property classes, code point escapes, astral characters.
const NEEDS_UNICODE = /\\[pP]\{|\\u\{|\\u[dD][89abAB]|[\ud800-\udfff]/;

/** The pattern with every {n,m} quantifier written out and capture groups made plain (test() needs neither). */
export function writeOutQuantifiers(source: string): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === "(") {
      const end = groupEnd(source, i);
      const head = GROUP_HEAD.exec(source.slice(i, i + 64))?.[0] ?? "(";
      // Capture groups become plain: written out twice, a named one would be a duplicate name.
      const plain = head === "(" || NAMED.test(head) ? "(?:" : head;
      const inner = `${plain}${writeOutQuantifiers(source.slice(i + head.length, end - 1))})`;
      i = quantify(inner, source, end, (text, next) => ((out += text), (i = next)));
      continue;
    }
    const end = c === "|" || c === "^" || c === "$" || c === "*" || c === "+" || c === "?" ? i + 1 : atomAt(source, i);
    const atom = source.slice(i, end);
    i = quantify(atom, source, end, (text, next) => ((out += text), (i = next)));
    if (out.length > MAX_EXPANDED) throw new PatternTooLarge();
  }
  return out;
}

function quantify(atom: string, source: string, end: number, emit: (text: string, next: number) => void): number {
  const braces = BRACES.exec(source.slice(end));
  if (!braces) {
    emit(atom, end);
    return end;
  }
  const min = Number(braces[1]);
  const max = braces[2] === undefined ? min : braces[3] === "" ? Infinity : Number(braces[3]);
  const once = `(?:${atom})`;
  if (min * once.length > MAX_EXPANDED || (max !== Infinity && max * once.length > MAX_EXPANDED)) throw new PatternTooLarge();
  const text = once.repeat(min) + (max === Infinity ? `${once}*` : `${once}?`.repeat(Math.max(0, max - min)));
  emit(text, end + braces[0].length);
  return end + braces[0].length;
}

const NEEDS_BACKTRACKING = (named: string) =>
  `${named} needs backtracking (backreferences or lookaround), which policy-wrap refuses so that no argument can hang it`;

/** A backreference (\1, \k<name>) outside a class: writing the groups out would change what it refers to. */
function hasBackreference(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    if (source[i] === "[") i = classEnd(source, i) - 1;
    else if (source[i] === "\\") {
      const next = source[i + 1] ?? "";
      if ((next >= "1" && next <= "9") || (next === "k" && source[i + 2] === "<")) return true;
      i++;
    }
  }
  return false;
}

const LOOKAROUND = ["(?=", "(?!", "(?<=", "(?<!"];

/**
 * Lookaround outside a class. Refused by name, not left to the engine: V8's linear engine runs lookbehind
 * from Node 24 on, and a policy must load the same on every Node.js policy-wrap supports.
 */
function hasLookaround(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    if (source[i] === "[") i = classEnd(source, i) - 1;
    else if (source[i] === "\\") i++;
    else if (LOOKAROUND.some((head) => source.startsWith(head, i))) return true;
  }
  return false;
}

function makeLinear(regex: RegExp): LinearRegex {
  const maxSubject = Math.max(1024, Math.floor(CHECK_BUDGET / Math.max(1, regex.source.length)));
  return { maxSubject, test: (subject) => regex.test(subject) };
}

/**
 * `unicode`: the pattern is JSON Schema's (ECMA-262 with the u flag): checked in
 * u mode, and refused if it needs u mode to mean what it says (\p{…}, \u{…}),
 * since the linear engine runs without it.
 */
export function compileLinearRegex(source: string, options: { unicode?: boolean } = {}): { regex: LinearRegex } | { error: string } {
  const named = `regex ${JSON.stringify(source)}`;
  try {
    new RegExp(source, options.unicode ? "u" : "");
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { error: `${named} does not compile: ${message.replace(/^Invalid regular expression: /, "")}` };
  }
  if (options.unicode && NEEDS_UNICODE.test(source)) {
    return { error: `${named} uses \\p{…}, \\u{…} or characters outside the BMP, which policy-wrap's linear-time regex engine cannot run` };
  }
  if (hasBackreference(source) || hasLookaround(source)) return { error: NEEDS_BACKTRACKING(named) };
  let written: string;
  try {
    written = writeOutQuantifiers(source);
  } catch (error) {
    if (!(error instanceof PatternTooLarge)) throw error;
    return { error: `${named} is too large once its counted repetitions are written out (over ${MAX_EXPANDED} characters)` };
  }
  try {
    return { regex: makeLinear(new RegExp(written, "l")) };
  } catch {
    return { error: NEEDS_BACKTRACKING(named) };
  }
}
