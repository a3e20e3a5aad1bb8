import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compilePolicy } from "../../src/policy/compile-policy.js";
import { evaluate } from "../../src/policy/evaluate.js";
import type { CompiledPolicy, PolicyDocument } from "../../src/policy/types.js";
import { readUri } from "../../src/policy/uri.js";

// Spellings of a protected resource that some reader upstream opens as the
// protected resource itself: a URL library (Node's WHATWG URL, pydantic's
// AnyUrl, which is the Rust url crate), a server that strips `file://` and
// resolves the rest as a path (query and fragment included), Windows (drive
// letters written `C|`, UNC and device paths, alternate data streams, short
// names) and macOS's HFS+ (which ignores some invisible characters). Each
// must be refused by a deny rule and by an allow-list; none may reach the
// upstream as an allowed read.

function compile(document: object): CompiledPolicy {
  const result = compilePolicy({ version: "1", default: "allow", ...document } as PolicyDocument);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return result.policy;
}

const denyList = compile({
  resources: {
    "file:///home/me/.aws/*": { action: "deny" },
    "file:///home/me/.gitconfig": { action: "deny" },
    "file:///C:/Users/me/.aws/*": { action: "deny" },
    "https://internal.corp/*": { action: "deny" },
    "http://127.0.0.1/*": { action: "deny" },
  },
});
const allowList = compile({
  default_resources: "deny",
  resources: { "file:///srv/public/*": {}, "https://example.com/docs/*": {} },
});

const outcome = (policy: CompiledPolicy, uri: string) => evaluate(policy, { kind: "resource", name: uri, arguments: {} }).outcome;

function assertRefused(policy: CompiledPolicy, uris: string[]): void {
  const passed = uris.filter((uri) => outcome(policy, uri) !== "deny");
  assert.deepEqual(passed, [], "allowed, though a reader upstream opens them as a refused resource");
}

describe("resource URIs as the readers upstream open them", () => {
  it("resolves dot segments that follow a ? or #, as a server that strips file:// and opens the rest does", () => {
    assertRefused(denyList, [
      "file:///home/me/x#/../.aws/credentials",
      "file:///home/me/x?/../.aws/credentials",
      "file:///home/me/x?a#/../../me/.aws/credentials",
      "file:///home/me/x?/..%2F.aws%2Fcredentials",
    ]);
    assertRefused(allowList, ["file:///srv/public/a#/../../secret", "file:///srv/public/a?/../../../etc/passwd"]);
  });

  it("reads the authority as a URL library does: userinfo, default or empty port, slashes and IPv4 forms", () => {
    assertRefused(denyList, [
      "https://x@internal.corp/secret",
      "https://x:y@internal.corp/secret",
      "https://internal.corp:443/secret",
      "https://internal.corp:/secret",
      "https:internal.corp/secret",
      "https:/internal.corp/secret",
      "https:///internal.corp/secret",
      "https:\\\\internal.corp/secret",
      "https://ｉｎｔｅｒｎａｌ.corp/secret",
      "http://0x7f.0.0.1/admin",
      "http://2130706433/admin",
      "http://127.1/admin",
      "http://0177.0.0.1/admin",
    ]);
  });

  it("reads a Windows drive written C| as C:", () => {
    assertRefused(denyList, [
      "file:///C|/Users/me/.aws/credentials",
      "file:/C|/Users/me/.aws/credentials",
      "file:///c|/users/me/.AWS/credentials",
    ]);
  });

  it("resolves dot segments again after Unicode normalisation (fullwidth solidus, one-dot leaders)", () => {
    assertRefused(denyList, [
      "file:///home/me/x\uFF0F\uFF0E\uFF0E\uFF0F.aws/credentials",
      "file:///home/me/x/\u2024\u2024/.aws/credentials",
    ]);
  });

  it("ignores the invisible characters HFS+ ignores in file names", () => {
    assertRefused(denyList, [
      "file:///home/me/.a\u200Cws/credentials",
      "file:///home/me/.aw\u200Ds/credentials",
      "file:///home/me/.\uFEFFaws/credentials",
      "file:///home/me/.git\u206Aconfig",
      "file:///home/me/.a%E2%80%8Cws/credentials",
    ]);
  });

  it("refuses a file URI whose path is a UNC or Windows device path (another machine, or any file by another name)", () => {
    for (const uri of [
      "file:////localhost/C$/Users/me/.aws/credentials",
      "file://///127.0.0.1/C$/Users/me/.aws/credentials",
      "file:///\\\\?\\C:\\Users\\me\\.aws\\credentials",
      "file:///%5C%5C.%5CC:%5CUsers%5Cme%5C.aws%5Ccredentials",
      "file:////home/me/.aws/credentials",
    ]) {
      const read = readUri(uri);
      assert.ok(!read.ok, uri);
      assert.match(read.why, /network or device path/, uri);
    }
  });

  it("refuses a file path a server would resolve against its own folder or a home folder", () => {
    for (const uri of [
      "file:.aws/credentials",
      "file:../me/.aws/credentials",
      "file:home/me/.aws/credentials",
      "file:%2Ehome/x",
      "file:~/.aws/credentials",
      "file:///~/.aws/credentials",
      "file:///%7E/.aws/credentials",
      "file:///~me/.aws/credentials",
      "file://localhost/~/.aws/credentials",
    ]) {
      const read = readUri(uri);
      assert.ok(!read.ok, uri);
      assert.match(read.why, /relative|home folder/, uri);
    }
    assert.equal(outcome(denyList, "file:C:/Users/me/.aws/credentials"), "deny", "a drive is absolute");
    assert.equal(outcome(allowList, "file:/srv/public/a.txt"), "allow");
    assert.equal(outcome(allowList, "file:///srv/public/notes~1/../a.txt"), "deny");
  });

  it("drops NTFS stream suffixes, and refuses Windows short (8.3) names, which open another name's file", () => {
    assertRefused(denyList, [
      "file:///home/me/.gitconfig::$DATA",
      "file:///home/me/.gitconfig:$DATA",
      "file:///home/me/.aws:$I30:$INDEX_ALLOCATION/credentials",
      "file:///C:/Users/me/.aws::$INDEX_ALLOCATION/credentials",
      "file:///C:/Users/me/.aws/credentials::$DATA",
    ]);
    const short = readUri("file:///C:/Users/me/AWS~1/credentials");
    assert.ok(!short.ok);
    assert.match(short.why, /short \(8\.3\) name/);
    assert.equal(outcome(allowList, "file:///srv/public/report.txt"), "allow", "an ordinary name is no short name");
    assert.equal(outcome(allowList, "file:///srv/public/notes~draft.txt"), "allow");
  });

  it("refuses double encoding however it is spelled, the %25 itself followed by encoded hex digits included", () => {
    for (const uri of [
      "file:///home/me/%25%32%45aws/credentials",
      "file:///home/me/%25%32e%61ws/credentials",
      "file:///home/me/%25%32%65aws",
    ]) {
      const read = readUri(uri);
      assert.ok(!read.ok, uri);
      assert.match(read.why, /twice/, uri);
    }
  });

  it("refuses bidirectional formatting characters, which RFC 3987 forbids in IRIs, written or encoded", () => {
    for (const uri of ["file:///home/me/\u202Etxt.exe", "file:///home/me/%E2%80%AEtxt.exe", "file:///home/me/a\u2067b"]) {
      const read = readUri(uri);
      assert.ok(!read.ok, uri);
      assert.match(read.why, /bidirectional/, uri);
    }
  });

  it("still allows the URIs an allow-list names, in their plain spellings", () => {
    for (const uri of [
      "file:///srv/public/a.txt",
      "file:///srv/public/dir/a.txt?version=2",
      "file:///srv/public/a.txt#top",
      "https://example.com/docs/index.html",
      "https://example.com/docs/search?q=a/b",
      "https://EXAMPLE.com/docs/x",
    ]) {
      assert.equal(outcome(allowList, uri), "allow", uri);
    }
    assert.equal(outcome(denyList, "file:///home/me/notes.txt"), "allow");
    assert.equal(outcome(denyList, "https://example.com/x"), "allow");
    assert.equal(outcome(denyList, "file:///C:/Users/me/notes.txt"), "allow");
  });
});
