import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classifyMessage, findCaseVariantKey, findGovernedVariant, governedVariantFinder } from "../../src/jsonrpc/message.js";
import { Random, SEED } from "../helpers/random.js";

describe("message guards", () => {
  it("finds keys a case-folding binder would read as a known one, ſ and K included", () => {
    const known = ["name", "arguments", "_meta", "task"];
    assert.equal(findCaseVariantKey({ name: "a", arguments: {} }, known), undefined);
    assert.equal(findCaseVariantKey({ name: "a", Name: "b" }, known), "Name");
    assert.equal(findCaseVariantKey({ name: "a", "argument\u017f": {} }, known), "argument\u017f");
    assert.equal(findCaseVariantKey({ taſk: {} }, known), "ta\u017fk");
    assert.equal(findCaseVariantKey({ other: 1 }, known), undefined);
  });

  it("refuses an envelope with a folded variant of an envelope key", () => {
    const message = classifyMessage({ jsonrpc: "2.0", id: 1, method: "tools/call", params: {}, "param\u017f": {} });
    assert.equal(message.kind, "invalid");
  });

  it("names the governed method a lenient dispatcher could take another spelling for", () => {
    const governed = ["initialize", "tools/list", "tools/call"];
    assert.equal(findGovernedVariant("tools/call", governed), undefined);
    assert.equal(findGovernedVariant("ping", governed), undefined);
    for (const spelling of ["Tools/Call", "TOOLS/CALL", " tools/call", "tools/call\t", "tools/call\u0000junk", "tool\u017f/li\u017ft"]) {
      assert.ok(findGovernedVariant(spelling, governed), JSON.stringify(spelling));
    }
  });

  it("answers as findGovernedVariant does when the governed set is fixed in advance (the relay's fast path)", () => {
    const governed = [
      "initialize",
      "tools/list",
      "tools/call",
      "resources/list",
      "resources/read",
      "resources/subscribe",
      "resources/templates/list",
      "prompts/list",
      "prompts/get",
      "completion/complete",
      "logging/setLevel",
    ];
    const find = governedVariantFinder(governed);
    const random = new Random(SEED);
    // Spellings a lenient dispatcher folds together, and random damage that mostly does not fold back.
    const folds: Record<string, string[]> = { s: ["S", "\u017f"], k: ["K", "\u212a"], i: ["I", "\u0130"], t: ["T"], c: ["C"], l: ["L"] };
    const padding = ["", " ", "\t", "\n", "\u0000", "\u0000junk", "x", "/"];
    const respell = (name: string): string => {
      let out = "";
      for (const char of name) {
        const options = folds[char];
        if (random.chance(0.05)) continue;
        out += options && random.chance(0.4) ? random.pick(options) : random.chance(0.03) ? random.pick(padding) : char;
      }
      return `${random.chance(0.2) ? random.pick(padding) : ""}${out}${random.chance(0.3) ? random.pick(padding) : ""}`;
    };
    let variants = 0;
    let others = 0;
    for (let i = 0; i < 20_000; i++) {
      const method = random.chance(0.1) ? random.pick(governed) : respell(random.pick(governed));
      const expected = findGovernedVariant(method, governed);
      if (expected !== undefined) variants++;
      else others++;
      assert.equal(find(method), expected, `seed ${SEED}, method ${JSON.stringify(method)}`);
    }
    assert.ok(variants > 2000 && others > 2000, `the cases include both variants (${variants}) and other methods (${others})`);
    // A set where two governed names share a loose form: the first other than the method wins, in order.
    const twins = governedVariantFinder(["a/b", "A/B", "c"]);
    for (const method of ["a/b", "A/B", "a/B", " A/b ", "c", "C", "d"])
      assert.equal(twins(method), findGovernedVariant(method, ["a/b", "A/B", "c"]), JSON.stringify(method));
  });
});
