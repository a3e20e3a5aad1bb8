import type BetterSqlite3 from "better-sqlite3";
import type { PinHow } from "./compare-pins.js";

// The pin tables' rows as `policy-wrap pins` and the dashboard read them.
// Plain reads on a connection; the store wraps them in its fault handling.

export type HistoryAction = "pinned" | "new" | "changed" | "approved" | "reset" | "renamed";

export interface ServerRow {
  server: string;
  name: string | null;
  command: string[];
  explicit: boolean;
  generation: number;
  firstSeen: number;
  lastSeen: number;
  pins: number;
  changes: number;
}

export interface PinRow {
  tool: string;
  hash: string;
  pinnedAt: number;
  how: PinHow;
}

export interface ChangeRow {
  tool: string;
  hash: string;
  why: "definition" | "case";
  /** case: the pinned name this one differs from only by case. */
  like: string | null;
  seenAt: number;
}

export interface StoredDefinition {
  hash: string;
  /** Canonical JSON. */
  definition: string;
  at: number;
}

export interface HistoryRow {
  id: number;
  at: number;
  server: string;
  tool: string | null;
  action: HistoryAction;
  hash: string | null;
  detail: string | null;
}

export interface ToolDefinitions {
  pinned?: StoredDefinition;
  changed?: StoredDefinition & { why: string; like: string | null };
}

export function readServers(db: BetterSqlite3.Database): ServerRow[] {
  const rows = db
    .prepare(
      `SELECT s.server, s.name, s.command, s.explicit, s.generation, s.first_seen, s.last_seen,
         (SELECT COUNT(*) FROM pins p WHERE p.server = s.server) AS pins,
         (SELECT COUNT(*) FROM pin_changes c WHERE c.server = s.server) AS changes
       FROM pin_servers s ORDER BY s.server`,
    )
    .all() as {
    server: string;
    name: string | null;
    command: string;
    explicit: number;
    generation: number;
    first_seen: number;
    last_seen: number;
    pins: number;
    changes: number;
  }[];
  return rows.map((r) => ({
    server: r.server,
    name: r.name,
    command: parseCommandLine(r.command),
    explicit: r.explicit === 1,
    generation: r.generation,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    pins: r.pins,
    changes: r.changes,
  }));
}

export function readPins(db: BetterSqlite3.Database, server: string): PinRow[] {
  return db.prepare("SELECT tool, hash, pinned_at AS pinnedAt, how FROM pins WHERE server = ? ORDER BY tool").all(server) as PinRow[];
}

export function readChanges(db: BetterSqlite3.Database, server: string): ChangeRow[] {
  return db
    .prepare("SELECT tool, hash, why, like, seen_at AS seenAt FROM pin_changes WHERE server = ? ORDER BY tool")
    .all(server) as ChangeRow[];
}

export function readDefinitions(db: BetterSqlite3.Database, server: string, tool: string): ToolDefinitions {
  const pinned = db.prepare("SELECT hash, definition, pinned_at AS at FROM pins WHERE server = ? AND tool = ?").get(server, tool) as
    StoredDefinition | undefined;
  const changed = db
    .prepare("SELECT hash, definition, seen_at AS at, why, like FROM pin_changes WHERE server = ? AND tool = ?")
    .get(server, tool) as ToolDefinitions["changed"];
  return { pinned, changed };
}

/** Rows after `afterId`, oldest first, of one server (or of all). */
export function readHistory(db: BetterSqlite3.Database, server: string | undefined, afterId: number, limit: number): HistoryRow[] {
  return (
    server === undefined
      ? db.prepare("SELECT * FROM pin_history WHERE id > ? ORDER BY id LIMIT ?").all(afterId, limit)
      : db.prepare("SELECT * FROM pin_history WHERE server = ? AND id > ? ORDER BY id LIMIT ?").all(server, afterId, limit)
  ) as HistoryRow[];
}

export function readLastHistoryId(db: BetterSqlite3.Database): number {
  return db.prepare("SELECT COALESCE(MAX(id), 0) FROM pin_history").pluck().get() as number;
}

function parseCommandLine(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.map(String) : [text];
  } catch {
    return [text];
  }
}
