import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePolicy } from "../../src/policy/parse-policy.js";
import { checkAgainstSchema, lastSchemaErrors, refusedParts } from "../../src/policy/schema.js";
import { standInDocument } from "../../src/policy/stand-in-document.js";

// One-pass reporting compiles a stand-in for a document the schema refused.
// Whatever is wrong where, the stand-in must pass the schema (or the compile
// problems would go unreported), and no broken document may ever load.

const FULL = {
  $schema: "../schema/policy.schema.json",
  description: "every field",
  version: "1",
  default: "allow",
  hide: ["*Secret*", "get-env"],
  all_tools: { limits: [{ counter: "all", window: 3600, max: 1000, scope: "session" }], description: "d" },
  tools: {
    A: {
      action: "require_approval",
      reason: "r",
      limits: [{ counter: "a", window: "day", max: 5, description: "d" }],
      rate_limit: { max: 10, window: 60 },
      require: [{ conditions: [{ path: "args.x", op: "exists", value: true }], on_deny: "x" }],
      deny_if: [
        {
          conditions: [
            { path: "args", op: "contains", value: "y" },
            { path: "args.s", op: "regex", value: "^a" },
          ],
        },
      ],
      arguments: { type: "object" },
    },
    "B*": { action: "deny" },
  },
};

/** Every pointer in a document, root first. */
function pointersOf(value: unknown, pointer = ""): string[] {
  if (typeof value !== "object" || value === null) return [pointer];
  const keys = Array.isArray(value) ? value.map((_, i) => String(i)) : Object.keys(value);
  return [
    pointer,
    ...keys.flatMap((k) => pointersOf((value as Record<string, unknown>)[k], `${pointer}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`)),
  ];
}

function replaced(document: unknown, pointer: string, junk: unknown): unknown {
  if (pointer === "") return junk;
  const copy = structuredClone(document) as Record<string, unknown>;
  const tokens = pointer
    .split("/")
    .slice(1)
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
  const last = tokens.pop() as string;
  const parent = tokens.reduce<any>((node, token) => node[token], copy);
  parent[last] = junk;
  return copy;
}

const JUNK: unknown[] = [null, 0, -1, 1.5, "", "x", "minutes", [], [1], {}, { unknown: 1 }, true];

describe("one-pass parsing of refused documents", () => {
  it("turns every refused document into a stand-in the schema accepts", () => {
    let refusedCount = 0;
    for (const pointer of pointersOf(FULL)) {
      for (const junk of JUNK) {
        const document = replaced(FULL, pointer, junk);
        if (checkAgainstSchema(document)) continue;
        refusedCount++;
        const errors = lastSchemaErrors();
        const standIn = standInDocument(document, refusedParts(errors));
        if (pointer === "") continue; // the root itself is not an object: nothing to compile
        assert.ok(standIn, `a stand-in for ${pointer} = ${JSON.stringify(junk)}`);
        assert.ok(checkAgainstSchema(standIn), `stand-in for ${pointer} = ${JSON.stringify(junk)}: ${JSON.stringify(lastSchemaErrors())}`);
      }
    }
    assert.ok(refusedCount > 200, `mutations refused by the schema: ${refusedCount}`);
  });

  it("never loads a refused document, and names at least one problem", () => {
    // Without the argument schema: compiling one starts ajv, a second per document here.
    const full = structuredClone(FULL) as { tools: { A: { arguments?: unknown } } };
    delete full.tools.A.arguments;
    for (const pointer of pointersOf(full)) {
      for (const junk of JUNK) {
        const document = replaced(full, pointer, junk);
        const result = parsePolicy(JSON.stringify(document, null, 2));
        if (checkAgainstSchema(document) && result.ok) continue;
        assert.equal(result.ok, false, `${pointer} = ${JSON.stringify(junk)} loaded`);
        if (!result.ok) assert.ok(result.problems.length > 0);
      }
    }
  });

  it("loads the document whole when nothing is wrong", () => {
    const result = parsePolicy(JSON.stringify(FULL));
    assert.equal(result.ok, true, result.ok ? "" : JSON.stringify(result.problems));
  });

  it("never loads a document whose only faults are a comment or a trailing comma", () => {
    for (const text of [
      '{"version":"1","default":"allow",}',
      '{"version":"1",/* c */"default":"allow"}',
      '{"version":"1","default":"allow","hide":["x",]}',
    ]) {
      const result = parsePolicy(text);
      assert.equal(result.ok, false, text);
    }
  });
});
