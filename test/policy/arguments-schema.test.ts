import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileArgumentsSchema, createArgumentsAjv } from "../../src/policy/arguments-schema.js";

// Class 11 (and 2) of issue 10: an `arguments` schema can cost no argument
// more than a bounded check, and checks own properties only, under the names
// a case-insensitive upstream binds.

const ajv = createArgumentsAjv();
const compile = (schema: object) => compileArgumentsSchema(ajv, schema);
const errorsOf = (validate: ReturnType<typeof compile>) => (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);

describe("arguments schemas", () => {
  it("checks each pattern against its own regex", () => {
    const dev = compile({ type: "object", properties: { bucket: { type: "string", pattern: "^dev-" } } });
    const digits = compile({ type: "object", properties: { id: { type: "string", pattern: "^[0-9]+$" } } });
    assert.equal(dev({ bucket: "prod-1" }), false);
    assert.equal(dev({ bucket: "dev-1" }), true);
    assert.equal(digits({ id: "123" }), true);
    assert.equal(digits({ id: "dev-1" }), false);
  });

  it("runs patterns on the linear-time engine: the 79-second argument is refused at once, lookaround at load", () => {
    const validate = compile({ type: "string", pattern: "^([a-z0-9]+-?)*$" });
    assert.equal(validate(`${"a1".repeat(17)}!`), false);
    assert.throws(() => compile({ type: "string", pattern: "^(?=.*admin)" }), /needs backtracking/);
    assert.throws(() => compile({ type: "string", pattern: "^\\p{L}+$" }), /\\p\{…\}/);
  });

  it("accepts counted repetitions above 16, written out for the linear engine", () => {
    const validate = compile({ type: "string", pattern: "^[a-z0-9-]{3,63}$" });
    assert.equal(validate("my-bucket"), true);
    assert.equal(validate("ab"), false);
    assert.equal(validate("a".repeat(63)), true);
    assert.equal(validate("a".repeat(64)), false);
  });

  it("fails a string too long to check within the pattern's budget, and says so", () => {
    const validate = compile({ type: "object", properties: { s: { type: "string", pattern: "^[a-z]{1,200}$" } } });
    assert.equal(validate({ s: "a".repeat(100_000) }), false);
    assert.match(errorsOf(validate).join(), /cannot be checked: a string of 100000 characters is too long to check against pattern/);
    const email = compile({ type: "string", format: "email" });
    assert.equal(email(`${"a".repeat(70_000)}@example.com`), false);
    assert.equal(email("someone@example.com"), true);
  });

  it("looks for required properties among own properties only", () => {
    const validate = compile({ type: "object", required: ["constructor", "toString"] });
    assert.equal(validate({}), false);
    assert.equal(validate({ constructor: 1, toString: 2 }), true);
  });

  it("checks uniqueItems in one pass, objects and __proto__ included", () => {
    const validate = compile({ type: "array", uniqueItems: true });
    assert.equal(
      validate([
        { a: 1, b: [2] },
        { b: [2], a: 1 },
      ]),
      false,
      "objects equal whatever their key order",
    );
    assert.equal(validate(JSON.parse('["__proto__","__proto__"]')), false);
    assert.equal(validate([1, "1", [1], { "1": 1 }]), true);
    assert.equal(validate(Array.from({ length: 50_000 }, (_, i) => ({ i }))), true);
  });

  it("refuses a key that folds to a named property without being it, at any depth", () => {
    const validate = compile({
      type: "object",
      properties: { bucket: { type: "string", pattern: "^dev-" }, meta: { type: "object", properties: { owner: { type: "string" } } } },
    });
    assert.equal(validate({ bucket: "dev-1", meta: { owner: "me" } }), true);
    for (const args of [{ Bucket: "prod-1" }, { "buc\u212aet": "prod-1" }, { bucket: "dev-1", meta: { OWNER: "root" } }]) {
      assert.equal(validate(args), false, JSON.stringify(args));
      assert.match(errorsOf(validate).join(), /a case-insensitive server would read it as/);
    }
  });
});

describe("argument schemas across reloads", () => {
  it("reuses the validators of the load before for schemas written the same, and compiles only the new ones", async () => {
    const { compilePolicy } = await import("../../src/policy/compile-policy.js");
    const schema = { type: "object", properties: { bucket: { type: "string", pattern: "^dev-" } } };
    const load = (extra: object) => {
      const compiled = compilePolicy({ version: "1", default: "deny", tools: { put: { arguments: schema }, other: { arguments: extra } } });
      assert.ok(compiled.ok);
      return compiled.policy;
    };
    const first = load({ type: "object" });
    const second = load({ type: "object", required: ["x"] });
    assert.equal(second.sections.tool.exact.get("put")?.validateArguments, first.sections.tool.exact.get("put")?.validateArguments);
    assert.notEqual(second.sections.tool.exact.get("other")?.validateArguments, first.sections.tool.exact.get("other")?.validateArguments);
  });
});
