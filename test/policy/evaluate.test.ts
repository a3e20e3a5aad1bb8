import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluate, isVisible } from "../../src/policy/evaluate.js";
import { parsePolicy } from "../../src/policy/parse-policy.js";
import type { CompiledPolicy } from "../../src/policy/types.js";

function compile(document: object): CompiledPolicy {
  const result = parsePolicy(JSON.stringify(document));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return result.policy;
}

describe("evaluate", () => {
  const policy = compile({
    version: "1",
    default: "deny",
    hide: ["Internal*"],
    all_tools: { limits: [{ counter: "everything", window: "hour", max: 100 }] },
    tools: {
      "Get*": {},
      "GetSecret?": { action: "deny", reason: "secrets stay put" },
      GetSecretX: {},
      "*Job": { rate_limit: { max: 10, window: 60 } },
      "Start*Job": { action: "require_approval" },
      InternalTool: {},
    },
  });

  it("lets an exact name beat every glob", () => {
    assert.equal(evaluate(policy, { kind: "tool", name: "GetSecretX", arguments: {} }).outcome, "allow");
  });

  it("prefers the glob with more literal characters", () => {
    const decision = evaluate(policy, { kind: "tool", name: "GetSecretY", arguments: {} });
    assert.deepEqual(decision, {
      outcome: "deny",
      target: { kind: "tool", name: "GetSecretY" },
      rule: "/tools/GetSecret?",
      cause: "rule",
      reason: "secrets stay put",
    });
    const start = evaluate(policy, { kind: "tool", name: "StartExportJob", arguments: {} });
    assert.equal(start.outcome === "allow" && start.needsApproval, true);
  });

  it("keeps file order between globs of equal weight", () => {
    const tie = compile({ version: "1", default: "deny", tools: { "a*": { action: "deny" }, "*a": {} } });
    assert.equal(evaluate(tie, { kind: "tool", name: "aa", arguments: {} }).outcome, "deny");
  });

  it("hides before any rule can allow", () => {
    const decision = evaluate(policy, { kind: "tool", name: "InternalTool", arguments: {} });
    assert.equal(decision.outcome === "deny" && decision.cause, "hidden");
    assert.equal(isVisible(policy, { kind: "tool", name: "InternalTool" }), false);
  });

  it("applies the rule's limits and all_tools limits, the shorthand's counter named after the tool", () => {
    const counters = (name: string) => {
      const decision = evaluate(policy, { kind: "tool", name, arguments: {} });
      assert.ok(decision.outcome === "allow");
      return decision.limits.map((l) => [l.counter, l.windowMs, l.max, l.scope]);
    };
    assert.deepEqual(counters("RunJob"), [
      ["RunJob", 60_000, 10, "grant"],
      ["everything", 3_600_000, 100, "grant"],
    ]);
    // Each tool a glob shorthand matches counts on its own.
    assert.deepEqual(counters("StopJob")[0], ["StopJob", 60_000, 10, "grant"]);
    const exact = compile({ version: "1", default: "deny", tools: { Export: { rate_limit: { max: 3, window: "hour" } } } });
    const decision = evaluate(exact, { kind: "tool", name: "Export", arguments: {} });
    assert.deepEqual(decision.outcome === "allow" && decision.limits.map((l) => [l.counter, l.max]), [["Export", 3]]);
  });

  it("never case-folds: a variant of an allowed name falls to the default", () => {
    for (const name of ["getThing", "GETThing", "Ｇet", "Get\u200bX".replace("Get", "Gеt")]) {
      const decision = evaluate(policy, { kind: "tool", name, arguments: {} });
      assert.equal(decision.outcome === "deny" && decision.cause, "default", name);
    }
  });

  it("checks deny_if before require, and a require on a missing field denies", () => {
    const rules = compile({
      version: "1",
      default: "deny",
      tools: {
        Refund: {
          deny_if: [{ conditions: [{ path: "args.amount", op: "gt", value: 100 }], on_deny: "too much" }],
          require: [{ conditions: [{ path: "args.order.id", op: "exists", value: true }], on_deny: "needs an order" }],
        },
      },
    });
    const reasonFor = (args: unknown) => {
      const d = evaluate(rules, { kind: "tool", name: "Refund", arguments: args });
      return d.outcome === "deny" ? d.reason : "allowed";
    };
    assert.equal(reasonFor({ amount: 500 }), "too much");
    assert.equal(reasonFor({ amount: 5 }), "needs an order");
    assert.equal(reasonFor({ amount: 5, order: "o-1" }), "needs an order", "a non-object on the way is missing");
    assert.equal(reasonFor({ amount: 5, order: { id: "o-1" } }), "allowed");
  });

  it("denies with the argument schema's words", () => {
    const strict = compile({
      version: "1",
      default: "deny",
      tools: { Put: { arguments: { type: "object", properties: { bucket: { type: "string", pattern: "^dev-" } } } } },
    });
    const decision = evaluate(strict, { kind: "tool", name: "Put", arguments: { bucket: "prod-1" } });
    assert.equal(
      decision.outcome === "deny" && decision.reason,
      'Arguments for "Put" do not satisfy the policy: arguments.bucket must match pattern "^dev-".',
    );
  });
});
