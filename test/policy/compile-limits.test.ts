import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePolicy } from "../../src/policy/parse-policy.js";

// A limit must be enforceable exactly: windows are counted in whole milliseconds.

function problemsOf(window: number | string): string[] {
  const result = parsePolicy(
    JSON.stringify({ version: "1", default: "allow", tools: { t: { limits: [{ counter: "c", window, max: 1 }] } } }),
  );
  return result.ok ? [] : result.problems.map((p) => `${p.pointer}: ${p.message}`);
}

describe("limit windows", () => {
  it("refuses a window that rounds to 0 ms, which would enforce nothing", () => {
    assert.deepEqual(problemsOf(0.0004), [
      "/tools/t/limits/0/window: window 0.0004 s is shorter than 1 ms, the clock's resolution: it would enforce nothing",
    ]);
  });

  it("refuses a window that is not a whole number of milliseconds", () => {
    assert.match(problemsOf(0.0015)[0] ?? "", /not a whole number of milliseconds/);
  });

  it("refuses a window longer than ten years", () => {
    assert.match(problemsOf(1e12)[0] ?? "", /longer than ten years/);
  });

  it("accepts named windows and whole milliseconds, including fractions of a second", () => {
    for (const window of ["second", "day", 0.001, 0.25, 1.1, 60, 86_400]) assert.deepEqual(problemsOf(window), [], String(window));
  });

  it("refuses the same mistakes in the rate_limit shorthand", () => {
    const result = parsePolicy(
      JSON.stringify({ version: "1", default: "allow", tools: { "Start*": { rate_limit: { max: 1, window: 0.0001 } } } }),
    );
    assert.ok(!result.ok);
    assert.equal(result.problems[0]?.pointer, "/tools/Start*/rate_limit/window");
  });
});
