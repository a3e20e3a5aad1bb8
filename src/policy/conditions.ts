import { foldKey } from "../json/fold-key.js";
import {
  Inexact,
  isRecord,
  jsonFromText,
  booleanFrom,
  MISSING,
  numberFromText,
  OPAQUE,
  readingsAt,
  type NumberReading,
} from "./lax-readings.js";
import { compileLinearRegex, type LinearRegex } from "./linear-regex.js";
import type { CompiledCondition, CompiledGroup, ConditionDocument, ConditionGroupDocument, PolicyProblem } from "./types.js";

// `require` and `deny_if`: compiled once per load, judged per call without I/O.
//
// Conditions must fail closed against upstreams that read arguments more
// laxly than JSON does (see lax-readings): each condition is judged against
// every reading, and is true or false only when all readings agree. A deny_if
// entry denies unless one of its conditions is surely false; a require entry
// is met only when all of its conditions are surely true. The rule per
// operator is in docs/policy.md.

export function compileGroups(groups: ConditionGroupDocument[] | undefined, pointer: string, problems: PolicyProblem[]): CompiledGroup[] {
  return (groups ?? []).map((group, g) => ({
    pointer: `${pointer}/${g}`,
    onDeny: group.on_deny,
    conditions: group.conditions.map((condition, c) => compileCondition(condition, `${pointer}/${g}/conditions/${c}`, problems)),
  }));
}

function compileCondition(doc: ConditionDocument, pointer: string, problems: PolicyProblem[]): CompiledCondition {
  const path = doc.path.split(".").slice(1);
  const wrongValue = (expected: string) =>
    problems.push({ pointer: `${pointer}/value`, message: `operator "${doc.op}" needs ${expected}` });
  let regex: LinearRegex | undefined;
  switch (doc.op) {
    case "lt":
    case "lte":
    case "gt":
    case "gte":
      if (typeof doc.value !== "number") wrongValue("a number");
      break;
    case "in":
    case "not_in":
      if (!Array.isArray(doc.value)) wrongValue("an array of values");
      break;
    case "exists":
      if (typeof doc.value !== "boolean") wrongValue("true or false");
      break;
    case "regex": {
      if (typeof doc.value !== "string") {
        wrongValue("a regular expression string");
        break;
      }
      const compiled = compileLinearRegex(doc.value);
      if ("error" in compiled) problems.push({ pointer: `${pointer}/value`, message: compiled.error });
      else regex = compiled.regex;
      break;
    }
    default:
      if (!("value" in doc)) wrongValue("a value");
  }
  return { path, op: doc.op, value: doc.value, regex };
}

/** Three-valued: a condition holds, does not, or cannot be decided against every lax reading of the argument. */
export type Verdict = boolean | "undecided";
const UNDECIDED = "undecided";

/** One verdict from several readings of one value: they must agree (none is false: false). */
function agree(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.length === 0) return false;
  const first = verdicts[0] as Verdict;
  return verdicts.every((v) => v === first) ? first : UNDECIDED;
}
const not = (v: Verdict): Verdict => (v === UNDECIDED ? v : !v);
const any = (vs: Verdict[]): Verdict => (vs.includes(true) ? true : vs.includes(UNDECIDED) ? UNDECIDED : false);
const every = (vs: Verdict[]): Verdict => (vs.includes(false) ? false : vs.includes(UNDECIDED) ? UNDECIDED : true);

function numbersOf(value: unknown, nesting: number): NumberReading[] {
  if (typeof value === "number" || value instanceof Inexact) return [value];
  if (typeof value === "boolean") return [value ? 1 : 0];
  // JavaScript's Number(): null and [] are 0, [x] is x.
  if (value === null) return [0];
  if (Array.isArray(value)) return value.length === 0 ? [0] : value.length === 1 ? numbersOf(value[0], nesting) : [];
  if (typeof value !== "string") return [];
  const spelled = numberFromText(value);
  const readings: NumberReading[] = spelled === undefined ? [] : [spelled];
  readings.push(...heldIn<NumberReading>(value, nesting, numbersOf));
  return readings;
}

/** pydantic's and Go's booleans, and JavaScript's truthiness (a hand-written server's `if (args.force)`). */
function booleansOf(value: unknown, nesting: number): (boolean | typeof OPAQUE)[] {
  const lax = booleanFrom(value);
  const truthy = value instanceof Inexact ? value.value !== 0 : typeof value === "object" && value !== null ? true : Boolean(value);
  const held = typeof value === "string" ? heldIn(value, nesting, (inner, n) => booleansOf(inner, n)) : [];
  return [...(lax === undefined ? [] : [lax]), truthy, ...held];
}

function stringsOf(value: unknown, nesting: number): (string | typeof OPAQUE)[] {
  if (typeof value !== "string") return [];
  return [value, ...heldIn(value, nesting, (inner, n) => stringsOf(inner, n))];
}

function containersOf(value: unknown, nesting: number): unknown[] {
  if (typeof value === "object" && value !== null && !(value instanceof Inexact)) return [value];
  return typeof value === "string" ? heldIn(value, nesting, (inner, n) => containersOf(inner, n)) : [];
}

/** Readings of the JSON a string holds, as `read` finds them (OPAQUE when it cannot be read). */
function heldIn<T>(text: string, nesting: number, read: (inner: unknown, nesting: number) => T[]): (T | typeof OPAQUE)[] {
  const held = jsonFromText(text, nesting);
  if (held === MISSING) return [];
  return held === OPAQUE ? [OPAQUE] : read(held, nesting + 1);
}

/** Whether a lax reading of `actual` equals `target`, directed by the target's type (the type the upstream expects). */
function equals(actual: unknown, target: unknown, nesting: number): Verdict {
  if (actual === OPAQUE) return UNDECIDED;
  if (typeof target === "number") {
    return agree(
      numbersOf(actual, nesting).map((n) => (n === OPAQUE || (n instanceof Inexact && n.value === target) ? UNDECIDED : n === target)),
    );
  }
  if (typeof target === "boolean") return agree(booleansOf(actual, nesting).map((b) => (b === OPAQUE ? UNDECIDED : b === target)));
  if (typeof target === "string") return agree(stringsOf(actual, nesting).map((s) => (s === OPAQUE ? UNDECIDED : s === target)));
  if (target === null) {
    if (actual === null) return true;
    return typeof actual === "string"
      ? agree(heldIn(actual, nesting, (inner) => [inner === null]).map((v) => (v === OPAQUE ? UNDECIDED : v)))
      : false;
  }
  return agree(containersOf(actual, nesting).map((container) => sameContainer(container, target, nesting)));
}

function sameContainer(actual: unknown, target: unknown, nesting: number): Verdict {
  if (actual === OPAQUE) return UNDECIDED;
  if (Array.isArray(target)) {
    if (!Array.isArray(actual) || actual.length !== target.length) return false;
    return every(target.map((item, k) => equals(actual[k], item, nesting)));
  }
  if (!isRecord(actual) || !isRecord(target)) return false;
  const keys = Object.keys(target);
  const verdicts = keys.map((key) =>
    agree(readingsAt(actual, [key]).map((r) => (r === MISSING ? false : equals(r, target[key], nesting)))),
  );
  // Members the target does not name: a struct binder ignores them, a dict comparison does not.
  const named = new Set(keys.map(foldKey));
  if (Object.keys(actual).some((key) => !named.has(foldKey(key)))) verdicts.push(UNDECIDED);
  return every(verdicts);
}

function compare(n: NumberReading, op: "lt" | "lte" | "gt" | "gte", threshold: number): Verdict {
  if (n === OPAQUE) return UNDECIDED;
  const x = n instanceof Inexact ? n.value : n;
  if (Number.isNaN(x) || (n instanceof Inexact && x === threshold)) return UNDECIDED;
  return op === "lt" ? x < threshold : op === "lte" ? x <= threshold : op === "gt" ? x > threshold : x >= threshold;
}

function judgeValue(condition: CompiledCondition, actual: unknown): Verdict {
  const { op, value } = condition;
  switch (op) {
    case "eq":
      return equals(actual, value, 0);
    case "neq":
      return not(equals(actual, value, 0));
    case "in":
      return any((value as unknown[]).map((v) => equals(actual, v, 0)));
    case "not_in":
      return not(any((value as unknown[]).map((v) => equals(actual, v, 0))));
    case "lt":
    case "lte":
    case "gt":
    case "gte":
      return agree(numbersOf(actual, 0).map((n) => compare(n, op, value as number)));
    case "regex": {
      // A string too long to check within the pattern's budget is undecided, never a pass.
      const regex = condition.regex as LinearRegex;
      return agree(stringsOf(actual, 0).map((s) => (s === OPAQUE || s.length > regex.maxSubject ? UNDECIDED : regex.test(s))));
    }
    case "contains": {
      const inStrings = typeof value === "string" ? stringsOf(actual, 0).map((s) => (s === OPAQUE ? UNDECIDED : s.includes(value))) : [];
      const inArrays = containersOf(actual, 0).flatMap((c): Verdict[] =>
        c === OPAQUE ? [UNDECIDED] : Array.isArray(c) ? [any(c.map((item) => equals(item, value, 0)))] : [],
      );
      return agree([...inStrings, ...inArrays]);
    }
    case "exists":
      return actual === null ? UNDECIDED : value === true;
  }
}

/**
 * The condition judged against every value a lax upstream may read at its
 * path: true or false when all readings agree, undecided otherwise.
 */
export function judge(condition: CompiledCondition, args: unknown): Verdict {
  return agree(
    readingsAt(args, condition.path).map((actual) => {
      if (actual === OPAQUE) return UNDECIDED;
      if (actual === MISSING) return condition.op === "exists" && condition.value === false;
      return judgeValue(condition, actual);
    }),
  );
}

/** A deny_if entry denies unless one of its conditions surely does not hold. */
export function denies(group: CompiledGroup, args: unknown): boolean {
  return group.conditions.every((condition) => judge(condition, args) !== false);
}

/** A require entry is met only when every one of its conditions surely holds. */
export function isMet(group: CompiledGroup, args: unknown): boolean {
  return group.conditions.every((condition) => judge(condition, args) === true);
}
