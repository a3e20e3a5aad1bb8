import { compileLinearRegex } from "./linear-regex.js";
import type { CompiledCondition, CompiledGroup, ConditionDocument, ConditionGroupDocument, PolicyProblem } from "./types.js";

// `require` and `deny_if`: compiled once per load, evaluated per call without I/O.

const MISSING = Symbol("missing");
type Found = unknown | typeof MISSING;

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
  let regex: RegExp | undefined;
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

function lookUp(args: unknown, path: readonly string[]): Found {
  let current: unknown = args;
  for (const key of path) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return MISSING;
    if (!Object.hasOwn(current, key)) return MISSING;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Structural equality on JSON values; a number never equals a string. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

export function holds(condition: CompiledCondition, args: unknown): boolean {
  const actual = lookUp(args, condition.path);
  const { op, value } = condition;
  if (op === "exists") return (actual !== MISSING) === value;
  if (actual === MISSING) return false;
  switch (op) {
    case "eq":
      return sameJson(actual, value);
    case "neq":
      return !sameJson(actual, value);
    case "lt":
      return typeof actual === "number" && actual < (value as number);
    case "lte":
      return typeof actual === "number" && actual <= (value as number);
    case "gt":
      return typeof actual === "number" && actual > (value as number);
    case "gte":
      return typeof actual === "number" && actual >= (value as number);
    case "in":
      return (value as unknown[]).some((v) => sameJson(actual, v));
    case "not_in":
      return !(value as unknown[]).some((v) => sameJson(actual, v));
    case "regex":
      return typeof actual === "string" && (condition.regex as RegExp).test(actual);
    case "contains":
      if (typeof actual === "string") return typeof value === "string" && actual.includes(value);
      return Array.isArray(actual) && actual.some((item) => sameJson(item, value));
  }
}

export function allHold(group: CompiledGroup, args: unknown): boolean {
  return group.conditions.every((condition) => holds(condition, args));
}
