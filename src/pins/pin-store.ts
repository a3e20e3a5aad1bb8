import type BetterSqlite3 from "better-sqlite3";
import { describeSqliteError } from "../limits/sqlite-faults.js";
import { StoreFault } from "../limits/store.js";
import { openRecordsFile, type RecordsFile } from "../records/records-file.js";
import { comparePins, type Comparison, type ListedDefinitions, type PinnedState } from "./compare-pins.js";
import {
  readChanges,
  readDefinitions,
  readHistory,
  readLastHistoryId,
  readPins,
  readServers,
  type ChangeRow,
  type HistoryAction,
  type HistoryRow,
  type PinRow,
  type ServerRow,
  type ToolDefinitions,
} from "./pin-rows.js";
import type { ServerIdentity } from "./server-key.js";

// The pins in this machine's records file. Every write about a server happens
// in one BEGIN IMMEDIATE transaction that reads what it compares against, so
// two wrappers of one server, or a wrapper and `pins approve`, never lose each
// other's writes; and every such write raises the server's generation.

export interface Observation extends Comparison {
  state: PinnedState;
  generation: number;
  /** The server's earlier key, when this one inherited its pins now. */
  renamedFrom?: string;
  /** The server's history rows written by others since `historyAfter`, oldest first. */
  history: HistoryRow[];
  /** The newest history row now, this observation's own included. */
  lastHistoryId: number;
}

export interface ApproveResult {
  approved: { tool: string; hash: string }[];
  /** With an expected hash: the changes whose hash differs (nothing was approved). */
  mismatched: { tool: string; hash: string }[];
}

/** History kept per server: enough to audit, bounded against a server that changes its definitions on every list. */
const HISTORY_PER_SERVER = 5000;

export class PinStore {
  readonly file: string;
  readonly #db: BetterSqlite3.Database;
  readonly #owned: RecordsFile | undefined;
  /** Statements by their SQL: some run once per list, some once per pinned tool. */
  readonly #statements = new Map<string, BetterSqlite3.Statement>();

  /** On a connection to the records file that someone else owns (and closes). */
  constructor(db: BetterSqlite3.Database, file: string, owned?: RecordsFile) {
    this.#db = db;
    this.file = file;
    this.#owned = owned;
  }

  /** Opens the records file (creating it) for this store alone; close() closes it. */
  static open(file: string, options: { createDirectory?: boolean } = {}): PinStore {
    const records = openRecordsFile(file, options);
    return new PinStore(records.db, file, records);
  }

  #sql(sql: string): BetterSqlite3.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) this.#statements.set(sql, (statement = this.#db.prepare(sql)));
    return statement;
  }

  /** Closes the file if this store opened it. */
  close(): void {
    this.#owned?.close();
  }

  #run<T>(what: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (error instanceof StoreFault) throw error;
      throw new StoreFault(`the pin records ${this.file} ${what}: ${describeSqliteError(error, this.file)}`, { cause: error });
    }
  }

  /** The server's generation, or undefined when it has no records. */
  generation(server: string): number | undefined {
    return this.#run("cannot be read", () => {
      return this.#sql("SELECT generation FROM pin_servers WHERE server = ?").pluck().get(server);
    }) as number | undefined;
  }

  /** What the records hold for the server now. */
  state(server: string): PinnedState & { generation: number | undefined } {
    return this.#run("cannot be read", () => this.#state(server));
  }

  #state(server: string): PinnedState & { generation: number | undefined } {
    const row = this.#sql("SELECT generation, fresh FROM pin_servers WHERE server = ?").get(server) as
      { generation: number; fresh: number } | undefined;
    const generation = row?.generation;
    const pins = new Map<string, string>();
    const changes = new Map<string, string>();
    if (generation !== undefined) {
      for (const row of this.#sql("SELECT tool, hash FROM pins WHERE server = ?").raw().iterate(server) as Iterable<[string, string]>)
        pins.set(row[0], row[1]);
      for (const row of this.#sql("SELECT tool, hash FROM pin_changes WHERE server = ?").raw().iterate(server) as Iterable<
        [string, string]
      >)
        changes.set(row[0], row[1]);
    }
    return { known: row !== undefined && row.fresh === 0, pins, changes, generation };
  }

  /** Compares a list with the records and writes what it teaches (new pins, changes), all in one transaction. */
  observe(identity: ServerIdentity, listed: ListedDefinitions, now: number, historyAfter: number): Observation {
    return this.#run("cannot be written", () =>
      this.#db
        .transaction((): Observation => {
          const server = identity.key;
          // What others wrote since this process last looked, read before its own writes.
          const history = readHistory(this.#db, server, historyAfter, 1000);
          let renamedFrom: string | undefined;
          let state = this.#state(server);
          if (state.generation === undefined) {
            renamedFrom = this.#createServer(identity, now);
            state = this.#state(server);
          }
          const comparison = comparePins(listed, state);
          if (comparison.pin.length + comparison.record.length > 0 || renamedFrom !== undefined || !state.known)
            this.#write(server, comparison, now);
          for (const { definition } of comparison.pin) state.pins.set(definition.name, definition.hash);
          for (const { definition } of comparison.record) state.changes.set(definition.name, definition.hash);
          const generation = this.#sql("SELECT generation FROM pin_servers WHERE server = ?").pluck().get(server) as number;
          const lastHistoryId = readLastHistoryId(this.#db);
          return {
            ...comparison,
            state: { known: true, pins: state.pins, changes: state.changes },
            generation,
            renamedFrom,
            history,
            lastHistoryId,
          };
        })
        .immediate(),
    );
  }

  /** A server row; a server that renamed itself (same command line, never --server-id) starts from the pins of its last name. */
  #createServer(identity: ServerIdentity, now: number): string | undefined {
    const server = identity.key;
    const earlier = identity.explicit
      ? undefined
      : (this.#db
          .prepare("SELECT server FROM pin_servers WHERE command_hash = ? AND explicit = 0 AND server != ? ORDER BY last_seen DESC LIMIT 1")
          .pluck()
          .get(identity.commandHash, server) as string | undefined);
    this.#db
      .prepare(
        "INSERT INTO pin_servers(server, name, command, command_hash, explicit, generation, fresh, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)",
      )
      .run(
        server,
        identity.name ?? null,
        JSON.stringify(identity.command),
        identity.commandHash,
        identity.explicit ? 1 : 0,
        earlier === undefined ? 1 : 0,
        now,
        now,
      );
    if (earlier === undefined) return undefined;
    this.#db
      .prepare(
        "INSERT INTO pins(server, tool, hash, definition, pinned_at, how) SELECT ?, tool, hash, definition, ?, 'inherited' FROM pins WHERE server = ?",
      )
      .run(server, now, earlier);
    this.#history(server, null, "renamed", null, JSON.stringify({ from: earlier, name: identity.name ?? null }), now);
    return earlier;
  }

  #write(server: string, comparison: Comparison, now: number): void {
    const pin = this.#sql("INSERT OR REPLACE INTO pins(server, tool, hash, definition, pinned_at, how) VALUES (?, ?, ?, ?, ?, ?)");
    for (const { definition, how } of comparison.pin) {
      pin.run(server, definition.name, definition.hash, definition.text, now, how);
      this.#history(server, definition.name, how === "first" ? "pinned" : "new", definition.hash, null, now);
    }
    const change = this.#sql(
      "INSERT OR REPLACE INTO pin_changes(server, tool, hash, definition, why, like, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    for (const { definition, why, like } of comparison.record) {
      change.run(server, definition.name, definition.hash, definition.text, why, like ?? null, now);
      this.#history(server, definition.name, "changed", definition.hash, JSON.stringify({ why, like }), now);
    }
    this.#touch(server, now);
    this.#prune(server);
  }

  #touch(server: string, now: number): void {
    this.#sql("UPDATE pin_servers SET generation = generation + 1, fresh = 0, last_seen = ? WHERE server = ?").run(now, server);
  }

  #history(server: string, tool: string | null, action: HistoryAction, hash: string | null, detail: string | null, now: number): void {
    this.#db
      .prepare("INSERT INTO pin_history(at, server, tool, action, hash, detail) VALUES (?, ?, ?, ?, ?, ?)")
      .run(now, server, tool, action, hash, detail);
  }

  /** Keeps the history bounded (the newest rows of each server). */
  #prune(server: string): void {
    this.#db
      .prepare(
        "DELETE FROM pin_history WHERE server = ? AND id <= (SELECT id FROM pin_history WHERE server = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
      )
      .run(server, server, HISTORY_PER_SERVER);
  }

  servers(): ServerRow[] {
    return this.#run("cannot be read", () => readServers(this.#db));
  }

  pins(server: string): PinRow[] {
    return this.#run("cannot be read", () => readPins(this.#db, server));
  }

  changes(server: string): ChangeRow[] {
    return this.#run("cannot be read", () => readChanges(this.#db, server));
  }

  /** The approved and the changed definition of one tool (either may be missing). */
  definitions(server: string, tool: string): ToolDefinitions {
    return this.#run("cannot be read", () => readDefinitions(this.#db, server, tool));
  }

  /** History rows of the server after `afterId`, oldest first (all servers when server is undefined). */
  history(server: string | undefined, afterId = 0, limit = 1000): HistoryRow[] {
    return this.#run("cannot be read", () => readHistory(this.#db, server, afterId, limit));
  }

  lastHistoryId(): number {
    return this.#run("cannot be read", () => readLastHistoryId(this.#db));
  }

  /**
   * Accepts the recorded changes of the named tools (all, when none are
   * named): each becomes the pin. With `expectHash`, a change is accepted only
   * if its hash starts with it (the definition the person reviewed); otherwise
   * nothing is written and the changes that differ are returned.
   */
  approve(server: string, tools: string[] | "all", now: number, expectHash?: string): ApproveResult {
    return this.#run("cannot be written", () =>
      this.#db
        .transaction((): ApproveResult => {
          const changes = this.#sql("SELECT tool, hash, definition FROM pin_changes WHERE server = ? ORDER BY tool").all(server) as {
            tool: string;
            hash: string;
            definition: string;
          }[];
          const chosen = tools === "all" ? changes : changes.filter((c) => tools.includes(c.tool));
          const mismatched = expectHash === undefined ? [] : chosen.filter((c) => !c.hash.startsWith(expectHash));
          if (mismatched.length > 0) return { approved: [], mismatched: mismatched.map(({ tool, hash }) => ({ tool, hash })) };
          const pin = this.#sql(
            "INSERT OR REPLACE INTO pins(server, tool, hash, definition, pinned_at, how) VALUES (?, ?, ?, ?, ?, 'approved')",
          );
          const forget = this.#sql("DELETE FROM pin_changes WHERE server = ? AND tool = ?");
          for (const c of chosen) {
            pin.run(server, c.tool, c.hash, c.definition, now);
            forget.run(server, c.tool);
            this.#history(server, c.tool, "approved", c.hash, null, now);
          }
          if (chosen.length > 0) {
            this.#touch(server, now);
            this.#prune(server);
          }
          return { approved: chosen.map(({ tool, hash }) => ({ tool, hash })), mismatched: [] };
        })
        .immediate(),
    );
  }

  /** Forgets a server's pins and changes: its next list pins everything again. Returns how many pins it had. */
  reset(server: string, now: number): number {
    return this.#run("cannot be written", () =>
      this.#db
        .transaction(() => {
          const count = this.#sql("DELETE FROM pins WHERE server = ?").run(server).changes;
          this.#sql("DELETE FROM pin_changes WHERE server = ?").run(server);
          // The row stays, marked fresh: the next list pins everything, and no pins of another name carry over.
          this.#sql("UPDATE pin_servers SET generation = generation + 1, fresh = 1 WHERE server = ?").run(server);
          this.#history(server, null, "reset", null, JSON.stringify({ pins: count }), now);
          this.#prune(server);
          return count;
        })
        .immediate(),
    );
  }
}
