import type BetterSqlite3 from "better-sqlite3";
import { readCheckpoint, type Checkpoint } from "./audit-schema.js";
import { GENESIS, hashRecord } from "./chain.js";
import { COLUMNS, type AuditRow } from "./record.js";

// Recomputes the chain from the first kept record (or the pruning checkpoint)
// to the newest, and names the first record that does not match. What this
// proves, and what it cannot, is in docs/audit.md.

export interface Gap {
  seq: number;
  time: string;
  lost: number;
  reason: string;
}

export type Verdict =
  | { ok: true; records: number; first?: number; last?: number; head: string; checkpoint?: Checkpoint; gaps: Gap[]; anchorSeq?: number }
  | { ok: false; seq: number; problem: string; checked: number };

export function verifyChain(db: BetterSqlite3.Database, anchor?: string): Verdict {
  const checkpoint = readCheckpoint(db);
  let prevHash = checkpoint?.hash ?? GENESIS;
  let expectedSeq = (checkpoint?.seq ?? 0) + 1;
  let records = 0;
  let first: number | undefined;
  let anchorSeq: number | undefined = anchor !== undefined && checkpoint?.hash === anchor ? checkpoint.seq : undefined;
  const gaps: Gap[] = [];
  const rows = db.prepare(`SELECT ${COLUMNS.join(", ")} FROM audit ORDER BY seq`).iterate() as IterableIterator<AuditRow>;
  for (const row of rows) {
    const fail = (seq: number, problem: string): Verdict => {
      rows.return?.();
      return { ok: false, seq, problem, checked: records };
    };
    if (row.seq !== expectedSeq) {
      const missing = row.seq > expectedSeq ? `record ${expectedSeq}${row.seq - 1 > expectedSeq ? ` to ${row.seq - 1}` : ""}` : undefined;
      if (missing) return fail(expectedSeq, `${missing} is missing (deleted), record ${row.seq} follows record ${expectedSeq - 1}`);
      return fail(row.seq, `record ${row.seq} is out of place: record ${expectedSeq} was expected`);
    }
    if (row.prev_hash !== prevHash) {
      const before =
        expectedSeq - 1 === (checkpoint?.seq ?? 0)
          ? checkpoint
            ? "the pruning checkpoint"
            : "the start of the chain"
          : `record ${expectedSeq - 1}`;
      return fail(
        row.seq,
        `record ${row.seq} does not follow ${before}: its previous hash differs (a record was replaced, reordered or deleted)`,
      );
    }
    if (hashRecord(row) !== row.hash)
      return fail(row.seq, `record ${row.seq} was changed after it was written: its contents do not match its hash`);
    if (row.kind === "gap") {
      let lost = 0;
      try {
        lost = Number((JSON.parse(row.details ?? "{}") as { lost?: unknown }).lost ?? 0);
      } catch {
        // The hash matched, so the writer wrote it so; report the gap without a count.
      }
      gaps.push({ seq: row.seq, time: row.time, lost, reason: row.reason ?? "" });
    }
    if (anchor !== undefined && row.hash === anchor) anchorSeq = row.seq;
    first ??= row.seq;
    prevHash = row.hash;
    expectedSeq++;
    records++;
  }
  if (anchor !== undefined && anchorSeq === undefined) {
    const problem = `the anchor ${anchor} is not in this audit trail: the file was rewritten or cut short since the anchor was taken (or its record was pruned)`;
    return { ok: false, seq: expectedSeq, problem, checked: records };
  }
  const last = records > 0 ? expectedSeq - 1 : undefined;
  return { ok: true, records, first, last, head: prevHash, checkpoint, gaps, anchorSeq };
}
