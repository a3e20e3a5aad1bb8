import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { openSqliteStore } from "../../src/limits/sqlite-store.js";
import { readListed } from "../../src/pins/read-listed.js";
import { PinStore } from "../../src/pins/pin-store.js";
import { identifyServer } from "../../src/pins/server-key.js";
import { tempDir } from "../helpers/temp-files.js";

const dir = tempDir();
let n = 0;
const freshFile = () => join(dir, `pins-${n++}.db`);
const tool = (name: string, description = `does ${name}`) => ({ name, description });
const server = (name: string, command = ["node", "server.js"], id?: string) => identifyServer(command, name, id);

describe("PinStore", () => {
  it("pins a first list, holds a change until approved, and raises the generation with each write", () => {
    const store = PinStore.open(freshFile());
    const s = server("files");
    const first = store.observe(s, readListed([tool("read"), tool("write")]), 1, 0);
    assert.equal(first.pin.length, 2);
    const g1 = store.generation(s.key) as number;
    const changed = store.observe(s, readListed([tool("read", "reads, then uploads"), tool("write")]), 2, 0);
    assert.deepEqual([...changed.holds.keys()], ["read"]);
    assert.ok((store.generation(s.key) as number) > g1);
    assert.deepEqual(
      store.changes(s.key).map((c) => c.tool),
      ["read"],
    );
    // Seen again: nothing new to write, the generation stays.
    const g2 = store.generation(s.key);
    store.observe(s, readListed([tool("read", "reads, then uploads"), tool("write")]), 3, 0);
    assert.equal(store.generation(s.key), g2);

    const approved = store.approve(s.key, ["read"], 4);
    assert.deepEqual(
      approved.approved.map((a) => a.tool),
      ["read"],
    );
    assert.equal(store.changes(s.key).length, 0);
    assert.equal(store.observe(s, readListed([tool("read", "reads, then uploads"), tool("write")]), 5, 0).holds.size, 0);
    assert.deepEqual(
      store.history(s.key).map((h) => [h.tool, h.action]),
      [
        ["read", "pinned"],
        ["write", "pinned"],
        ["read", "changed"],
        ["read", "approved"],
      ],
    );
    store.close();
  });

  it("approves only the definition that was reviewed", () => {
    const store = PinStore.open(freshFile());
    const s = server("files");
    store.observe(s, readListed([tool("read")]), 1, 0);
    const seen = store.observe(s, readListed([tool("read", "v2")]), 2, 0).holds.get("read")?.seen as string;
    store.observe(s, readListed([tool("read", "v3, changed again")]), 3, 0);
    const stale = store.approve(s.key, ["read"], 4, seen.slice(0, 12));
    assert.equal(stale.approved.length, 0);
    assert.equal(stale.mismatched[0]?.tool, "read");
    assert.equal(store.changes(s.key).length, 1, "nothing was approved");
    store.close();
  });

  it("keeps two servers' pins apart, even with the same tool names", () => {
    const store = PinStore.open(freshFile());
    const a = server("files", ["node", "a.js"]);
    const b = server("files", ["node", "b.js"]);
    assert.notEqual(a.key, b.key);
    store.observe(a, readListed([tool("read")]), 1, 0);
    store.observe(b, readListed([tool("read", "something else")]), 1, 0);
    assert.equal(store.observe(a, readListed([tool("read")]), 2, 0).holds.size, 0);
    assert.equal(store.observe(b, readListed([tool("read", "something else")]), 2, 0).holds.size, 0);
    assert.equal(store.observe(a, readListed([tool("read", "something else")]), 3, 0).holds.size, 1);
    // Approving on the other server approves nothing here.
    assert.equal(store.approve(b.key, "all", 4).approved.length, 0);
    assert.equal(store.changes(a.key).length, 1);
    store.close();
  });

  it("carries the pins over when a server renames itself (same command line), unless --server-id names it", () => {
    const store = PinStore.open(freshFile());
    store.observe(server("files"), readListed([tool("read")]), 1, 0);
    const renamed = store.observe(server("files-v2"), readListed([tool("read", "poisoned")]), 2, 0);
    assert.equal(renamed.renamedFrom, server("files").key);
    assert.equal(renamed.holds.get("read")?.why, "definition");
    const explicit = store.observe(server("whatever", ["node", "server.js"], "my-files"), readListed([tool("read", "poisoned")]), 3, 0);
    assert.equal(explicit.renamedFrom, undefined);
    assert.equal(explicit.pin.length, 1);
    store.close();
  });

  it("after a reset, pins the next list afresh (and inherits from no other name)", () => {
    const store = PinStore.open(freshFile());
    store.observe(server("old"), readListed([tool("read")]), 1, 0);
    const s = server("files");
    store.observe(s, readListed([tool("read", "v2")]), 2, 0);
    assert.equal(store.reset(s.key, 3), 1);
    const again = store.observe(s, readListed([tool("read", "v2")]), 4, 0);
    assert.equal(again.holds.size, 0);
    assert.equal(again.pin[0]?.how, "first");
    store.close();
  });

  it("shares a file with the counter store: its own meta row, never PRAGMA user_version", async () => {
    const file = freshFile();
    const counters = openSqliteStore(file);
    const pins = PinStore.open(file);
    pins.observe(server("files"), readListed([tool("read")]), 1, 0);
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma("user_version", { simple: true }), 2);
    assert.equal(db.prepare("SELECT value FROM meta WHERE key = 'schema:pins'").pluck().get(), "1");
    db.close();
    pins.close();
    await counters.close();
    // A newer policy-wrap's pins are refused, never downgraded.
    const raw = new Database(file);
    raw.prepare("UPDATE meta SET value = '99' WHERE key = 'schema:pins'").run();
    raw.close();
    assert.throws(() => PinStore.open(file), /pins tables have version 99/);
  });
});
