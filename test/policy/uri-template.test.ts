import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePolicy } from "../../src/policy/parse-policy.js";
import { isTemplateVisible, refusedTemplate } from "../../src/policy/template-visibility.js";
import type { CompiledPolicy } from "../../src/policy/types.js";
import { shortestShared, templateItems } from "../../src/policy/uri-template.js";

// A URI template is listed when some URI it can produce would be allowed;
// completion values are kept only when the URI they produce could be read.

function compile(document: object): CompiledPolicy {
  const result = parsePolicy(JSON.stringify({ version: "1", default: "allow", ...document }));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return result.policy;
}

const chars = (text: string) => templateItems(text.replaceAll("*", "{x}"));

describe("shortest shared text of two globs", () => {
  it("finds the shortest text both match, or none", () => {
    assert.equal(shortestShared(chars("a*c"), chars("*b*")), "abc");
    assert.equal(shortestShared(chars("file:///*"), chars("file:///srv/public/*")), "file:///srv/public/");
    assert.equal(shortestShared(chars("x*"), chars("y*")), undefined);
    assert.equal(shortestShared(chars("db://*/x"), chars("db://a*")), "db://a/x");
  });
});

describe("templates", () => {
  const dotfiles = compile({
    hide: ["resource:file:///home/me/.ssh/*"],
    resources: { "file:///home/me/.aws/*": { action: "deny" } },
  });

  it("lists a template that can produce an allowed URI, and hides one that can only produce refused ones", () => {
    assert.equal(isTemplateVisible(dotfiles, "file:///home/me/{+path}"), true);
    assert.equal(isTemplateVisible(dotfiles, "file:///home/me/.aws/{file}"), false);
    assert.equal(isTemplateVisible(dotfiles, "FILE://localhost/home/me/.aws/{file}"), false);
    assert.equal(isTemplateVisible(dotfiles, "file:///home/me/.ssh/{key}{?version}"), false);
    assert.equal(isTemplateVisible(dotfiles, "file:///home/me/.aws"), false, "a template without expressions is its one URI");
    const refusal = refusedTemplate(dotfiles, "file:///home/me/.aws/{file}");
    assert.equal(refusal?.cause, "rule");
    assert.equal(refusal?.rule, "/resources/file:~1~1~1home~1me~1.aws~1*");
  });

  it("under an allow-list, lists exactly the templates that can reach an allowed URI", () => {
    const allowList = compile({ default_resources: "deny", resources: { "file:///srv/public/*": {}, "db://reports/*": {} } });
    assert.equal(isTemplateVisible(allowList, "file:///{+path}"), true);
    assert.equal(isTemplateVisible(allowList, "{+uri}"), true);
    assert.equal(isTemplateVisible(allowList, "db://{table}/{row}"), true);
    assert.equal(isTemplateVisible(allowList, "file:///home/{user}/x"), false);
    assert.equal(isTemplateVisible(allowList, "https://example.com/{page}"), false);
  });

  it("keeps a completion value only when the URI it produces, as written and percent-encoded, could be read", () => {
    const template = "file:///home/me/{+path}";
    const keeps = (value: string, known: Record<string, string> = {}) =>
      isTemplateVisible(dotfiles, template, { ...known, path: value }) &&
      isTemplateVisible(dotfiles, template, { ...known, path: encodeURIComponent(value) });
    assert.equal(keeps("notes.txt"), true);
    for (const value of [".aws/credentials", ".aws", "x/../.aws/config", "%2Eaws/credentials", ".AWS/credentials", ".ssh/id_ed25519"]) {
      assert.equal(keeps(value), false, value);
    }
    const twoVariables = "file:///home/{user}/{+path}";
    assert.equal(isTemplateVisible(dotfiles, twoVariables, { user: "me", path: ".aws/credentials" }), false);
    assert.equal(isTemplateVisible(dotfiles, twoVariables, { path: ".aws/credentials" }), true, "another user's .aws is not protected");
  });

  it("refuses a template or value holding the character that stands for an expression inside the judge", () => {
    const allowList = compile({ default_resources: "deny", resources: { "file:///srv/public/*": {} } });
    // U+E000 marks an expression while a template is judged; in a client's or server's text it is a character like any other.
    assert.equal(isTemplateVisible(allowList, "file:///srv/{x}", { x: "\uE000" }), false, "file:///srv/\uE000 is refused");
    assert.equal(isTemplateVisible(allowList, "file:///srv/pub\uE000lic/{x}"), false, "not file:///srv/public/");
    assert.equal(isTemplateVisible(allowList, "file:///srv/{x}", { x: "public/a" }), true);
    const refusal = refusedTemplate(allowList, "file:///srv/public/\uE000{x}");
    assert.equal(refusal?.cause, "uri");
    assert.match(refusal?.reason ?? "", /U\+E000/);
  });

  it("lists every template while the policy says nothing about resources", () => {
    const plain = compile({ default: "deny" });
    assert.equal(isTemplateVisible(plain, "{anything}"), true);
    assert.equal(isTemplateVisible(plain, "not a uri {x}"), true);
  });
});
