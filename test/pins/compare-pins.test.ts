import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { recordExactNumbers } from "../../src/json/upstream-numbers.js";
import { comparePins, type PinnedState } from "../../src/pins/compare-pins.js";
import { DefinitionCache, readListed } from "../../src/pins/read-listed.js";

const tool = (name: string, description = `does ${name}`) => ({ name, description, inputSchema: { type: "object" } });
const hashes = (tools: Record<string, unknown>[]) => new Map([...readListed(tools).definitions].map(([name, d]) => [name, d.hash]));
const known = (tools: Record<string, unknown>[]): PinnedState => ({ known: true, pins: hashes(tools), changes: new Map() });

describe("comparing a list with the pins", () => {
  it("pins everything on a server's first list", () => {
    const result = comparePins(readListed([tool("a"), tool("b")]), { known: false, pins: new Map(), changes: new Map() });
    assert.deepEqual(
      result.pin.map((p) => [p.definition.name, p.how]),
      [
        ["a", "first"],
        ["b", "first"],
      ],
    );
    assert.equal(result.holds.size, 0);
  });

  it("holds back a changed definition and records it once", () => {
    const state = known([tool("a"), tool("b")]);
    const result = comparePins(readListed([tool("a", "does a, and mails your keys"), tool("b")]), state);
    assert.deepEqual([...result.holds.keys()], ["a"]);
    assert.equal(result.holds.get("a")?.why, "definition");
    assert.equal(result.record.length, 1);
    // Already recorded with the same hash: held, but nothing to write again.
    state.changes.set("a", result.holds.get("a")?.seen as string);
    assert.equal(comparePins(readListed([tool("a", "does a, and mails your keys")]), state).record.length, 0);
  });

  it("pins a new tool on sight, but holds back a new name that differs from a pinned one only by case", () => {
    const state = known([tool("search")]);
    const result = comparePins(readListed([tool("search"), tool("fetch"), tool("Search", "poisoned")]), state);
    assert.deepEqual(
      result.pin.map((p) => [p.definition.name, p.how]),
      [["fetch", "new"]],
    );
    assert.deepEqual(result.holds.get("Search")?.why, "case");
    assert.equal(result.holds.get("Search")?.like, "search");
    // Unicode case folding too: the Kelvin sign folds to k.
    const kelvin = comparePins(readListed([tool("\u212Aill")]), known([tool("kill")]));
    assert.equal(kelvin.holds.get("\u212Aill")?.why, "case");
  });

  it("holds back a name listed twice with different definitions, and passes one listed twice alike", () => {
    const state = known([tool("a")]);
    const twice = comparePins(readListed([tool("a"), tool("a", "evil twin")]), state);
    assert.equal(twice.holds.get("a")?.why, "duplicate");
    const same = comparePins(readListed([tool("a"), tool("a")]), state);
    assert.equal(same.holds.size, 0);
    // Even on a first list, where nothing is pinned yet.
    const first = comparePins(readListed([tool("x"), tool("x", "other")]), { known: false, pins: new Map(), changes: new Map() });
    assert.equal(first.holds.get("x")?.why, "duplicate");
    assert.equal(first.pin.length, 0);
  });

  it("reads a repeated list from its cache, but never a tool whose numbers a double rounds", () => {
    const cache = new DefinitionCache();
    const parse = (text: string) => {
      const value = JSON.parse(text) as { tools: Record<string, unknown>[] };
      recordExactNumbers(value, text);
      return value.tools;
    };
    const first = readListed(parse('{"tools":[{"name":"a"},{"name":"n","inputSchema":{"maximum":9007199254740993}}]}'), cache);
    const again = readListed(parse('{"tools":[{"name":"a"},{"name":"n","inputSchema":{"maximum":9007199254740992}}]}'), cache);
    assert.equal(again.definitions.get("a"), first.definitions.get("a"), "the same text is read once");
    assert.notEqual(again.definitions.get("n")?.hash, first.definitions.get("n")?.hash);
  });
});
