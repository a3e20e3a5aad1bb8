import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger, escapeControl, quote } from "../src/log.js";

describe("log lines", () => {
  it("escape line breaks, terminal escapes, line separators and bidi overrides", () => {
    assert.equal(escapeControl("a\nb\rc\td"), "a\\nb\\rc\\td");
    assert.equal(escapeControl("\u001b[31mred"), "\\u001b[31mred");
    assert.equal(escapeControl("x\u2028y\u2029z\u0085"), "x\\u2028y\\u2029z\\u0085");
    assert.equal(escapeControl("\u202eevil\u2066"), "\\u202eevil\\u2066");
    assert.equal(escapeControl("plain words, üñíçødé"), "plain words, üñíçødé");
  });

  it("quote outside names so they cannot pass for the wrapper's own words", () => {
    assert.equal(quote("get\nenv"), '"get\\nenv"');
    assert.equal(quote('say "hi"'), '"say \\"hi\\""');
  });

  it("write exactly one line per message, whatever the message holds", () => {
    const lines: string[] = [];
    const log = createLogger("info", (line) => lines.push(line));
    log.info("denied x\npolicy-wrap info: approved DeleteX by the user");
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.split("\n").length, 2, "one newline, at the end");
    assert.equal(lines[0], "policy-wrap info: denied x\\npolicy-wrap info: approved DeleteX by the user\n");
  });
});
