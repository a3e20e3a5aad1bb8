import { numberLiteralOf } from "../json/number-literals.js";

// One text per meaning, so that a pin compares what a definition says, not how
// the upstream spelled it. Keys are sorted (by UTF-16 code units) and written
// without whitespace; escapes in the source (\u0041 for A) are gone once
// parsed, and strings are written the one way JSON.stringify writes them (lone
// surrogates as \u escapes, so that no two strings share a text). Nothing else
// is normalised: two strings that differ in any code point (NFC against NFD,
// an added zero-width space or tag character) are two definitions, because the
// model reads them as such.
//
// Numbers are compared by value, as JSON Schema compares them: 1, 1.0 and 1e0
// are one number. A double rounds 9007199254740993 onto 9007199254740992 and
// 1e400 onto Infinity, while a Python upstream keeps each exactly; so a number
// the reader recorded as unfaithful (see json/number-literals) is written from
// its source text, exactly, in a form no faithful number takes.

/** Deeper definitions are not pinned (see UnreadableDefinition): no schema needs this, and recursion must stay bounded. */
export const MAX_DEFINITION_DEPTH = 256;

export class UnreadableDefinition extends Error {
  override readonly name = "UnreadableDefinition";
}

const PLAIN_KEY = /^[A-Za-z0-9_$.\-]*$/;

/** `parent` and `key`: where the value sits, so that a number keeps the literal recorded for it there. */
export function canonicalJson(value: unknown, parent?: object, key?: string | number): string {
  return encode(value, 0, parent, key);
}

function encode(value: unknown, depth: number, parent?: object, key?: string | number): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number": {
      const literal = parent === undefined || key === undefined ? undefined : numberLiteralOf(parent, key);
      if (literal !== undefined) return exactNumberText(literal);
      if (!Number.isFinite(value)) throw new UnreadableDefinition("a number out of range that was not read exactly");
      return JSON.stringify(value);
    }
    case "boolean":
      return value ? "true" : "false";
    case "object":
      break;
    default:
      throw new UnreadableDefinition(`a value of type ${typeof value}`);
  }
  if (value === null) return "null";
  if (depth >= MAX_DEFINITION_DEPTH) throw new UnreadableDefinition(`nested deeper than ${MAX_DEFINITION_DEPTH} levels`);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + encode(value[i], depth + 1, value, i);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = "{";
  let first = true;
  for (const k of keys) {
    const v = record[k];
    if (v === undefined) continue;
    out += `${first ? "" : ","}${PLAIN_KEY.test(k) ? `"${k}"` : JSON.stringify(k)}:${encode(v, depth + 1, record, k)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * A JSON number literal's exact value as `[-]d[.ddd]e<exp>`: significant digits
 * without leading or trailing zeros, and the exponent of the first. Equal
 * values give equal texts whatever the spelling (1000e-1, 100.0e0).
 */
export function exactNumberText(literal: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!match) throw new UnreadableDefinition(`not a number literal: ${literal.slice(0, 40)}`);
  const [, sign, whole = "", fraction = "", exponent = "0"] = match;
  let digits = whole + fraction;
  let exp = BigInt(exponent) - BigInt(fraction.length);
  const leading = /^0*/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(leading);
  if (digits.length === 0) return "0";
  const trailing = /0*$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  exp += BigInt(trailing) + BigInt(digits.length - 1);
  return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ""}e${exp}`;
}
