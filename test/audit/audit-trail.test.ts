import assert from "node:assert/strict";
import { join } from "node:path";
import { it } from "node:test";
import { AuditTrail } from "../../src/audit/audit-trail.js";
import type { DecisionEvent, WrapperEvent } from "../../src/events/events.js";
import { tempDir } from "../helpers/temp-files.js";
import { readRecords } from "./helpers.js";

// The trail's memory bound, in-process with its real writer thread: records
// that would hold more than the bound while waiting for the writer are
// dropped, counted, and reported by a gap record once writing goes on.

const dir = tempDir();

function decision(tool: string, requestBytes: number): DecisionEvent {
  const ref = { method: "tools/call", target: { kind: "tool" as const, name: tool }, requestId: "1" };
  return {
    type: "decision",
    at: Date.now(),
    ...ref,
    outcome: "allow",
    rule: "/default",
    arguments: {},
    policy: "p",
    mode: "enforce",
    raw: Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{}}}'),
    requestBytes,
  };
}

it("drops what would exceed its memory bound, and says so with a gap record", async () => {
  const file = join(dir, "bound.db");
  const events: WrapperEvent[] = [];
  let recovered: () => void = () => {};
  const seenRecovery = new Promise<void>((resolve) => (recovered = resolve));
  const trail = new AuditTrail({
    file,
    createDirectory: false,
    argumentsMode: "full",
    retentionDays: 0,
    required: false,
    session: "s",
    grant: "g",
    command: "c",
    emit: (event) => {
      events.push(event);
      if (event.type === "audit_recovered") recovered();
    },
  });
  trail.start({ policy: "p", mode: "enforce", details: {} });
  // Both wait for the same hand-over: together they would hold 80 MB.
  trail.listener(decision("first", 40 * 1024 * 1024));
  trail.listener(decision("second", 40 * 1024 * 1024));
  await new Promise((resolve) => setImmediate(resolve));
  trail.listener(decision("third", 100));
  await seenRecovery;
  await trail.close();
  assert.deepEqual(
    readRecords(file).map((r) => [r.kind, r.tool]),
    // The gap goes first in the hand-over that says how many were dropped before it.
    [
      ["gap", null],
      ["session", null],
      ["decision", "first"],
      ["decision", "third"],
    ],
  );
  const gap = readRecords(file)[0];
  assert.equal(JSON.parse(gap?.details ?? "{}").lost, 1);
  assert.match(gap?.reason ?? "", /fell behind/);
  assert.deepEqual(
    events.map((e) => e.type),
    ["audit_recovered"],
  );
});

it("starts its writer thread when told to, and writes what was recorded meanwhile, in order", async () => {
  const file = join(dir, "deferred.db");
  let launch: () => void = () => {};
  const launchAfter = new Promise<void>((resolve) => (launch = resolve));
  const trail = new AuditTrail({
    file,
    createDirectory: false,
    argumentsMode: "full",
    retentionDays: 0,
    required: false,
    session: "s",
    grant: "g",
    command: "c",
    emit: () => {},
  });
  trail.start({ policy: "p", mode: "enforce", details: {} }, launchAfter);
  trail.listener(decision("early", 100));
  const required = trail.recordFirst(decision("required", 100));
  // The hand-over the waiting decision asked for comes due (next turn) while there is no thread yet.
  await new Promise((resolve) => setImmediate(resolve));
  launch();
  assert.equal(await required, undefined, "a decision that waits for its record is written once the thread runs");
  trail.listener(decision("late", 100));
  await trail.close();
  assert.deepEqual(
    readRecords(file).map((r) => [r.kind, r.tool]),
    [
      ["session", null],
      ["decision", "early"],
      ["decision", "required"],
      ["decision", "late"],
    ],
  );
});

it("writes what was recorded when it is closed before its writer thread was started", async () => {
  const file = join(dir, "never-launched.db");
  const trail = new AuditTrail({
    file,
    createDirectory: false,
    argumentsMode: "full",
    retentionDays: 0,
    required: false,
    session: "s",
    grant: "g",
    command: "c",
    emit: () => {},
  });
  trail.start({ policy: "p", mode: "enforce", details: {} }, new Promise(() => {}));
  trail.listener(decision("only", 100));
  await trail.close();
  assert.deepEqual(
    readRecords(file).map((r) => [r.kind, r.tool]),
    [
      ["session", null],
      ["decision", "only"],
    ],
  );
});
