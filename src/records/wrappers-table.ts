import type { RecordsComponent } from "./component.js";

// Running wrappers: each publishes its status here (server, policy, reloads,
// visible tools...) so that the dashboard, a process of its own, can show it.
// A row is alive while its process is (pid and the process's start time);
// the status is JSON, so that it can grow without a migration.

export const wrappersTable: RecordsComponent = {
  name: "wrappers",
  version: 1,
  migrate(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS wrappers (
        session TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        pid_started TEXT,
        started_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        status TEXT NOT NULL
      );
    `);
  },
};
