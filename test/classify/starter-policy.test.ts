import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { buildStarterPolicy } from "../../src/classify/starter-policy.js";
import { evaluate, isVisible } from "../../src/policy/evaluate.js";
import { parsePolicy } from "../../src/policy/parse-policy.js";
import { ROOT } from "../helpers/paths.js";

// The starter policy as the wrapper will load it: written out as JSON text,
// parsed and compiled by the same code, and evaluated.

type Catalogue = { tools: Record<string, unknown>[] };
const NAMING = JSON.parse(readFileSync(join(ROOT, "test", "fixtures", "naming-styles.json"), "utf8")) as Catalogue;
const HEALTHOMICS = JSON.parse(
  readFileSync(join(ROOT, "test", "fixtures", "real-servers", "awslabs.aws-healthomics-mcp-server.json"), "utf8"),
) as Catalogue;
const OPTIONS = { schemaRef: "https://example.invalid/policy.schema.json", serverLabel: "naming-styles 1.0.0" };

function load(tools: Record<string, unknown>[]) {
  const starter = buildStarterPolicy(tools, OPTIONS);
  const text = JSON.stringify(starter.document, null, 2);
  const parsed = parsePolicy(text);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
  return { starter, text, policy: parsed.policy, rules: JSON.parse(text).tools as Record<string, Record<string, unknown>> };
}

describe("the starter policy", () => {
  it("validates, denies by default and carries $schema and a description on itself and every rule", () => {
    const { text, rules } = load(NAMING.tools);
    const document = JSON.parse(text);
    assert.equal(document.$schema, OPTIONS.schemaRef);
    assert.equal(document.default, "deny");
    assert.match(document.description, /^Starter policy written by policy-wrap init for naming-styles 1\.0\.0\./);
    assert.match(document.description, /Not classified, so refused until a rule names them: "weather", "gzip-file-as-resource", /);
    for (const [name, rule] of Object.entries(rules)) assert.match(String(rule.description), /^(read|execute|write|destructive): /, name);
  });

  it("writes one rule per class as documented", () => {
    const { rules } = load(NAMING.tools);
    assert.deepEqual(rules.get_query_results, { description: 'read: read verb "get". Allowed.', action: "allow" });
    assert.deepEqual(rules.startExportJob, {
      description:
        'execute: execute verb "start". Allowed 10 calls a minute, counted for this tool alone; arguments checked against the tool\'s inputSchema.',
      action: "allow",
      rate_limit: { max: 10, window: "minute", scope: "grant" },
      arguments: { type: "object", properties: { destination: { type: "string", pattern: "^s3://" } }, required: ["destination"] },
    });
    assert.deepEqual(rules.CreateDbCluster, {
      description: 'write: write verb "Create". A person approves each call.',
      action: "require_approval",
    });
    assert.deepEqual(rules["valkey-admin"], {
      description: 'destructive: destructive verb "admin". Refused.',
      action: "deny",
      reason: '"valkey-admin" can destroy data or resources, so this policy leaves it to a person.',
    });
    assert.equal(rules.weather, undefined, "an unknown tool gets no rule");
  });

  it("groups the rules by class, read first, so a reviewer reads from safe to dangerous", () => {
    const { rules } = load(NAMING.tools);
    const classes = Object.values(rules).map((rule) => String(rule.description).split(":")[0]);
    const order = ["read", "execute", "write", "destructive"];
    assert.deepEqual(
      classes,
      [...classes].sort((a, b) => order.indexOf(a as string) - order.indexOf(b as string)),
    );
  });

  it("decides calls as its descriptions say", () => {
    const { policy } = load(NAMING.tools);
    const read = evaluate(policy, { kind: "tool", name: "get_query_results", arguments: {} });
    assert.deepEqual(
      [read.outcome, read.outcome === "allow" && read.needsApproval, read.outcome === "allow" && read.limits],
      ["allow", false, []],
    );
    const execute = evaluate(policy, { kind: "tool", name: "startExportJob", arguments: { destination: "s3://x" } });
    assert.equal(execute.outcome, "allow");
    assert.deepEqual(execute.outcome === "allow" && execute.limits.map((l) => [l.counter, l.max, l.windowMs]), [
      ["startExportJob", 10, 60_000],
    ]);
    const badArguments = evaluate(policy, { kind: "tool", name: "startExportJob", arguments: { destination: "ftp://x" } });
    assert.deepEqual([badArguments.outcome, badArguments.outcome === "deny" && badArguments.cause], ["deny", "arguments"]);
    const write = evaluate(policy, { kind: "tool", name: "CreateDbCluster", arguments: { name: "c" } });
    assert.equal(write.outcome === "allow" && write.needsApproval, true);
    const destructive = evaluate(policy, { kind: "tool", name: "valkey-admin", arguments: {} });
    assert.deepEqual([destructive.outcome, destructive.outcome === "deny" && destructive.cause], ["deny", "rule"]);
    assert.equal(isVisible(policy, { kind: "tool", name: "valkey-admin" }), false);
    const unknown = evaluate(policy, { kind: "tool", name: "weather", arguments: {} });
    assert.deepEqual([unknown.outcome, unknown.outcome === "deny" && unknown.cause], ["deny", "default"]);
  });

  it("names JavaScript-special tools exactly and never turns a tool name into a glob", () => {
    const { starter, text, policy } = load([...NAMING.tools, { name: "__proto__list", inputSchema: { type: "object" } }]);
    assert.ok(text.includes('"__proto__list": {'), "the rule is written as an own key");
    assert.equal(evaluate(policy, { kind: "tool", name: "__proto__list", arguments: {} }).outcome, "allow");
    assert.ok(!text.includes('"get_*"'), "no glob from a tool name");
    assert.equal(evaluate(policy, { kind: "tool", name: "get_anything", arguments: {} }).outcome, "deny");
    const glob = starter.tools.find((t) => t.name === "get_*");
    assert.deepEqual(
      [glob?.class, glob?.evidence],
      ["unknown", ["its name contains * or ?, which a policy reads as a wildcard, so no rule can name it"]],
    );
    const spaced = starter.tools.find((t) => t.name === "get thing");
    assert.equal(spaced?.class, "unknown");
  });

  it("refuses a name listed twice with different definitions when either is destructive", () => {
    const { starter, rules } = load(NAMING.tools);
    const twice = starter.tools.find((t) => t.name === "duplicate_tool");
    assert.equal(twice?.class, "destructive");
    assert.match(twice?.evidence[0] ?? "", /listed 2 times with different definitions/);
    assert.equal(rules.duplicate_tool?.action, "deny");
    const { starter: other } = load([
      { name: "get_x", inputSchema: { type: "object" } },
      { name: "get_x", inputSchema: { type: "object", properties: { a: {} } } },
    ]);
    assert.deepEqual(
      other.tools.map((t) => t.class),
      ["unknown"],
    );
  });

  it("uses an inputSchema for arguments only where it is safe, and says why not elsewhere", () => {
    const { starter, rules } = load(NAMING.tools);
    const notes = (name: string) => starter.tools.find((t) => t.name === name)?.notes.join("; ") ?? "";
    assert.deepEqual(rules.run_draft7?.arguments, { type: "object", properties: { n: { type: "integer" } }, required: ["n"] });
    assert.match(notes("run_draft7"), /^its inputSchema's \$id was left out$/);
    assert.equal(rules.run_remote_ref?.arguments, undefined);
    assert.match(
      notes("run_remote_ref"),
      /its inputSchema cannot check arguments \(arguments schema does not compile: .*https:\/\/example\.com\/schema\.json/,
    );
    assert.match(String(rules.run_remote_ref?.description), /arguments not checked\. Note: its inputSchema cannot check arguments/);
    assert.deepEqual(rules.run_remote_ref?.rate_limit, { max: 10, window: "minute", scope: "grant" }, "the limit stays");
    assert.equal(rules.run_backtracking?.arguments, undefined);
    assert.match(notes("run_backtracking"), /needs backtracking/);
    let deep: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 60; i++) deep = { type: "object", properties: { a: deep } };
    const { rules: deepRules, starter: deepStarter } = load([{ name: "run_deep", inputSchema: deep }]);
    assert.equal(deepRules.run_deep?.arguments, undefined);
    assert.match(deepStarter.tools[0]?.notes.join("") ?? "", /nested deeper than 48 levels/);
  });

  it("validates for a real catalogue, every execute tool checking its arguments with the server's own schema", () => {
    const { rules } = load(HEALTHOMICS.tools);
    const execute = Object.entries(rules).filter(([, rule]) => rule.rate_limit);
    assert.equal(execute.length, 8);
    for (const [name, rule] of execute) {
      const tool = HEALTHOMICS.tools.find((t) => t.name === name) as Record<string, unknown>;
      assert.deepEqual(rule.arguments, tool.inputSchema, name);
    }
  });
});
