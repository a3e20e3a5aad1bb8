import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { editDistance, suggestName } from "../../src/text/did-you-mean.js";

describe("did you mean", () => {
  it("counts insertions, deletions, substitutions and swapped neighbours as one edit each", () => {
    assert.equal(editDistance("hide", "hidden"), 2);
    assert.equal(editDistance("acton", "action"), 1);
    assert.equal(editDistance("aciton", "action"), 1);
    assert.equal(editDistance("deny_fi", "deny_if"), 1);
    assert.equal(editDistance("", "abc"), 3);
  });

  it("suggests the nearest known name for a near miss", () => {
    assert.equal(suggestName("hidden", ["version", "default", "hide", "tools"]), "hide");
    assert.equal(suggestName("acton", ["action", "reason", "limits"]), "action");
    assert.equal(suggestName("startsWith", ["eq", "neq", "regex", "contains"]), undefined);
  });

  it("treats a difference of case or separators as a near miss whatever the length", () => {
    assert.equal(suggestName("get_env", ["get-env", "echo", "add"]), "get-env");
    assert.equal(suggestName("listahoreadsets", ["ListAHOReadSets", "GetAHOReadSet"]), "ListAHOReadSets");
  });

  it("suggests nothing for a word far from every candidate, or for an exact match", () => {
    assert.equal(suggestName("frobnicate", ["echo", "add", "get-env"]), undefined);
    assert.equal(suggestName("echo", ["echo"]), undefined);
  });
});
