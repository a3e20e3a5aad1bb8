import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePolicy } from "../../src/policy/parse-policy.js";
import { describeUnmatchedName, findUnmatchedNames } from "../../src/policy/unmatched-names.js";

// Names the policy writes for resources and prompts that match nothing the
// server lists: no resource, no URI a template can produce, no prompt.

const policy = (() => {
  const result = parsePolicy(
    JSON.stringify({
      version: "1",
      default: "allow",
      hide: ["resource:file:///home/me/.ssh/*", "prompt:secret_promt", "resource:s3://*"],
      resources: {
        "file:///home/me/.aws/*": { action: "deny" },
        "file:///etc/passwd": { action: "deny" },
        "db://reports/*": {},
        "FILE:///HOME/ME/NOTES.TXT": { action: "deny" },
      },
      prompts: { Deploy: {}, "review*": {}, sumarize: {} },
    }),
  );
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return result.policy;
})();

const live = {
  tools: [],
  prompts: ["deploy", "summarize", "secret_prompt"],
  resources: ["file:///home/me/notes.txt", "db://reports/2026"],
  templates: ["file:///home/me/{+path}"],
};

describe("unmatched resource and prompt names", () => {
  it("counts a match on a listed URI in any reading, or on a URI a template can produce, and on a prompt in any case", () => {
    assert.deepEqual(
      findUnmatchedNames(policy, live).map((u) => [u.pointer, u.target, u.suggestion]),
      [
        ["/hide/1", "prompt", "secret_prompt"],
        ["/hide/2", "resource", undefined],
        ["/prompts/sumarize", "prompt", "summarize"],
        ["/prompts/review*", "prompt", undefined],
        ["/resources/file:~1~1~1etc~1passwd", "resource", undefined],
      ],
    );
  });

  it("checks only the kinds whose lists are known", () => {
    assert.deepEqual(findUnmatchedNames(policy, { tools: [] }), []);
    assert.deepEqual(
      findUnmatchedNames(policy, { prompts: live.prompts }).map((u) => u.pointer),
      ["/hide/1", "/prompts/sumarize", "/prompts/review*"],
    );
  });

  it("says what kind matched nothing", () => {
    const lines = findUnmatchedNames(policy, live).map(describeUnmatchedName);
    assert.equal(
      lines[0],
      '/hide/1: the policy hides "secret_promt", which matches no prompt the server lists; did you mean "secret_prompt"?',
    );
    assert.equal(
      lines[4],
      '/resources/file:~1~1~1etc~1passwd: the policy has a rule for "file:///etc/passwd", which matches no resource the server lists and no URI its templates can produce',
    );
  });
});
