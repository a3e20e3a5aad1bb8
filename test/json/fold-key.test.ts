import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it, type TestContext } from "node:test";
import { foldKey } from "../../src/json/fold-key.js";

// foldKey must make equal every two keys that a case-insensitive binder could
// confuse. Checked three ways: the cases Go's encoding/json is known for, the
// JavaScript engine's own /iu matching (ECMAScript's Unicode simple case
// folding) over every code point, and Perl's copy of CaseFolding.txt.

const MAX = 0x10ffff;
const isSurrogate = (cp: number) => cp >= 0xd800 && cp <= 0xdfff;
const char = (cp: number) => String.fromCodePoint(cp);
const escape = (cp: number) => `\\u{${cp.toString(16)}}`;

describe("foldKey", () => {
  it("folds the keys Go's encoding/json binds together", () => {
    assert.equal(foldKey("param\u017f"), foldKey("params"));
    assert.equal(foldKey("argument\u017f"), foldKey("arguments"));
    assert.equal(foldKey("buc\u212aet"), foldKey("bucket"));
    assert.equal(foldKey("\u212bngstr\u00f6m"), foldKey("\u00c5NGSTR\u00d6M"));
    assert.equal(foldKey("stra\u1e9ee"), foldKey("stra\u00dfe"));
    assert.equal(foldKey("\u01c4"), foldKey("\u01c5"));
    assert.equal(foldKey("\u01c5"), foldKey("\u01c6"));
    assert.equal(foldKey("Bucket"), foldKey("bUCKET"));
    assert.equal(foldKey("\u{10400}"), foldKey("\u{10428}"), "astral letters (Deseret) fold too");
  });

  it("folds the Turkish dotted and dotless i with i, as Java and .NET do", () => {
    assert.equal(foldKey("\u0130d"), foldKey("id"));
    assert.equal(foldKey("\u0131d"), foldKey("ID"));
  });

  it("keeps apart what no binder folds", () => {
    assert.notEqual(foldKey("name"), foldKey("nam\u0435"), "Cyrillic e is another letter");
    assert.notEqual(foldKey("ss"), foldKey("\u00df"), "simple folding does not expand sharp s");
    assert.notEqual(foldKey("a"), foldKey("\u00e1"));
  });

  it("makes equal every two code points the engine's /iu matching (simple case folding) makes equal", () => {
    // Classes of more than one code point, by the engine: members that match each other under /iu.
    const folded = new Map<string, number[]>();
    for (let cp = 0; cp <= MAX; cp++) {
      if (isSurrogate(cp)) continue;
      const f = foldKey(char(cp));
      if (f === char(cp)) continue;
      const group = folded.get(f) ?? [];
      group.push(cp);
      folded.set(f, group);
    }
    const changed = new Set([...folded.values()].flat());
    for (const f of folded.keys()) for (const cp of f) changed.add(cp.codePointAt(0) as number);
    // A class of every code point whose fold is itself and that no other code point folds onto.
    const ranges: string[] = [];
    let start = -1;
    for (let cp = 0; cp <= MAX + 1; cp++) {
      const plain = cp <= MAX && !isSurrogate(cp) && !changed.has(cp);
      if (plain && start < 0) start = cp;
      if (!plain && start >= 0) {
        ranges.push(start === cp - 1 ? escape(start) : `${escape(start)}-${escape(cp - 1)}`);
        start = -1;
      }
    }
    const plainClass = new RegExp(`^[${ranges.join("")}]$`, "iu");
    const leaks = [...changed].filter((cp) => plainClass.test(char(cp)));
    assert.deepEqual(leaks, [], "a code point the fold changes is /iu-equal to one it leaves alone");
    // Each fold class, as a character class under /iu, must match exactly its own members among all the changed code points.
    const all = [...changed].map(char).join("");
    const split = [...folded].flatMap(([f, group]) => {
      const members = new Set([...group, ...[...f].map((c) => c.codePointAt(0) as number)]);
      const matched = [...all.matchAll(new RegExp(`[${[...members].map(escape).join("")}]`, "giu"))].map(
        (m) => m[0].codePointAt(0) as number,
      );
      return matched.filter((cp) => !members.has(cp)).map((cp) => `${escape(cp)} ~ ${f}`);
    });
    assert.deepEqual(split, [], "two /iu-equal code points fold apart");
  });

  it("makes equal every pair in Perl's copy of CaseFolding.txt (simple and common mappings)", (t: TestContext) => {
    const perl = spawnSync(
      "perl",
      [
        "-MUnicode::UCD=all_casefolds",
        "-e",
        'my $h = all_casefolds(); for (keys %$h) { print "$_ ", hex($h->{$_}{simple}), "\\n" if length $h->{$_}{simple} }',
      ],
      { encoding: "utf8" },
    );
    if (perl.error || /Can't locate/.test(perl.stderr)) {
      if (process.env.CI === "true") assert.fail(`perl with Unicode::UCD is needed: ${String(perl.error ?? perl.stderr)}`);
      t.skip("perl with Unicode::UCD is not installed (Debian package perl)");
      return;
    }
    assert.equal(perl.status, 0, perl.stderr);
    const pairs = perl.stdout.trim().split("\n");
    assert.ok(pairs.length > 1400, "the table is there");
    const apart = pairs.filter((pair) => {
      const [from, to] = pair.split(" ").map(Number) as [number, number];
      return foldKey(char(from)) !== foldKey(char(to));
    });
    assert.deepEqual(apart, []);
  });
});
