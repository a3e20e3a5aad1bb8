import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePolicy } from "../../src/policy/parse-policy.js";
import { describeUnmatchedName, findUnmatchedNames } from "../../src/policy/unmatched-names.js";

// Which names a policy writes that match no live tool, with a did-you-mean
// from the live names.

function compiled(document: unknown) {
  const parsed = parsePolicy(JSON.stringify(document));
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
  return parsed.policy;
}

const LIVE = ["echo", "get-env", "get-sum", "ListAHOReadSets", "StartAHOReadSetExportJob"];

describe("policy names that match no live tool", () => {
  it("finds hides and rules, exact or glob, that match nothing, and suggests the near miss", () => {
    const policy = compiled({
      version: "1",
      default: "deny",
      hide: ["get_env", "Delete*", "echo", "get-*"],
      tools: { echo: {}, listahoreadsets: {}, "Start*": {}, "start_aho*": {}, frobnicate: {} },
    });
    assert.deepEqual(findUnmatchedNames(policy, LIVE), [
      { pointer: "/hide/0", pattern: "get_env", kind: "hide", glob: false, suggestion: "get-env" },
      { pointer: "/hide/1", pattern: "Delete*", kind: "hide", glob: true },
      { pointer: "/tools/listahoreadsets", pattern: "listahoreadsets", kind: "rule", glob: false, suggestion: "ListAHOReadSets" },
      { pointer: "/tools/frobnicate", pattern: "frobnicate", kind: "rule", glob: false },
      { pointer: "/tools/start_aho*", pattern: "start_aho*", kind: "rule", glob: true, suggestion: "StartAHOReadSetExportJob" },
    ]);
  });

  it("finds nothing when every name matches, and everything when the server lists no tools", () => {
    const policy = compiled({ version: "1", default: "deny", hide: ["get-*"], tools: { echo: {}, "*": {} } });
    assert.deepEqual(findUnmatchedNames(policy, LIVE), []);
    assert.deepEqual(
      findUnmatchedNames(policy, []).map((u) => u.pointer),
      ["/hide/0", "/tools/echo", "/tools/*"],
    );
  });

  it("says each in one line a person can act on", () => {
    const policy = compiled({ version: "1", default: "deny", hide: ["get_env"], tools: { "start_aho*": {}, nope: {} } });
    assert.deepEqual(findUnmatchedNames(policy, LIVE).map(describeUnmatchedName), [
      '/hide/0: the policy hides "get_env", which matches no tool the server lists; did you mean "get-env"?',
      '/tools/nope: the policy has a rule for "nope", which matches no tool the server lists',
      '/tools/start_aho*: the policy has a rule for the glob "start_aho*", which matches no tool the server lists; did you mean a pattern for "StartAHOReadSetExportJob"?',
    ]);
  });

  it("takes tool names with pointer characters and JavaScript-special names literally", () => {
    const policy = compiled({ version: "1", default: "deny", tools: { "a/b~c": {}, __proto__x: {}, constructor: {} } });
    assert.deepEqual(
      findUnmatchedNames(policy, ["a/b~c", "constructor"]).map((u) => u.pointer),
      ["/tools/__proto__x"],
    );
  });
});
