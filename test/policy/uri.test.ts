import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalisePattern, readUri } from "../../src/policy/uri.js";

// What the policy compares for a resource URI: the literal and the resolved
// reading. Every spelling a server resolves to the same file must land on the
// same resolved reading; what cannot be read one way is refused.

const readings = (uri: string) => {
  const read = readUri(uri);
  assert.ok(read.ok, `${uri}: ${!read.ok && read.why}`);
  return read;
};

describe("resource URI readings", () => {
  const credentials = "file:///home/me/.aws/credentials";

  it("resolves every spelling of one file to one resolved reading", () => {
    for (const spelling of [
      credentials,
      "FILE:///home/me/.aws/credentials",
      "file://localhost/home/me/.aws/credentials",
      "file://LOCALHOST/home/me/.aws/credentials",
      "file:/home/me/.aws/credentials",
      "file:///home/me//.aws/credentials",
      "file:///home/me/./.aws/credentials",
      "file:///home/me/x/../.aws/credentials",
      "file:///home/me/x/%2e%2e/.aws/credentials",
      "file:///home/me/x/%2E%2E/.aws/credentials",
      "file:///home/me/%2Eaws/credentials",
      "file:///home/me/%2e%61%77%73/credentials",
      "file:///home/me/.aws%2Fcredentials",
      "file:///home/me/.aws%2fcredentials",
      "file:///home/me%5C.aws%5Ccredentials",
      "file:///home/me\\.aws\\credentials",
      "file:///home/me/.aws/credentials/",
      "file:///home/me/.aws/credentials/.",
      "file:///home/me/.aws./credentials",
      "file:///home/me/.aws /credentials",
      "file:///home/me/.aws/credentials?version=2",
      "file:///home/me/.aws/credentials#top",
      "file:///../../home/me/.aws/credentials",
    ]) {
      assert.equal(readings(spelling).resolved, credentials, spelling);
    }
  });

  it("keeps the literal reading as written, apart from scheme, host, localhost and harmless escapes", () => {
    assert.equal(readings("FILE://LocalHost/a/%7Eb%20c").literal, "file:///a/~b c");
    assert.equal(readings("HTTPS://Example.COM/Docs/A").literal, "https://example.com/Docs/A");
    assert.equal(readings("file:///a/../b?q=%2f#x").literal, "file:///a/../b?q=%2F#x");
    assert.equal(readings("file:///a%2fb%3f%23%25").literal, "file:///a%2Fb%3F%23%25");
    assert.equal(readings("db://tables/a%2Fb").resolved, "db://tables/a/b");
    // Outside file:, servers that strip the scheme take the host for a path segment.
    assert.equal(readings("db://reports/../users").resolved, "db://users");
    assert.equal(readings("db://Reports/x/").resolved, "db://reports/x");
    assert.equal(readings("urn:isbn:0451450523").resolved, "urn:isbn:0451450523");
    assert.equal(readings("file:///caf%C3%A9").literal, "file:///café");
  });

  it("refuses what no reading can pin down", () => {
    for (const [uri, why] of [
      ["", /empty/],
      ["/home/me/.aws/credentials", /no scheme/],
      ["../.aws/credentials", /no scheme/],
      [" file:///a", /whitespace/],
      ["file:///a\n", /control/],
      ["file:///a\tb", /control/],
      ["file:///a%00.txt", /control/],
      ["file:///a%0A", /control/],
      ["file:///a%zz", /two hex digits/],
      ["file:///a%2", /two hex digits/],
      ["file:///a%252Fb", /twice/],
      ["file:///a%C3", /UTF-8/],
      ["file:///a%FF", /UTF-8/],
      ["file://evil.example/etc/passwd", /names the host/],
      ["file://home/me/.aws/credentials", /names the host/],
      ["file:////home/me/.aws/credentials", /network or device path/],
      ["file:home/me/.aws/credentials", /relative file path/],
      ["file:///a\ud800", /surrogate/],
      [`file:///${"a".repeat(9000)}`, /longer than/],
    ] as const) {
      const read = readUri(uri);
      assert.ok(!read.ok, uri);
      assert.match(read.why, why, uri);
    }
  });
});

describe("resource patterns", () => {
  it("are normalised like the literal reading", () => {
    assert.deepEqual(normalisePattern("FILE://localhost/home/me/%2Eaws/*"), { ok: true, text: "file:///home/me/.aws/*" });
    assert.deepEqual(normalisePattern("*"), { ok: true, text: "*" });
    // Requests are read with the drive as C: (uri-file.ts); a pattern written C| must be too, or it matches nothing resolved.
    assert.deepEqual(normalisePattern("file:///C|/Users/me/.aws/*"), { ok: true, text: "file:///C:/Users/me/.aws/*" });
    assert.deepEqual(normalisePattern("file:c|/x"), { ok: true, text: "file:///c:/x" });
    assert.deepEqual(normalisePattern("*/.ssh/*"), { ok: true, text: "*/.ssh/*" });
  });

  it("refuse what would never match a resolved reading", () => {
    for (const [pattern, why] of [
      ["file:///home/me/../me/.aws/*", /"\.\." segment/],
      ["file:///home/./me/*", /"\." or/],
      ["file:///home//me/*", /empty segment/],
      ["file:///home\\me", /backslash/],
      ["file:///home%2Fme", /encoded slash/],
      ["file://server/share/*", /names the host/],
      ["home/me/*", /no scheme/],
    ] as const) {
      const normal = normalisePattern(pattern);
      assert.ok(!normal.ok, pattern);
      assert.match(normal.why, why, pattern);
    }
  });
});
