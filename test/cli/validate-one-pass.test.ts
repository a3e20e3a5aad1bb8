import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { BIN } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";

// `validate` reports every problem of a file in one pass, in file order: what
// the schema refuses and what only compiling finds, together, each naming the
// field, the value found and the near miss.

const dir = tempDir();

function validate(text: string): { code: number | null; lines: string[] } {
  const file = writePolicy(dir, text, `v${Math.random().toString(36).slice(2)}.json`);
  const run = spawnSync(process.execPath, [BIN, "validate", file], { encoding: "utf8" });
  return { code: run.status, lines: run.stdout.replaceAll(`${file}:`, "").trimEnd().split("\n") };
}

const FOUR_PROBLEMS = `{
  "version": "1",
  "default": "deny",
  "hidden": ["get_env"],
  "tools": {
    "A": { "acton": "deny" },
    "B": {
      "deny_if": [
        { "conditions": [{ "path": "args.x", "op": "startsWith", "value": "a" }, { "path": "args.y", "op": "regex", "value": "(a)\\\\1" }] }
      ]
    }
  }
}`;

describe("validate in one pass", { concurrency: true }, () => {
  it("reports schema and compile problems together, in file order", () => {
    const result = validate(FOUR_PROBLEMS);
    assert.equal(result.code, 1);
    assert.deepEqual(result.lines, [
      '4:13: unknown field "hidden"; did you mean "hide"?',
      '6:21: unknown field "acton"; did you mean "action"?',
      '9:52: "startsWith" is not an operator; use one of "eq", "neq", "lt", "lte", "gt", "gte", "in", "not_in", "exists", "regex", "contains"',
      '9:126: regex "(a)\\\\1" needs backtracking (backreferences or lookaround), which policy-wrap refuses so that no argument can hang it',
    ]);
  });

  it("names the field and the value found", () => {
    const result = validate(
      '{"version":1,"default":"maybe","hide":[5],"tools":{"X":"deny","Y":{"limits":[{"counter":"","window":"minutes","max":0}]}}}',
    );
    assert.deepEqual(result.lines, [
      '1:12: version must be "1", not 1',
      '1:24: default must be "allow" or "deny", not "maybe"',
      "1:40: hide[0] must be a string, not 5",
      '1:56: the rule for "X" must be an object, not "deny"',
      "1:89: counter must not be empty",
      '1:101: window must be "second", "minute", "hour", "day" or a positive number of seconds, not "minutes"; did you mean "minute"?',
      "1:117: max must be >= 1, not 0",
    ]);
  });

  it("suggests the near miss of an operator and an action", () => {
    const result = validate(
      '{"version":"1","default":"deny","tools":{"A":{"action":"denyy","deny_if":[{"conditions":[{"path":"args.n","op":"gtt","value":1}]}]}}}',
    );
    assert.deepEqual(result.lines, [
      '1:56: "denyy" is not an action; did you mean "deny"?',
      '1:112: "gtt" is not an operator; did you mean "gt"?',
    ]);
  });

  it("still compiles the parts the schema allows: globs, operator values, counters, windows", () => {
    const result = validate(
      JSON.stringify({
        version: "1",
        default: "deny",
        hide: ["Delete [all]"],
        tools: {
          A: { acton: "deny", limits: [{ counter: "c", window: "minute", max: 10 }] },
          B: { limits: [{ counter: "c", window: "hour", max: 10 }], rate_limit: { max: 1, window: 0.0004 } },
          C: { require: [{ conditions: [{ path: "args.n", op: "gt", value: "ten" }], on_deny: 5 }] },
        },
      }),
    );
    assert.equal(result.code, 1);
    assert.equal(result.lines.length, 6, result.lines.join("\n"));
    assert.match(result.lines[0] as string, /pattern "Delete \[all\]" contains whitespace/);
    assert.match(result.lines[1] as string, /unknown field "acton"; did you mean "action"\?/);
    assert.match(result.lines[2] as string, /counter "c" is also defined at \/tools\/A\/limits\/0 with a different window hour vs minute/);
    assert.match(result.lines[3] as string, /window 0\.0004 s is shorter than 1 ms/);
    assert.match(result.lines[4] as string, /operator "gt" needs a number/);
    assert.match(result.lines[5] as string, /on_deny must be a string, not 5/);
  });

  it("names comments and trailing commas as such, and goes on", () => {
    const result = validate(`// a policy
{
  "version": "1", /* always "1" */
  "default": "deny",
  "tools": {
    "A": { "limits": [{ "counter": "c", "window": "minute", "max": 0 },] },
  }
}`);
    assert.deepEqual(result.lines, [
      "1:1: comments are not allowed in JSON (// ...)",
      "3:19: comments are not allowed in JSON (/* ... */)",
      "6:68: max must be >= 1, not 0",
      "6:71: trailing comma after the last item of a list",
      "6:75: trailing comma after the last member of an object",
    ]);
  });

  it("refuses a policy whose only fault is a comment", () => {
    const result = validate('{ "version": "1", "default": "allow" // allow all\n}');
    assert.deepEqual([result.code, result.lines], [1, ["1:38: comments are not allowed in JSON (// ...)"]]);
  });

  it("stops at a syntax error that is neither, after naming the ones before it", () => {
    const result = validate('{ "version": "1", // v\n  "default": deny }');
    assert.deepEqual(result.lines, ["1:19: comments are not allowed in JSON (// ...)", "2:14: unexpected character"]);
  });
});
