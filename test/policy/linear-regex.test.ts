import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileLinearRegex, writeOutQuantifiers } from "../../src/policy/linear-regex.js";
import { Random, SEED } from "../helpers/random.js";

// Counted repetitions over 16 are written out for the linear-time engine; the
// written-out pattern must match exactly the strings the original matches.

const linear = (source: string) => {
  const compiled = compileLinearRegex(source);
  if ("error" in compiled) throw new Error(compiled.error);
  return compiled.regex;
};

describe("linear-time regexes", () => {
  it("writes out counted repetitions of characters, escapes, classes and groups", () => {
    assert.equal(writeOutQuantifiers("a{2,4}"), "(?:a)(?:a)(?:a)?(?:a)?");
    assert.equal(writeOutQuantifiers("\\d{2}"), "(?:\\d)(?:\\d)");
    assert.equal(writeOutQuantifiers("[\\]a]{1,}"), "(?:[\\]a])(?:[\\]a])*");
    assert.equal(writeOutQuantifiers("(?<n>ab){2}"), "(?:(?:ab))(?:(?:ab))");
    assert.equal(writeOutQuantifiers("x{,3}"), "x{,3}", "not a quantifier: literal text");
  });

  it("runs patterns the engine would refuse as written, with the same answers", () => {
    const cases: [string, string, boolean][] = [
      ["^[a-z0-9-]{3,63}$", "my-bucket", true],
      ["^[a-z0-9-]{3,63}$", "a".repeat(64), false],
      ["^(?:ab|c){17,20}$", "ab".repeat(17), true],
      ["^(?:ab|c){17,20}$", "ab".repeat(16), false],
      ["^x{17,}$", "x".repeat(40), true],
      ["^(a{1,20}){1,20}$", "a".repeat(400), true],
      ["^(a{1,20}){1,20}$", "a".repeat(401), false],
    ];
    for (const [source, subject, expected] of cases) assert.equal(linear(source).test(subject), expected, `${source} on ${subject.length}`);
  });

  it("refuses backreferences and lookaround, and patterns too large once written out", () => {
    // Refused on every runtime, although Node 24's linear engine would run lookbehind.
    for (const source of ["(a)\\1", "(?=a)b", "(?!a)b", "(?<=a)b", "(?<!a)b", "x|(?<=a)b"])
      assert.match((compileLinearRegex(source) as { error: string }).error, /needs backtracking/, source);
    // The same characters in a class, or escaped, are no lookaround.
    for (const source of ["[(?=]b", "\\(?=a\\)"]) assert.ok("regex" in compileLinearRegex(source), source);
    assert.match((compileLinearRegex("(a{1,1000}){1,1000}") as { error: string }).error, /too large/);
  });

  it(`matches as the backtracking engine does on random patterns and strings (seed ${SEED})`, () => {
    const random = new Random(SEED);
    const atom = (depth: number): string => {
      const pick = random.int(depth > 0 ? 7 : 5);
      if (pick === 0) return random.pick(["a", "b", "1"]);
      if (pick === 1) return random.pick(["[ab]", "[^a]", "[a-z]", "[\\]b]"]);
      if (pick === 2) return random.pick(["\\d", "\\w", "."]);
      if (pick === 3) return random.pick(["a", "ab", "b"]);
      if (pick === 4) return random.pick(["^", "$", ""]) + random.pick(["a", "b"]);
      const inner = Array.from({ length: 1 + random.int(2) }, () => term(depth - 1)).join("");
      return pick === 5 ? `(?:${inner}|${term(depth - 1)})` : `(${inner})`;
    };
    const term = (depth: number): string => {
      const a = atom(depth);
      const n = random.int(20);
      const m = n + random.int(6);
      return a + random.pick(["", "?", "*", "+", `{${n}}`, `{${n},}`, `{${n},${m}}`, `{${n},${m}}?`]);
    };
    for (let k = 0; k < 300; k++) {
      const source = `^${Array.from({ length: 1 + random.int(3) }, () => term(1)).join("")}$`;
      const reference = new RegExp(source);
      const compiled = compileLinearRegex(source);
      if ("error" in compiled) continue;
      for (let s = 0; s < 20; s++) {
        const subject = Array.from({ length: random.int(30) }, () => random.pick(["a", "b", "1", "]"])).join("");
        assert.equal(compiled.regex.test(subject), reference.test(subject), `seed ${SEED}: ${source} on ${JSON.stringify(subject)}`);
      }
    }
  });
});
