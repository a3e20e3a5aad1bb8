import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CallEndEvent, DecisionEvent } from "../../src/events/events.js";
import { logEvents } from "../../src/events/log-events.js";
import { createLogger, type LogLevel } from "../../src/log.js";

// The stderr logger subscribes to every event; the two every call makes
// (decision, call_end) are debug lines, built only when debug is on.

const ref = { method: "tools/call", target: { kind: "tool" as const, name: "echo\u202e" }, requestId: "1" };
const allow: DecisionEvent = {
  type: "decision",
  at: 0,
  ...ref,
  outcome: "allow",
  rule: "/tools/echo",
  arguments: {},
  policy: "p",
  mode: "enforce",
  requestBytes: 10,
  raw: new Uint8Array(),
};
const deny: DecisionEvent = { ...allow, outcome: "deny", cause: "rule", rule: "/tools/echo", reason: "no echo" };
const end: CallEndEvent = {
  type: "call_end",
  at: 0,
  ...ref,
  outcome: "allow",
  result: "rpc_error",
  code: -32602,
  durationMs: 3,
  refunded: true,
};

function linesAt(level: LogLevel): string[] {
  const lines: string[] = [];
  const listener = logEvents(createLogger(level, (line) => lines.push(line)));
  for (const event of [allow, deny, end]) listener(event);
  return lines;
}

describe("log events", () => {
  it("writes a line for an allowed call and its end at debug level, escaped", () => {
    assert.deepEqual(linesAt("debug"), [
      'policy-wrap debug: allowed "echo\\u202e" by /tools/echo\n',
      'policy-wrap info: denied "echo\\u202e" (rule, /tools/echo): no echo\n',
      'policy-wrap debug: "echo\\u202e" ended: rpc_error -32602 after 3 ms\n',
    ]);
  });

  it("writes only the refusal at info level, and nothing at warn", () => {
    assert.deepEqual(linesAt("info"), ['policy-wrap info: denied "echo\\u202e" (rule, /tools/echo): no echo\n']);
    assert.deepEqual(linesAt("warn"), []);
  });
});
