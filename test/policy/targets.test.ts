import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compilePolicy } from "../../src/policy/compile-policy.js";
import { parsePolicy } from "../../src/policy/parse-policy.js";
import { evaluate, isVisible, type Decision } from "../../src/policy/evaluate.js";
import type { TargetKind } from "../../src/policy/target.js";
import type { CompiledPolicy, PolicyDocument } from "../../src/policy/types.js";

// One evaluator for tools, resources and prompts: the same specificity, the
// same causes, and for resources and prompts every reading of the name judged
// (uri.ts, match-target.ts), the strictest verdict kept.

function compile(document: object): CompiledPolicy {
  const result = compilePolicy(document as PolicyDocument);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return result.policy;
}

const decide = (policy: CompiledPolicy, kind: TargetKind, name: string, args: unknown = {}): Decision =>
  evaluate(policy, { kind, name, arguments: args });

describe("resources", () => {
  const dotfiles = compile({
    version: "1",
    default: "allow",
    resources: {
      "file:///home/me/.aws/*": { action: "deny", reason: "Cloud credentials stay on this machine." },
      "file:///home/me/.ssh/*": { action: "deny" },
      "file:///home/me/.ssh/known_hosts": {},
      "file:///home/me/projects/*": { action: "require_approval" },
    },
  });

  it("denies every spelling of a protected file, with the rule's reason", () => {
    for (const uri of [
      "file:///home/me/.aws/credentials",
      "FILE://LOCALHOST/home/me/.aws/credentials",
      "file:///home/me/x/%2e%2e/.aws/credentials",
      "file:///home/me/%2Eaws/credentials",
      "file:///home/me/.aws%2Fcredentials",
      "file:///home/me\\.aws\\credentials",
      "file:///home/me//.aws//credentials",
      "file:///home/me/.aws./credentials",
      "file:///home/me/.aws/credentials?raw=1",
      "file:///home/me/.aws/credentials#x",
      "file:///home/me/.aws",
      "file:///home/me/.aws/",
      "file:///home/me/.aws/sso/cache/token.json",
      // Case-insensitive file systems (macOS, Windows) read these as the same file.
      "file:///home/me/.AWS/credentials",
      "file:///HOME/ME/.Aws/Credentials",
      "file:///home/me/\uff0eaws/credentials",
    ]) {
      const decision = decide(dotfiles, "resource", uri);
      assert.equal(decision.outcome, "deny", uri);
      assert.equal(decision.outcome === "deny" && decision.reason, "Cloud credentials stay on this machine.", uri);
      assert.equal(decision.outcome === "deny" && decision.rule, "/resources/file:~1~1~1home~1me~1.aws~1*", uri);
      assert.equal(isVisible(dotfiles, { kind: "resource", name: uri }), false, uri);
    }
  });

  it("lets the neighbours of a protected folder through", () => {
    for (const uri of [
      "file:///home/me/.awsome",
      "file:///home/me/notes.txt",
      "file:///home/me/.aws-notes/a",
      "test://static/resource/1",
    ]) {
      assert.equal(decide(dotfiles, "resource", uri).outcome, "allow", uri);
    }
  });

  it("lets an exact rule beat a glob, and says which rule decided", () => {
    const decision = decide(dotfiles, "resource", "file:///home/me/.ssh/known_hosts");
    assert.deepEqual(decision, {
      outcome: "allow",
      target: { kind: "resource", name: "file:///home/me/.ssh/known_hosts" },
      rule: "/resources/file:~1~1~1home~1me~1.ssh~1known_hosts",
      limits: [],
      needsApproval: false,
    });
    const other = decide(dotfiles, "resource", "file:///home/me/.ssh/id_ed25519");
    assert.equal(other.outcome === "deny" && other.reason, 'Resource "file:///home/me/.ssh/id_ed25519" is denied by policy.');
  });

  it("asks for approval where the rule says so", () => {
    const decision = decide(dotfiles, "resource", "file:///home/me/projects/a.md");
    assert.equal(decision.outcome === "allow" && decision.needsApproval, true);
  });

  const allowList = compile({
    version: "1",
    default: "allow",
    default_resources: "deny",
    resources: { "file:///srv/public/*": {}, "db://reports/*": {} },
  });

  it("keeps an allow-list closed against traversal out of the allowed folder", () => {
    for (const uri of [
      "file:///srv/public/../secret/key",
      "file:///srv/public/%2e%2e/secret/key",
      "file:///srv/public%2F..%2F..%2Fetc/passwd",
      "file:///srv/public/..\\..\\etc\\passwd",
      "file:///srv/publicity/x",
      "db://reports/../users",
      "db://reports%2F..%2Fusers",
    ]) {
      const decision = decide(allowList, "resource", uri);
      assert.equal(decision.outcome === "deny" && decision.cause, "default", uri);
    }
    for (const uri of ["file:///srv/public/index.html", "file:///srv/public/a/b/c.txt", "FILE:///srv/public/x", "db://reports/2026"]) {
      assert.equal(decide(allowList, "resource", uri).outcome, "allow", uri);
    }
  });

  it("refuses a URI it cannot read when the policy governs resources, and passes it when it does not", () => {
    const decision = decide(allowList, "resource", "file://evil/srv/public/x");
    assert.equal(decision.outcome === "deny" && decision.cause, "uri");
    assert.match(
      decision.outcome === "deny" ? decision.reason : "",
      /cannot be checked against the policy: it is a file URI that names the host "evil"/,
    );
    const ungoverned = compile({ version: "1", default: "deny" });
    assert.equal(decide(ungoverned, "resource", "file://evil/x").outcome, "allow");
    assert.equal(decide(ungoverned, "resource", "anything at all").outcome, "allow");
    assert.equal(isVisible(ungoverned, { kind: "resource", name: "no scheme" }), true);
    assert.equal(isVisible(allowList, { kind: "resource", name: "no scheme" }), false);
  });

  it("refuses patterns that would never match, and keys that name one URI twice or differ only in case", () => {
    const problems = (resources: object) => {
      const result = compilePolicy({ version: "1", default: "allow", resources } as PolicyDocument);
      assert.ok(!result.ok);
      return result.problems.map((p) => `${p.pointer}: ${p.message}`);
    };
    assert.match(problems({ "file:///a/../b": {} })[0] as string, /^\/resources\/file:~1~1~1a~1..~1b: resource URI or pattern .* segment/);
    assert.match(problems({ "file:///{path}": {} })[0] as string, /write \* where the template has/);
    assert.match(problems({ "file:///a": {}, "FILE:///a": { action: "deny" } })[0] as string, /names the same URI as "file:\/\/\/a"/);
    assert.match(problems({ "file:///a": {}, "file:///A": { action: "deny" } })[0] as string, /differs from "file:\/\/\/a" only in case/);
  });
});

describe("prompts", () => {
  const policy = compile({
    version: "1",
    default: "deny",
    default_prompts: "allow",
    prompts: {
      secret_prompt: { action: "deny", reason: "Not for agents." },
      "deploy*": {
        deny_if: [{ conditions: [{ path: "args.env", op: "eq", value: "prod" }], on_deny: "No prompts for prod." }],
        rate_limit: { max: 2, window: "minute" },
      },
      review: { action: "require_approval", limits: [{ counter: "reviews", window: "hour", max: 5 }] },
    },
  });

  it("denies a prompt by name, and every spelling that differs only in case or Unicode form", () => {
    for (const name of ["secret_prompt", "Secret_Prompt", "SECRET_PROMPT", "ｓｅｃｒｅｔ_prompt", "ſecret_prompt"]) {
      const decision = decide(policy, "prompt", name);
      assert.equal(decision.outcome === "deny" && decision.reason, "Not for agents.", name);
      assert.equal(isVisible(policy, { kind: "prompt", name }), false, name);
    }
  });

  it("judges prompt arguments with the lax readings, and counts each prompt under prompt:<folded name>", () => {
    for (const env of ["prod", '"prod"', "PROD".toLowerCase()]) {
      const decision = decide(policy, "prompt", "deploy_app", { env });
      assert.equal(decision.outcome === "deny" && decision.reason, "No prompts for prod.", env);
    }
    const allowed = decide(policy, "prompt", "deploy_app", { env: "dev" });
    assert.ok(allowed.outcome === "allow");
    assert.deepEqual(
      allowed.limits.map((l) => [l.counter, l.max]),
      [["prompt:deploy_app", 2]],
    );
    // A case variant hits the same rule and the same counter.
    const variant = decide(policy, "prompt", "DEPLOY_APP", { env: "prod" });
    assert.equal(variant.outcome === "deny" && variant.cause, "condition");
    const variantAllowed = decide(policy, "prompt", "Deploy_App", { env: "dev" });
    assert.deepEqual(variantAllowed.outcome === "allow" && variantAllowed.limits.map((l) => l.counter), ["prompt:deploy_app"]);
  });

  it("carries approval and limits from a folded reading", () => {
    const decision = decide(policy, "prompt", "Review");
    assert.ok(decision.outcome === "allow");
    assert.equal(decision.needsApproval, true);
    assert.deepEqual(
      decision.limits.map((l) => l.counter),
      ["reviews"],
    );
  });

  it("leaves tools exact: a case variant of a tool rule is another tool", () => {
    const tools = compile({ version: "1", default: "allow", tools: { delete_all: { action: "deny" } } });
    assert.equal(decide(tools, "tool", "delete_all").outcome, "deny");
    assert.equal(decide(tools, "tool", "Delete_All").outcome, "allow");
  });

  it("keeps a tool's and a prompt's shorthand counters apart", () => {
    const both = compile({
      version: "1",
      default: "allow",
      tools: { summarize: { rate_limit: { max: 1, window: "minute" } } },
      prompts: { summarize: { rate_limit: { max: 5, window: "hour" } } },
    });
    const tool = decide(both, "tool", "summarize");
    const prompt = decide(both, "prompt", "summarize");
    assert.deepEqual(tool.outcome === "allow" && tool.limits.map((l) => l.counter), ["summarize"]);
    assert.deepEqual(prompt.outcome === "allow" && prompt.limits.map((l) => l.counter), ["prompt:summarize"]);
  });
});

describe("validating resource and prompt sections", () => {
  it("reports every problem of the new sections in one pass, with line and column", () => {
    const text = [
      "{",
      '  "version": "1",',
      '  "default": "allow",',
      '  "default_resources": "block",',
      '  "hide": ["resource:file:///a/../b", "prompt:bad name"],',
      '  "resources": { "file:///x/{y}": {}, "file:///a": { "limits": [] }, "file:///A": {} },',
      '  "prompts": { "p": { "arguments": {} }, "": {} }',
      "}",
    ].join("\n");
    const result = parsePolicy(text);
    assert.ok(!result.ok);
    assert.deepEqual(
      result.problems.map((p) => `${p.line}:${p.column}: ${p.message}`),
      [
        '4:24: default_resources must be "allow" or "deny", not "block"',
        '5:12: pattern "resource:file:///a/../b" contains a "." or ".." segment: write the path it resolves to',
        '5:39: pattern "prompt:bad name" contains whitespace, which no prompt name has',
        '6:35: resource URI or pattern "file:///x/{y}" uses { }: rules match the URIs a template produces; write * where the template has {...}',
        '6:64: unknown field "limits" (fields here: action, reason, description)',
        '6:83: "file:///A" differs from "file:///a" only in case or Unicode form: a server that ignores case could not tell them apart; keep one',
        '7:36: unknown field "arguments" (fields here: action, reason, limits, rate_limit, require, deny_if, description)',
        "7:46: a prompt name must not be empty",
      ],
    );
  });
});
