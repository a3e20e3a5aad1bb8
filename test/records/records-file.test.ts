import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { PendingApprovals, STORED_ARGUMENT_CHARS, type NewHold } from "../../src/approvals/pending-store.js";
import { openSqliteStore } from "../../src/limits/sqlite-store.js";
import { StoreFault } from "../../src/limits/store.js";
import type { RecordsComponent } from "../../src/records/component.js";
import { thisProcess, processState } from "../../src/records/process-ref.js";
import { openRecordsFile, RECORD_COMPONENTS } from "../../src/records/records-file.js";
import { tempDir } from "../helpers/temp-files.js";

// This machine's records: one SQLite file, possibly the counters' own, each
// component versioned by its own row in `meta`.

const dir = tempDir();
let n = 0;
const fresh = () => join(dir, `records-${n++}.db`);

function hold(overrides: Partial<NewHold> = {}): NewHold {
  return {
    session: "s1",
    process: thisProcess(),
    server: "srv",
    command: "node srv.js",
    policyFile: "/p.json",
    tool: "StartExport",
    arguments: '{"a":1}',
    rule: "/tools/StartExport",
    requestId: "7",
    channels: [],
    createdAt: 1000,
    expiresAt: 2000,
    ...overrides,
  };
}

/** A pid that surely belongs to no running process: a child that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.once("close", resolve));
  return child.pid as number;
}

describe("the records file", () => {
  it("shares a file with the counters: each keeps its own version, neither disturbs the other", async () => {
    const file = fresh();
    const counters = openSqliteStore(file);
    await counters.admit([{ bucket: "b", counter: "c", grant: "g", scope: "grant", windowMs: 60_000, max: 5, definedAt: 1 }], "charge-1");
    const records = openRecordsFile(file);
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma("user_version", { simple: true }), 2, "the counters' version is untouched");
    const versions = db.prepare("SELECT key, value FROM meta WHERE key LIKE 'schema:%' ORDER BY key").all();
    assert.deepEqual(versions, [
      { key: "schema:approvals", value: "1" },
      { key: "schema:pins", value: "1" },
      { key: "schema:wrappers", value: "1" },
    ]);
    db.close();
    records.close();
    const again = openSqliteStore(file);
    assert.equal((await again.list())[0]?.used, 1);
    await Promise.all([counters.close(), again.close()]);
  });

  it("opens the records first and the counters after, in either order", async () => {
    const file = fresh();
    openRecordsFile(file).close();
    const counters = openSqliteStore(file);
    assert.deepEqual(await counters.list(), []);
    await counters.close();
  });

  it("lets another component add its tables with its own version, migrating from the one it finds", () => {
    const file = fresh();
    openRecordsFile(file).close();
    const steps: number[] = [];
    // (A made-up component: the real ones, tool pins among them, are in RECORD_COMPONENTS.)
    const notes = (version: number): RecordsComponent => ({
      name: "notes",
      version,
      migrate(db, from) {
        steps.push(from);
        if (from < 1) db.exec("CREATE TABLE notes (tool TEXT PRIMARY KEY)");
        if (from < 2 && version >= 2) db.exec("ALTER TABLE notes ADD COLUMN hash TEXT");
      },
    });
    openRecordsFile(file, { components: [...RECORD_COMPONENTS, notes(1)] }).close();
    openRecordsFile(file, { components: [...RECORD_COMPONENTS, notes(2)] }).close();
    openRecordsFile(file, { components: [...RECORD_COMPONENTS, notes(2)] }).close();
    assert.deepEqual(steps, [0, 1], "each step once");
    assert.throws(
      () => openRecordsFile(file, { components: [notes(1)] }),
      (error: unknown) => error instanceof StoreFault && /its notes tables have version 2; this policy-wrap knows 1/.test(error.message),
    );
  });

  it("fails with the file named and a reason for a file that is no database", () => {
    const file = fresh();
    writeFileSync(file, "not a database, just text ".repeat(100));
    assert.throws(
      () => openRecordsFile(file),
      (error: unknown) => error instanceof StoreFault && error.message.includes(file) && /not a usable SQLite database/.test(error.message),
    );
  });
});

describe("pending approvals", () => {
  it("decides a call once: the second decision is told the first", () => {
    const pending = new PendingApprovals(openRecordsFile(fresh()));
    const id = pending.create(hold());
    assert.match(id, /^[0-9a-hjkmnp-tv-z]{10}$/);
    const first = pending.decide(id, { answer: "approved", channel: "cli", by: "ann", at: 1500 });
    assert.equal(first.decided, true);
    const second = pending.decide(id, { answer: "declined", channel: "dashboard", by: "bob", at: 1600 });
    assert.equal(second.decided, false);
    assert.equal(second.record?.decision?.by, "ann");
    assert.equal(pending.decide("0000000000", { answer: "approved", channel: "cli", by: "ann", at: 1 }).record, undefined);
  });

  it("closes the calls of a process that is gone as abandoned, and keeps those of live ones", async () => {
    const pending = new PendingApprovals(openRecordsFile(fresh()));
    const dead = { ...thisProcess(), pid: await deadPid() };
    assert.equal(processState(dead), "gone");
    const orphan = pending.create(hold({ process: dead }));
    const live = pending.create(hold());
    // A reused pid is told apart by the process's start time.
    const reused = pending.create(hold({ process: { ...thisProcess(), started: "1" } }));
    const elsewhere = pending.create(hold({ process: { host: "another-machine", pid: 1, started: null } }));
    assert.deepEqual(
      pending
        .listPending(5000)
        .map((r) => r.id)
        .sort(),
      [live, elsewhere].sort(),
    );
    assert.equal(pending.get(orphan)?.decision?.answer, "abandoned");
    assert.equal(pending.get(reused)?.decision?.answer, "abandoned");
    const late = pending.decideFromOutside(orphan, { answer: "approved", channel: "cli", by: "ann", at: 6000 });
    assert.equal(late.decided, false);
  });

  it("keeps the arguments' exact text, and cuts and marks what is longer than it may hold", () => {
    const pending = new PendingApprovals(openRecordsFile(fresh()));
    const exact = pending.get(pending.create(hold({ arguments: '{"to":9007199254740993,"x":1e400}' })));
    assert.equal(exact?.arguments, '{"to":9007199254740993,"x":1e400}');
    const id = pending.create(hold({ arguments: JSON.stringify({ blob: "x".repeat(STORED_ARGUMENT_CHARS) }) }));
    const record = pending.get(id);
    assert.equal(record?.argumentsTruncated, true);
    assert.equal(record?.arguments.length, STORED_ARGUMENT_CHARS);
  });
});
