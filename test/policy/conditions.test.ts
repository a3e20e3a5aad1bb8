import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileGroups, holds } from "../../src/policy/conditions.js";
import type { ConditionDocument, PolicyProblem } from "../../src/policy/types.js";

function check(condition: ConditionDocument, args: unknown): boolean {
  const problems: PolicyProblem[] = [];
  const [group] = compileGroups([{ conditions: [condition] }], "", problems);
  assert.deepEqual(problems, []);
  return holds(group!.conditions[0]!, args);
}

const args = { n: 5, s: "dev-bucket", list: ["a", "b"], nested: { deep: { v: true } }, nul: null, numstr: "5" };
// [op, value, path, expected]
const table: [ConditionDocument["op"], unknown, string, boolean][] = [
  ["eq", 5, "args.n", true],
  ["eq", "5", "args.n", false],
  ["eq", 5, "args.numstr", false],
  ["eq", { deep: { v: true } }, "args.nested", true],
  ["eq", null, "args.nul", true],
  ["eq", 5, "args.missing", false],
  ["neq", 6, "args.n", true],
  ["neq", 6, "args.missing", false],
  ["lt", 6, "args.n", true],
  ["lt", 6, "args.numstr", false],
  ["lte", 5, "args.n", true],
  ["gt", 4, "args.n", true],
  ["gt", 4, "args.missing", false],
  ["gte", 6, "args.n", false],
  ["in", [1, 5], "args.n", true],
  ["in", ["5"], "args.n", false],
  ["in", [5], "args.missing", false],
  ["not_in", [1, 2], "args.n", true],
  ["not_in", [1, 2], "args.missing", false],
  ["exists", true, "args.nul", true],
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
    const evil = `${"a".repeat(100_000)}!`;
    assert.equal(check({ path: "args.s", op: "regex", value: "^(a+)+$" }, { s: evil }), false);
  });
});
