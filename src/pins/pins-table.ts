import type { RecordsComponent } from "../records/component.js";

// The pins' tables in this machine's records file.
// - pin_servers: one row per server key; `generation` grows with every write
//   about the server, so a running wrapper notices another process's approval
//   or reset with one small read. `fresh` marks a reset server: its next list
//   pins everything (and it inherits from no other name).
// - pins: the approved definition of each tool (canonical JSON and its sha256).
// - pin_changes: the latest definition seen that differs from the pin (or a
//   new tool that needs a person's look), kept until approved or reset.
// - pin_history: what happened, for `pins` and for the audit trail of the
//   wrappers running when another process approves or resets.

export const pinsTable: RecordsComponent = {
  name: "pins",
  version: 1,
  migrate(db, from) {
    if (from === 0)
      db.exec(`
        CREATE TABLE IF NOT EXISTS pin_servers (
          server TEXT PRIMARY KEY, name TEXT, command TEXT NOT NULL, command_hash TEXT NOT NULL,
          explicit INTEGER NOT NULL, generation INTEGER NOT NULL, fresh INTEGER NOT NULL DEFAULT 0, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS pin_servers_by_command ON pin_servers(command_hash);
        CREATE TABLE IF NOT EXISTS pins (
          server TEXT NOT NULL, tool TEXT NOT NULL, hash TEXT NOT NULL, definition TEXT NOT NULL,
          pinned_at INTEGER NOT NULL, how TEXT NOT NULL, PRIMARY KEY (server, tool));
        CREATE TABLE IF NOT EXISTS pin_changes (
          server TEXT NOT NULL, tool TEXT NOT NULL, hash TEXT NOT NULL, definition TEXT NOT NULL, why TEXT NOT NULL,
          like TEXT, seen_at INTEGER NOT NULL, PRIMARY KEY (server, tool));
        CREATE TABLE IF NOT EXISTS pin_history (
          id INTEGER PRIMARY KEY, at INTEGER NOT NULL, server TEXT NOT NULL, tool TEXT, action TEXT NOT NULL,
          hash TEXT, detail TEXT);
        CREATE INDEX IF NOT EXISTS pin_history_by_server ON pin_history(server, id);
      `);
  },
};
