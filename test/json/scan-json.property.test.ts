import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { scanJson } from "../../src/json/scan-json.js";
import { JsonWriter } from "../differential/random-json.js";
import { Random, SEED } from "../helpers/random.js";

// Property (issue 10): whatever text it is given, the scanner returns (never
// throws), accepts only what JSON.parse accepts, and refuses what JSON.parse
// accepts only for its own stricter reasons; what it accepts in strict mode it
// re-emits as a canonical text that JSON.parse reads as the same value.
// Seeded: PROPERTY_SEED=<n> repeats a run.

const CASES = 20_000;
const STRICTER = new Set(["duplicate-key", "too-deep", "unsafe"]);
const ALPHABET = [
  ...'{}[]",:\\/ \t\r\n0123456789-+.eEuUabfnrtlsx',
  "\ud800",
  "\udc00",
  "\u2028",
  "\u0085",
  "\u0000",
  "é",
  "😀",
  "true",
  "false",
  "null",
  "\\u",
  "\\ud83d\\ude00",
];

function mutate(random: Random, text: string): string {
  let out = text;
  for (let n = 1 + random.int(4); n > 0; n--) {
    const at = random.int(out.length + 1);
    const op = random.int(3);
    const piece = random.pick(ALPHABET);
    if (op === 0) out = out.slice(0, at) + piece + out.slice(at);
    else if (op === 1) out = out.slice(0, at) + out.slice(at + 1 + random.int(3));
    else out = out.slice(0, at) + piece + out.slice(at + 1);
  }
  return out;
}

function randomText(random: Random, writer: JsonWriter): string {
  const shape = random.int(4);
  if (shape === 0) return Array.from({ length: random.int(30) }, () => random.pick(ALPHABET)).join("");
  if (shape === 1) return Buffer.from(Array.from({ length: random.int(40) }, () => random.int(256))).toString("utf8");
  const valid = writer.value(4);
  return shape === 2 ? valid : mutate(random, valid);
}

describe(`scanJson, property (seed ${SEED})`, () => {
  it("never throws, accepts only what JSON.parse accepts, and re-emits the same value", () => {
    const random = new Random(SEED);
    const writer = new JsonWriter(random);
    let accepted = 0;
    for (let n = 0; n < CASES; n++) {
      const text = randomText(random, writer);
      const where = `seed ${SEED}, case ${n}: ${JSON.stringify(text)}`;
      let parsed: { value: unknown } | undefined;
      try {
        parsed = { value: JSON.parse(text) };
      } catch {
        parsed = undefined;
      }
      for (const strict of [false, true]) {
        const result = scanJson(text, { maxDepth: 64, strict });
        if (!parsed) {
          assert.equal(result.ok, false, `${where}: accepted what JSON.parse refuses`);
          continue;
        }
        if (!result.ok) {
          assert.ok(STRICTER.has(result.problem), `${where}: refused valid JSON as ${result.problem}: ${result.message}`);
          if (!strict) assert.notEqual(result.problem, "unsafe", `${where}: only strict mode refuses as unsafe`);
          continue;
        }
        accepted++;
        if (strict) {
          const canonical = result.canonical ?? text;
          assert.deepEqual(JSON.parse(canonical), parsed.value, `${where}: the canonical text is another value`);
          assert.ok(
            !/[ \t\r\n\u0085\u2028\u2029]/.test(canonical.replace(/"(?:[^"\\]|\\.)*"/g, '""')),
            `${where}: whitespace left outside strings`,
          );
          assert.ok(!/[\r\n\u0085\u2028\u2029]/.test(canonical), `${where}: a line-breaking character left in ${canonical}`);
        }
      }
    }
    assert.ok(accepted > CASES / 4, `seed ${SEED}: enough cases were valid JSON to mean something (${accepted})`);
  });
});
