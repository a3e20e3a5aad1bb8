import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, it } from "node:test";
import { AuditFile } from "../../src/audit/audit-file.js";
import type { RecordDraft } from "../../src/audit/record.js";
import { openAuditForReading } from "../../src/audit/read-audit.js";
import { verifyChain } from "../../src/audit/verify-chain.js";
import { tempDir } from "../helpers/temp-files.js";
import { readRecords, tamper } from "./helpers.js";

// The hash chain in-process: what verify catches, and that no value a client or
// upstream controls can make a record that verifies differently from how it was written.

const dir = tempDir();
let n = 0;

function draft(tool: string, extra: Partial<RecordDraft> = {}): RecordDraft {
  return {
    at: Date.parse("2026-11-20T10:00:00Z"),
    kind: "decision",
    session: "s1",
    grant: "g",
    server: "srv",
    command: "cmd",
    tool,
    outcome: "allow",
    ...extra,
    weight: 0,
  };
}

function fileWith(count: number): string {
  const file = join(dir, `chain-${n++}.db`);
  const audit = new AuditFile(file, { argumentsMode: "full" });
  audit.append(Array.from({ length: count }, (_, i) => draft(`tool${i + 1}`)));
  audit.close();
  return file;
}

function verify(file: string, anchor?: string) {
  const db = openAuditForReading(file);
  try {
    return verifyChain(db, anchor);
  } finally {
    db.close();
  }
}

/** The chain's encoding as documented (chain.ts): sha256 of a JSON array of every column but the hash, in table order. */
const CHAIN_ORDER = [
  "seq",
  "time",
  "kind",
  "session",
  "grant_name",
  "server",
  "command",
  "method",
  "tool",
  "request_id",
  "outcome",
  "cause",
  "rule",
  "reason",
  "arguments",
  "arguments_hash",
  "policy",
  "mode",
  "result",
  "error_code",
  "duration_ms",
  "result_bytes",
  "details",
  "prev_hash",
] as const;
const expectedHash = (row: Record<string, unknown>) =>
  createHash("sha256")
    .update(JSON.stringify(CHAIN_ORDER.map((column) => row[column] ?? null)))
    .digest("hex");

describe("the audit hash chain", () => {
  it("hashes each record as documented, lone surrogates stored and hashed as U+FFFD", () => {
    const file = join(dir, `known-${n++}.db`);
    const audit = new AuditFile(file, { argumentsMode: "full" });
    audit.append([
      draft("plain"),
      draft("lone\ud800 surrogate", {
        reason: "pair \ud83d\ude00 and lone \udc00",
        durationMs: 12.6,
        errorCode: -32602,
        kind: "result",
        result: "rpc_error",
      }),
      draft("args", {
        request: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"args","arguments":{"b":1e400,"a":"x"}}}',
        hasArgs: true,
        details: { n: 1 },
      }),
    ]);
    audit.close();
    const rows = readRecords(file) as unknown as Record<string, unknown>[];
    assert.equal(rows.length, 3);
    for (const row of rows) assert.equal(row.hash, expectedHash(row), `record ${String(row.seq)}`);
    assert.equal(rows[1]?.tool, "lone\ufffd surrogate");
    assert.equal(rows[1]?.reason, "pair \ud83d\ude00 and lone \ufffd");
    assert.equal(rows[1]?.prev_hash, rows[0]?.hash);
  });

  it("verifies an untouched file and names its head", () => {
    const file = fileWith(5);
    const verdict = verify(file);
    assert.equal(verdict.ok, true);
    assert.equal(verdict.ok && verdict.records, 5);
    assert.equal(verdict.ok && verdict.head, readRecords(file)[4]?.hash);
  });

  it("fails at an edited record", () => {
    const file = fileWith(5);
    tamper(file, "UPDATE audit SET outcome = 'deny' WHERE seq = 3");
    assert.deepEqual(pick(verify(file)), { ok: false, seq: 3 });
  });

  it("fails at an edited record whose hash was recomputed too, at the next record", () => {
    const file = fileWith(5);
    tamper(file, "UPDATE audit SET hash = ? WHERE seq = 3", "f".repeat(64));
    assert.deepEqual(pick(verify(file)), { ok: false, seq: 3 });
  });

  it("fails at a deleted record", () => {
    const file = fileWith(5);
    tamper(file, "DELETE FROM audit WHERE seq = 2");
    const verdict = verify(file);
    assert.deepEqual(pick(verdict), { ok: false, seq: 2 });
    assert.match(verdict.ok ? "" : verdict.problem, /record 2 is missing/);
  });

  it("fails at the first of two swapped records", () => {
    const file = fileWith(5);
    tamper(file, "UPDATE audit SET seq = -2 WHERE seq = 2");
    tamper(file, "UPDATE audit SET seq = 2 WHERE seq = 4");
    tamper(file, "UPDATE audit SET seq = 4 WHERE seq = -2");
    assert.deepEqual(pick(verify(file)), { ok: false, seq: 2 });
  });

  it("fails when the first records are deleted", () => {
    const file = fileWith(5);
    tamper(file, "DELETE FROM audit WHERE seq <= 2");
    assert.deepEqual(pick(verify(file)), { ok: false, seq: 1 });
  });

  it("checks an anchor: found when the file is intact, missing after a rewrite from the start", () => {
    const file = fileWith(4);
    const anchor = readRecords(file)[2]?.hash as string;
    assert.equal(verify(file, anchor).ok, true);
    // A rewrite with valid hashes from the start: the chain alone cannot tell.
    tamper(file, "DELETE FROM audit");
    const rewritten = new AuditFile(file, { argumentsMode: "full" });
    rewritten.append([draft("tool1"), draft("tool2"), draft("innocent"), draft("tool4")]);
    rewritten.close();
    assert.equal(verify(file).ok, true);
    const verdict = verify(file, anchor);
    assert.equal(verdict.ok, false);
    assert.match(verdict.ok ? "" : verdict.problem, /anchor .* is not in this audit trail/);
  });

  it("keeps hostile values exactly as written, so they verify", () => {
    const file = join(dir, `hostile-${n++}.db`);
    const audit = new AuditFile(file, { argumentsMode: "full" });
    const nasty = ['a"],["b', "line\nbreak\r\u2028", "nul\u0000byte", "lone \ud800 surrogate", "\u202eevil", "x".repeat(100_000), "", "\\"];
    audit.append(
      nasty.map((tool, i) =>
        draft(tool, {
          requestId: tool,
          reason: tool,
          request: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: tool, arguments: { [tool]: tool } } }),
          hasArgs: true,
          errorCode: i === 0 ? 1e300 : -1,
          durationMs: 1.5,
        }),
      ),
    );
    audit.close();
    const verdict = verify(file);
    assert.equal(verdict.ok, true, verdict.ok ? "" : verdict.problem);
    const rows = readRecords(file);
    assert.equal(rows[0]?.tool, 'a"],["b');
    assert.equal(rows[2]?.tool, "nul\u0000byte");
    assert.equal(rows[3]?.tool, "lone \ufffd surrogate");
    assert.equal(rows[0]?.error_code, null);
    assert.equal(JSON.parse(rows[0]?.details ?? "{}").error_code, "1e+300");
  });

  it("two writers on one file make one chain", () => {
    const file = join(dir, `two-${n++}.db`);
    const a = new AuditFile(file, { argumentsMode: "full" });
    const b = new AuditFile(file, { argumentsMode: "full" });
    for (let i = 0; i < 20; i++) (i % 2 === 0 ? a : b).append([draft(`t${i}`), draft(`u${i}`)]);
    a.close();
    b.close();
    const verdict = verify(file);
    assert.equal(verdict.ok && verdict.records, 40);
  });

  it("prunes a prefix and verifies the rest from the checkpoint", () => {
    const file = join(dir, `prune-${n++}.db`);
    const audit = new AuditFile(file, { argumentsMode: "full" });
    const old = Date.parse("2026-01-01T00:00:00Z");
    audit.append([draft("old1", { at: old }), draft("old2", { at: old }), draft("new1"), draft("old3", { at: old }), draft("new2")]);
    // Only the prefix before the first newer record goes: old3 stays, so what is kept is one chain.
    assert.equal(audit.prune(Date.parse("2026-06-01T00:00:00Z")), 2);
    audit.append([draft("after")]);
    audit.close();
    assert.deepEqual(
      readRecords(file).map((r) => r.tool),
      ["new1", "old3", "new2", "after"],
    );
    const verdict = verify(file);
    assert.equal(verdict.ok, true);
    assert.deepEqual(verdict.ok && [verdict.first, verdict.records, verdict.checkpoint?.seq], [3, 4, 2]);
    // A record deleted right after the checkpoint is still caught.
    tamper(file, "DELETE FROM audit WHERE seq = 3");
    assert.deepEqual(pick(verify(file)), { ok: false, seq: 3 });
  });
});

function pick(verdict: ReturnType<typeof verifyChain>) {
  return verdict.ok ? { ok: true } : { ok: false, seq: verdict.seq };
}
