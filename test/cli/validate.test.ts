import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BIN } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";

const dir = tempDir();

function validate(text: string): { code: number | null; stdout: string } {
  const file = writePolicy(dir, text, `v${Math.random().toString(36).slice(2)}.json`);
  const run = spawnSync(process.execPath, [BIN, "validate", file], { encoding: "utf8" });
  return { code: run.status, stdout: run.stdout.replaceAll(`${file}:`, "FILE:") };
}

describe("policy-wrap validate", { concurrency: true }, () => {
  it("accepts the AWS example with a one-line summary", () => {
    const run = spawnSync(process.execPath, [BIN, "validate", "examples/aws-healthomics-policy.json"], { encoding: "utf8" });
    assert.equal(run.status, 0);
    assert.equal(run.stdout, "examples/aws-healthomics-policy.json: valid (default deny, 3 tools, 1 glob, 1 hidden pattern, 1 limit)\n");
  });

  it("names an unknown field where it stands", () => {
    const result = validate('{\n  "version": "1",\n  "default": "deny",\n  "tools": {\n    "X": { "acton": "deny" }\n  }\n}');
    assert.equal(result.code, 1);
    assert.equal(result.stdout, 'FILE:5:21: unknown field "acton"; did you mean "action"?\n');
  });

  it("reports a missing required field at the object", () => {
    assert.equal(validate('{ "version": "1" }').stdout, 'FILE:1:1: missing required field "default"\n');
  });

  it("explains a bad window once, not once per alternative", () => {
    const result = validate('{"version":"1","default":"deny","tools":{"X":{"limits":[{"counter":"c","window":"fortnight","max":1}]}}}');
    assert.equal(
      result.stdout,
      'FILE:1:81: window must be "second", "minute", "hour", "day" or a positive number of seconds, not "fortnight"\n',
    );
  });

  it("refuses duplicate keys with their position", () => {
    const result = validate('{"version":"1","default":"deny",\n"default":"allow"}');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^FILE:2:1: duplicate key "default"/);
  });

  it("reports a syntax error with its line and column", () => {
    assert.match(validate('{"version":"1",\n  "default": deny}').stdout, /^FILE:2:14: unexpected character\n$/);
  });

  it("names an unknown operator where it stands", () => {
    const result = validate(
      '{"version":"1","default":"deny","tools":{"A":{"deny_if":[{"conditions":[{"path":"args.n","op":"greater","value":1}]}]}}}',
    );
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /^FILE:1:95: "greater" is not an operator; use one of "eq", "neq", "lt", "lte", "gt", "gte", "in", "not_in", "exists", "regex", "contains"\n$/,
    );
  });

  it("refuses one counter with two sizes", () => {
    const result = validate(
      JSON.stringify({
        version: "1",
        default: "deny",
        tools: { A: { limits: [{ counter: "c", window: "minute", max: 10 }] }, B: { limits: [{ counter: "c", window: "hour", max: 10 }] } },
      }),
    );
    assert.match(result.stdout, /counter "c" is also defined at \/tools\/A\/limits\/0 with a different window hour vs minute/);
  });

  it("refuses a regex that needs backtracking, and one that does not compile", () => {
    const cond = (value: string) => ({ conditions: [{ path: "args.s", op: "regex", value }], on_deny: "no" });
    const result = validate(JSON.stringify({ version: "1", default: "deny", tools: { A: { deny_if: [cond("(a)\\1"), cond("([)")] } } }));
    const lines = result.stdout.trim().split("\n");
    assert.equal(lines.length, 2);
    assert.match(lines[0] as string, /needs backtracking/);
    assert.match(lines[1] as string, /does not compile/);
  });

  it("refuses malformed globs, bad operator values and uncompilable argument schemas", () => {
    const result = validate(
      JSON.stringify({
        version: "1",
        default: "deny",
        hide: ["Delete [all]"],
        tools: {
          A: {
            deny_if: [{ conditions: [{ path: "args.n", op: "gt", value: "ten" }] }],
            arguments: { type: "object", properties: { a: { type: "strng" } } },
          },
        },
      }),
    );
    assert.match(result.stdout, /whitespace/);
    assert.match(result.stdout, /operator "gt" needs a number/);
    assert.match(result.stdout, /arguments schema does not compile/);
  });

  it("accepts every documented field, with $schema and description", () => {
    const result = validate(
      JSON.stringify({
        $schema: "../schema/policy.schema.json",
        description: "all fields",
        version: "1",
        default: "allow",
        hide: ["*Secret*"],
        all_tools: { limits: [{ counter: "all", window: 3600, max: 1000, scope: "session" }] },
        tools: {
          A: {
            action: "require_approval",
            reason: "r",
            limits: [{ counter: "a", window: "day", max: 5 }],
            rate_limit: { max: 10, window: 60 },
            require: [{ conditions: [{ path: "args.x", op: "exists", value: true }], on_deny: "x" }],
            deny_if: [{ conditions: [{ path: "args", op: "contains", value: "y" }] }],
            arguments: { type: "object" },
          },
        },
      }),
    );
    assert.equal(result.code, 0, result.stdout);
  });

  it("reports a missing file with the path as resolved and the working directory", () => {
    const cwd = tempDir();
    const run = spawnSync(process.execPath, [BIN, "validate", "nope.json"], { encoding: "utf8", cwd });
    assert.equal(run.status, 1);
    assert.equal(run.stdout, `nope.json: cannot read the policy ${join(cwd, "nope.json")}: no such file (working directory ${cwd})\n`);
  });

  it("says a directory is not a policy file", () => {
    const run = spawnSync(process.execPath, [BIN, "validate", dir], { encoding: "utf8" });
    assert.equal(run.status, 1);
    assert.match(run.stdout, /cannot read the policy \S+: it is a directory \(working directory /);
  });
});

describe("usage errors", () => {
  it("refuses to run without a policy, before starting anything", () => {
    const run = spawnSync(process.execPath, [BIN, "--", process.execPath, "-e", "process.stdout.write('started')"], {
      encoding: "utf8",
      env: { ...process.env, POLICY_WRAP_POLICY: "" },
    });
    assert.equal(run.status, 2);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /--policy <file> \(or POLICY_WRAP_POLICY\) is required/);
  });

  it("takes the policy from POLICY_WRAP_POLICY and the command without --", () => {
    const policy = writePolicy(dir, { version: "1", default: "maybe" }, "env.json");
    const run = spawnSync(process.execPath, [BIN, process.execPath, "-e", "0"], {
      encoding: "utf8",
      env: { ...process.env, POLICY_WRAP_POLICY: policy },
    });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /env\.json:3:14: default must be "allow" or "deny", not "maybe"/);
  });
});
