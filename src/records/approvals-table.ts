import type { RecordsComponent } from "./component.js";

// Pending approvals: one row per held call, from the moment it is held until
// long after it is decided (closed rows are kept for the dashboard's history
// and so that an id is never handed out twice). `answer` is NULL while the
// call waits; a decision is one conditional UPDATE from NULL, so exactly one
// decision applies, whichever process makes it.

export const approvalsTable: RecordsComponent = {
  name: "approvals",
  version: 1,
  migrate(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS approvals (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        session TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        pid_started TEXT,
        server TEXT NOT NULL,
        command TEXT NOT NULL,
        policy_file TEXT,
        tool TEXT NOT NULL,
        arguments TEXT NOT NULL,
        arguments_truncated INTEGER NOT NULL DEFAULT 0,
        rule TEXT NOT NULL,
        request_id TEXT NOT NULL,
        channels TEXT NOT NULL,
        answer TEXT,
        decided_at INTEGER,
        decided_channel TEXT,
        decided_by TEXT,
        note TEXT,
        outcome TEXT,
        outcome_detail TEXT,
        outcome_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS approvals_pending ON approvals(created_at) WHERE answer IS NULL;
      CREATE INDEX IF NOT EXISTS approvals_by_session ON approvals(session, answer);
      CREATE INDEX IF NOT EXISTS approvals_by_decision ON approvals(decided_at);
    `);
  },
};
