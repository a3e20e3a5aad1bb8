import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it, type TestContext } from "node:test";
import { booleanFrom, Inexact, numberFromText, OPAQUE, readingsAt, MISSING } from "../../src/policy/lax-readings.js";

// What lax upstreams read from an argument, checked against Python itself
// where Python is the lax reader (the MCP Python SDK, pydantic, FastMCP).

const python = (script: string, input: string) => spawnSync("python3", ["-c", script], { input, encoding: "utf8" });

describe("lax readings", () => {
  it("reads every spelling Python's float() accepts as the same number", (t: TestContext) => {
    const spellings = [
      "1000",
      " 1000 ",
      "1_000",
      "+1e3",
      "1E3",
      ".5",
      "5.",
      "-0",
      "inf",
      "-Infinity",
      "nAn",
      "\uff11\uff10",
      "\u0661\u0662",
      "\u09e7\u09e8",
      "\u{1d7d9}\u{1d7da}",
      "\t42\n",
      "\u00a012\u3000",
      "1_0.2_5e1_0",
    ];
    const result = python("import json,sys\nprint(json.dumps([repr(float(s)) for s in json.load(sys.stdin)]))", JSON.stringify(spellings));
    if (result.error) {
      if (process.env.CI === "true") assert.fail(String(result.error));
      t.skip("python3 is not installed (Debian package python3)");
      return;
    }
    assert.equal(result.status, 0, result.stderr);
    const floats = JSON.parse(result.stdout) as string[];
    spellings.forEach((spelling, k) => {
      const mine = numberFromText(spelling);
      const theirs = floats[k] as string;
      const value = mine instanceof Inexact ? mine.value : mine;
      if (theirs === "nan") assert.ok(Number.isNaN(value), spelling);
      else assert.equal(value, Number(theirs.replace("inf", "Infinity")), `${JSON.stringify(spelling)}: Python reads ${theirs}`);
    });
  });

  it("reads every Unicode decimal digit as Python does", (t: TestContext) => {
    const result = python(
      "import sys,unicodedata,json\nprint(json.dumps([[c, unicodedata.decimal(chr(c))] for c in range(0x110000) if unicodedata.category(chr(c)) == 'Nd']))",
      "",
    );
    if (result.error) {
      if (process.env.CI === "true") assert.fail(String(result.error));
      t.skip("python3 is not installed (Debian package python3)");
      return;
    }
    assert.equal(result.status, 0, result.stderr);
    const digits = JSON.parse(result.stdout) as [number, number][];
    assert.ok(digits.length > 600);
    const wrong = digits.filter(([cp, value]) => numberFromText(`${String.fromCodePoint(cp)}5`) !== value * 10 + 5);
    assert.deepEqual(wrong, []);
  });

  it("reads other spellings of numbers too, and is unsure of digits in shapes it does not read", () => {
    assert.equal(numberFromText("0x3e8"), 1000);
    assert.equal(numberFromText("-0b11"), -3);
    assert.equal(numberFromText("0x1.8p1"), 3);
    assert.equal(numberFromText(""), 0);
    for (const text of ["1,000", "1000abc", "12e", "$5", "5%", "1 000"]) assert.equal(numberFromText(text), OPAQUE, text);
    for (const text of ["abc", "ten", "-", "."]) assert.equal(numberFromText(text), undefined, text);
    assert.ok(numberFromText("100000000000000000001") instanceof Inexact);
    assert.equal(numberFromText("9".repeat(5000)), OPAQUE);
    assert.equal(numberFromText(`${" ".repeat(5000)}5000\t`), 5000, "Python's float() strips any amount of whitespace");
  });

  it("reads booleans from pydantic's and Go's words", () => {
    for (const word of ["true", "TRUE", " yes ", "On", "t", "Y", "1"]) assert.equal(booleanFrom(word), true, word);
    for (const word of ["false", "no", "OFF", "f", "n", "0"]) assert.equal(booleanFrom(word), false, word);
    assert.equal(booleanFrom("maybe"), undefined);
    assert.equal(booleanFrom(2), undefined);
  });

  it("finds a path's value, its folded variant, and objects held as JSON in strings", () => {
    assert.deepEqual(readingsAt({ a: { b: 1 } }, ["a", "b"]), [1]);
    assert.deepEqual(readingsAt({ A: { b: 1 } }, ["a", "b"]), [MISSING, 1]);
    assert.deepEqual(readingsAt({ a: '{"b": 2}' }, ["a", "b"]), [MISSING, 2]);
    assert.deepEqual(readingsAt({ a: '{"b": 2, "B": 3}' }, ["a", "b"]), [MISSING, OPAQUE]);
    assert.deepEqual(readingsAt({ a: [{ b: 1 }] }, ["a", "b"]), [MISSING]);
  });
});
