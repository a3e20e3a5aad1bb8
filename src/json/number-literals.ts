// The source text of numbers a double cannot hold faithfully, kept beside the
// parsed value. JSON.parse reads 100000000000000000001 and
// 100.000000000000001 as 1e20 and 100; Python keeps the first as an exact
// int, and a Decimal field keeps the second as written. A condition that
// compares such a number with a threshold it rounds onto cannot know which
// side the upstream will see, and must be told so (see policy/conditions).

/** Where a number sits in the scanned document (keys and array indices from the top) and how it was written. */
export interface NumberLiteral {
  path: (string | number)[];
  literal: string;
}

const literals = new WeakMap<object, Map<string | number, string>>();

/** More than 15 significant digits, or a magnitude a double rounds to infinity, zero or a subnormal. */
export function isUnfaithfulNumber(literal: string): boolean {
  if (literal.length <= 15 && !literal.includes("e") && !literal.includes("E")) return false;
  const value = Math.abs(Number(literal));
  // Significant digits of the mantissa, counted in one pass (a regex such as /0+$/ would be quadratic on "100...001").
  let first = -1;
  let last = -1;
  let digits = 0;
  for (let i = 0; i < literal.length; i++) {
    const c = literal.charCodeAt(i);
    if (c === 0x65 || c === 0x45) break;
    if (c < 0x30 || c > 0x39) continue;
    if (c !== 0x30) {
      if (first < 0) first = digits;
      last = digits;
    }
    digits++;
  }
  const significant = first < 0 ? 0 : last - first + 1;
  if (!Number.isFinite(value) || (significant > 0 && value < 1e-300)) return true;
  return significant > 15;
}

/** Attaches the recorded literals to the objects and arrays that hold them in `root` (the parse of the same text). */
export function attachNumberLiterals(root: unknown, records: readonly NumberLiteral[]): void {
  for (const { path, literal } of records) {
    let parent: unknown = root;
    for (const step of path.slice(0, -1)) {
      if (typeof parent !== "object" || parent === null) break;
      parent = (parent as Record<string | number, unknown>)[step];
    }
    const last = path[path.length - 1];
    if (typeof parent !== "object" || parent === null || last === undefined) continue;
    let held = literals.get(parent);
    if (!held) literals.set(parent, (held = new Map()));
    held.set(last, literal);
  }
}

/** The literal of the number at `parent[key]`, when it was recorded as unfaithful. */
export function numberLiteralOf(parent: object, key: string | number): string | undefined {
  return literals.get(parent)?.get(key);
}
