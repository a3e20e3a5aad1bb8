import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileGroups, judge, type Verdict } from "../../src/policy/conditions.js";
import { attachNumberLiterals } from "../../src/json/number-literals.js";
import { scanJson } from "../../src/json/scan-json.js";
import type { ConditionDocument, PolicyProblem } from "../../src/policy/types.js";

function check(condition: ConditionDocument, args: unknown): Verdict {
  const problems: PolicyProblem[] = [];
  const [group] = compileGroups([{ conditions: [condition] }], "", problems);
  assert.deepEqual(problems, []);
  return judge(group!.conditions[0]!, args);
}

const args = { n: 5, s: "dev-bucket", list: ["a", "b"], nested: { deep: { v: true } }, nul: null, numstr: "5" };
// [op, value, path, expected]
const table: [ConditionDocument["op"], unknown, string, Verdict][] = [
  ["eq", 5, "args.n", true],
  ["eq", "5", "args.n", false],
  ["eq", 5, "args.numstr", true],
  ["eq", { deep: { v: true } }, "args.nested", true],
  ["eq", null, "args.nul", true],
  ["eq", 5, "args.missing", false],
  ["neq", 6, "args.n", true],
  ["neq", 6, "args.missing", false],
  ["lt", 6, "args.n", true],
  ["lt", 6, "args.numstr", true],
  ["lte", 5, "args.n", true],
  ["gt", 4, "args.n", true],
  ["gt", 4, "args.missing", false],
  ["gte", 6, "args.n", false],
  ["in", [1, 5], "args.n", true],
  ["in", ["5"], "args.n", false],
  ["in", [5], "args.missing", false],
  ["not_in", [1, 2], "args.n", true],
  ["not_in", [1, 2], "args.missing", false],
  ["exists", true, "args.nul", "undecided"],
  ["exists", true, "args.missing", false],
  ["exists", false, "args.missing", true],
  ["exists", false, "args.n", false],
  ["exists", false, "args.n.below", true],
  ["regex", "^dev-", "args.s", true],
  ["regex", "^5$", "args.n", false],
  ["regex", ".*", "args.missing", false],
  ["contains", "bucket", "args.s", true],
  ["contains", "b", "args.list", true],
  ["contains", "c", "args.list", false],
  ["contains", 5, "args.n", false],
  ["eq", true, "args.nested.deep.v", true],
  ["exists", true, "args", true],
  ["exists", false, "args.constructor", true],
  ["exists", false, "args.list.0", true],
];

describe("condition operators", () => {
  for (const [op, value, path, expected] of table) {
    it(`${path} ${op} ${JSON.stringify(value)} is ${expected}`, () => {
      assert.equal(check({ path, op, value }, args), expected);
    });
  }

  it("runs a regex in linear time on a hostile argument", () => {
    const evil = `${"a".repeat(60_000)}!`;
    assert.equal(check({ path: "args.s", op: "regex", value: "^(a+)+$" }, { s: evil }), false);
  });

  it("gives up on a regex over a string too long to check in bounded time: undecided, never a pass", () => {
    const problems: PolicyProblem[] = [];
    const [group] = compileGroups([{ conditions: [{ path: "args.s", op: "regex", value: "^b" }] }], "", problems);
    const long = "a".repeat((group!.conditions[0]!.regex as { maxSubject: number }).maxSubject + 1);
    assert.equal(check({ path: "args.s", op: "regex", value: "^b" }, { s: long }), "undecided");
    assert.equal(check({ path: "args.s", op: "regex", value: "^b" }, { s: long.slice(1) }), false);
  });
});

/** Arguments as the relay parses them: unfaithful number literals noted. */
function parsed(text: string): unknown {
  const scan = scanJson(text, { maxDepth: 100, strict: true });
  assert.ok(scan.ok);
  const value: unknown = JSON.parse(text);
  attachNumberLiterals(value, scan.numberLiterals);
  return value;
}

describe("conditions against lax upstreams (issue 10, class 3)", () => {
  const gt100 = (args: unknown) => check({ path: "args.amount", op: "gt", value: 100 }, args);
  const lte100 = (args: unknown) => check({ path: "args.amount", op: "lte", value: 100 }, args);

  it("reads numeric strings, inf and nan spellings, booleans and Unicode digits as the numbers a lax binder makes of them", () => {
    for (const amount of [
      "1000000",
      " 1000 ",
      "1_000",
      "1e3",
      "1E3",
      "+1000",
      "0x3e8",
      "inf",
      "Infinity",
      "-nan",
      "\uff11\uff10\uff10\uff10",
      "\u0661\u0660\u0660\u0660",
      1e400,
    ]) {
      assert.notEqual(gt100({ amount }), false, `${JSON.stringify(amount)} is not surely at most 100`);
    }
    for (const amount of ["50", " 50 ", "5_0", "5e1", 50, true, "abc", "", null]) {
      assert.equal(gt100({ amount }), false, JSON.stringify(amount));
    }
    assert.equal(lte100({ amount: "50" }), true, "a require sees the number too");
    assert.equal(lte100({ amount: "1e3" }), false);
  });

  it("is undecided on what it cannot read for sure: digits in other shapes, NaN", () => {
    for (const amount of ["1000abc", "1,000", "12e", "NaN", "nan"]) {
      assert.equal(gt100({ amount }), "undecided", JSON.stringify(amount));
      assert.equal(lte100({ amount }), "undecided", JSON.stringify(amount));
    }
  });

  it("follows paths into JSON held in strings, as FastMCP's pre-parsing does", () => {
    const orderOver = (order: unknown) => check({ path: "args.order.amount", op: "gt", value: 100 }, { order });
    assert.equal(orderOver('{"amount": 1000}'), "undecided", "a strict upstream sees no amount, a lax one 1000");
    assert.equal(orderOver('{"amount": 5}'), false);
    assert.equal(orderOver('{"amount": NaN}'), "undecided");
    assert.equal(orderOver({ amount: "1000" }), true);
  });

  it("reads booleans as pydantic, Go and JavaScript's truthiness do", () => {
    const forced = (force: unknown) => check({ path: "args.force", op: "eq", value: true }, { force });
    for (const force of [true, 1, "true", "yes", "on", "1", " TRUE ", "t", "y", 2, "maybe", [], {}])
      assert.equal(forced(force), true, JSON.stringify(force));
    for (const force of [false, 0, null, ""]) assert.equal(forced(force), false, JSON.stringify(force));
    // pydantic reads these as false, `if (args.force)` as true.
    for (const force of ["no", "off", "0", "false"]) assert.equal(forced(force), "undecided", JSON.stringify(force));
  });

  it("reads numbers as JavaScript's Number() does too: null, [] and [x]", () => {
    assert.equal(gt100({ amount: [1000] }), true);
    assert.equal(gt100({ amount: ["1e3"] }), true);
    assert.equal(lte100({ amount: [] }), true);
    assert.equal(gt100({ amount: [1000, 2] }), false);
  });

  it("counts a key that folds to the path's key as a possible reading (Go binds Amount to amount)", () => {
    assert.equal(gt100({ Amount: 1000 }), "undecided");
    assert.equal(gt100({ "AMOUN\u0054": 1000 }), "undecided");
    assert.equal(gt100({ Amount: 5 }), false);
  });

  it("is undecided where a double cannot tell the literal from the threshold", () => {
    const exact = (text: string, op: "gt" | "eq", value: number) => check({ path: "args.amount", op, value }, parsed(`{"amount":${text}}`));
    assert.equal(exact("100.000000000000001", "gt", 100), "undecided");
    assert.equal(exact("100.000000000000001", "eq", 100), "undecided");
    assert.equal(exact("9007199254740993", "gt", 9007199254740992), "undecided");
    assert.equal(exact("100", "gt", 100), false);
    assert.equal(exact("100.000000000000001", "gt", 99), true);
    assert.equal(gt100({ amount: "100.0000000000000000001" }), "undecided");
  });

  it("treats null as possibly missing for exists, and object members it does not name as possibly ignored", () => {
    assert.equal(check({ path: "args.x", op: "exists", value: false }, { x: null }), "undecided");
    assert.equal(check({ path: "args.o", op: "eq", value: { a: 1 } }, { o: { a: 1, b: 2 } }), "undecided");
    assert.equal(check({ path: "args.o", op: "eq", value: { a: 1 } }, { o: { a: 2, b: 2 } }), false);
  });

  it("looks into JSON arrays held in strings for contains and in", () => {
    assert.equal(check({ path: "args.tags", op: "contains", value: "admin" }, { tags: '["adm\\u0069n"]' }), "undecided");
    assert.equal(check({ path: "args.tags", op: "contains", value: "admin" }, { tags: ["admin"] }), true);
    assert.equal(check({ path: "args.n", op: "in", value: [1, 2] }, { n: "2" }), true);
    assert.equal(check({ path: "args.n", op: "not_in", value: [1, 2] }, { n: "2.0" }), false);
  });
});
