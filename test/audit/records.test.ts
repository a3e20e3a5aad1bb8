import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json } from "../helpers/wrapper-client.js";
import { decisions, readRecords, results } from "./helpers.js";

// One record per decision and one per result, with the fields the issue names,
// written by the real binary to a real SQLite file.

const dir = tempDir();
const launch = inProcessStarter();
let n = 0;

function start(policy: Json, extraArgs: string[] = []) {
  const audit = join(dir, `audit-${n}.db`);
  const wrapper = launch({ policy: writePolicy(dir, policy, `p${n++}.json`), extraArgs: ["--audit", audit, ...extraArgs] });
  return { wrapper, audit };
}

describe("the audit trail of one session", () => {
  it("records each outcome and each result kind exactly once, with its fields", async () => {
    const policy = { version: "1", default: "allow", hide: ["pid"], tools: { roots: { action: "deny", reason: "No roots." } } };
    const { wrapper, audit } = start(policy);
    await wrapper.initialize();
    await wrapper.callTool("echo", { path: "/etc/passwd", n: 1 });
    await wrapper.callTool("toolerror");
    await wrapper.request("tools/call", { name: "fail", arguments: { code: -32050 } }, "fail-1");
    await wrapper.callTool("roots");
    await wrapper.callTool("pid");
    wrapper.send({ jsonrpc: "2.0", id: 99, method: "tools/call", params: { name: "hang", arguments: {} } });
    wrapper.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 99, reason: "user stopped it" } });
    await wrapper.callTool("echo");
    await wrapper.stop();

    const rows = readRecords(audit);
    assert.equal(rows[0]?.kind, "session");
    const byTool = (tool: string) => rows.filter((r) => r.tool === tool);
    // Every record names its session, grant, server and command.
    const session = rows[0]?.session;
    for (const row of rows) {
      assert.equal(row.session, session);
      assert.equal(row.grant_name, join(dir, "p0.json"));
      assert.match(row.command ?? "", /fixture-server\.mjs$/);
      assert.match(row.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    const echo = decisions(byTool("echo"));
    assert.equal(echo.length, 2);
    assert.deepEqual(
      { ...echo[0], seq: 0, time: "", session: "", hash: "", prev_hash: "", grant_name: "", command: "" },
      {
        seq: 0,
        time: "",
        kind: "decision",
        session: "",
        grant_name: "",
        server: "fixture",
        command: "",
        method: "tools/call",
        tool: "echo",
        request_id: "2",
        outcome: "allow",
        cause: null,
        rule: "/default",
        reason: null,
        arguments: '{"path":"/etc/passwd","n":1}',
        arguments_hash: null,
        policy: rows[0]?.policy,
        mode: "enforce",
        result: null,
        error_code: null,
        duration_ms: null,
        result_bytes: null,
        details: null,
        hash: "",
        prev_hash: "",
      },
    );
    assert.equal(echo[0]?.arguments_hash, null, "whole arguments need no hash");
    assert.match(rows[0]?.policy ?? "", /^[0-9a-f]{64}$/);

    const resultOf = (tool: string) => {
      const found = results(byTool(tool));
      assert.equal(found.length, 1, `one result record for ${tool}`);
      return found[0] as NonNullable<(typeof found)[0]>;
    };
    const ok = results(byTool("echo"))[0];
    assert.equal(ok?.result, "ok");
    assert.equal(ok?.outcome, "allow");
    assert.ok((ok?.result_bytes ?? 0) > 0);
    assert.ok((ok?.duration_ms ?? -1) >= 0);
    assert.equal(resultOf("toolerror").result, "tool_error");
    const rpc = resultOf("fail");
    assert.deepEqual([rpc.result, rpc.error_code, rpc.request_id], ["rpc_error", -32050, '"fail-1"']);
    assert.equal(resultOf("hang").result, "cancelled");

    const denied = decisions(byTool("roots"));
    assert.equal(denied.length, 1);
    assert.deepEqual(
      [denied[0]?.outcome, denied[0]?.cause, denied[0]?.rule, denied[0]?.reason],
      ["deny", "rule", "/tools/roots", "No roots."],
    );
    assert.equal(results(byTool("roots")).length, 0, "a refused call never ran, so it has no result");
    const hidden = decisions(byTool("pid"));
    assert.deepEqual([hidden.length, hidden[0]?.cause, hidden[0]?.rule], [1, "hidden", "/hide/0"]);
    // One decision per call: 2 echo, toolerror, fail, roots, pid, hang.
    assert.equal(decisions(rows).length, 7);
    assert.equal(results(rows).length, 5);
  });

  it("records a call whose upstream dies as upstream_gone", async () => {
    const { wrapper, audit } = start({ version: "1", default: "allow" });
    await wrapper.initialize();
    wrapper.send({ jsonrpc: "2.0", id: "c", method: "tools/call", params: { name: "crash", arguments: { code: 3 } } });
    await wrapper.exited;
    const gone = results(readRecords(audit));
    assert.deepEqual(
      gone.map((r) => [r.tool, r.result]),
      [["crash", "upstream_gone"]],
    );
  });

  it("keeps arguments as a hash only, or not at all, when asked", async () => {
    const hashed = start({ version: "1", default: "allow" }, ["--audit-arguments", "hash"]);
    await hashed.wrapper.initialize();
    await hashed.wrapper.callTool("echo", { b: 2, a: "secret" });
    await hashed.wrapper.stop();
    const [h] = decisions(readRecords(hashed.audit));
    assert.equal(h?.arguments, null);
    // sha256 of the canonical JSON {"a":"secret","b":2}: keys sorted, whatever order the client used.
    assert.equal(h?.arguments_hash, createHash("sha256").update('{"a":"secret","b":2}').digest("hex"));
    const none = start({ version: "1", default: "allow" }, ["--audit-arguments", "none"]);
    await none.wrapper.initialize();
    await none.wrapper.callTool("echo", { a: "secret" });
    await none.wrapper.stop();
    const [x] = decisions(readRecords(none.audit));
    assert.deepEqual([x?.arguments, x?.arguments_hash], [null, null]);
  });

  it("keeps numbers as the upstream read them, in the text and in the hash", async () => {
    const full = start({ version: "1", default: "allow" });
    const hashed = start({ version: "1", default: "allow" }, ["--audit-arguments", "hash"]);
    const exact = '{"to":9007199254740993,"amount":1e400,"fee":-0,"n":1.0}';
    for (const { wrapper } of [full, hashed]) {
      await wrapper.initialize();
      wrapper.sendRaw(`{"jsonrpc":"2.0","id":"big","method":"tools/call","params":{"name":"echo","arguments":${exact}}}\n`);
      await wrapper.answerTo("big");
      await wrapper.stop();
    }
    assert.equal(decisions(readRecords(full.audit))[0]?.arguments, exact);
    const canonical = '{"amount":1e400,"fee":-0,"n":1.0,"to":9007199254740993}';
    assert.equal(decisions(readRecords(hashed.audit))[0]?.arguments_hash, createHash("sha256").update(canonical).digest("hex"));
  });

  it("cuts long arguments at 16 KiB and says how long they were", async () => {
    const { wrapper, audit } = start({ version: "1", default: "allow" });
    await wrapper.initialize();
    await wrapper.callTool("echo", { text: "x".repeat(40_000) });
    await wrapper.stop();
    const [d] = decisions(readRecords(audit));
    assert.equal(d?.arguments?.length, 16 * 1024);
    assert.equal(JSON.parse(d?.details ?? "{}").arguments_truncated_from, JSON.stringify({ text: "x".repeat(40_000) }).length);
    assert.equal(
      d?.arguments_hash,
      createHash("sha256")
        .update(JSON.stringify({ text: "x".repeat(40_000) }))
        .digest("hex"),
    );
  });
});

describe("records beside the calls", () => {
  it("records approval questions and answers, reloads (accepted and rejected) and counter-store faults", async () => {
    const file = writePolicy(
      dir,
      {
        version: "1",
        default: "allow",
        // The state file cannot be opened: tool pins, kept there too, would hold every tool back.
        pin: "off",
        tools: { slow: { action: "require_approval" }, limited: { rate_limit: { max: 5, window: "minute" } } },
      },
      "live.json",
    );
    const audit = join(dir, "live.db");
    const wrapper = launch({ policy: file, extraArgs: ["--audit", audit, "--state", join(dir, "nowhere", "state.db")] });
    wrapper.serve(() => ({ action: "accept", content: { approve: true } }));
    await wrapper.initialize({ elicitation: {} });
    await wrapper.callTool("slow", { ms: 1 });
    await wrapper.callTool("limited");
    writePolicy(dir, { version: "1", default: "allow", hide: ["echo"] }, "live.json");
    await wrapper.waitForStderr(/policy reloaded/g);
    writePolicy(dir, { version: "1", default: "sometimes" }, "live.json");
    await wrapper.waitForStderr(/reload rejected/g);
    await wrapper.stop();

    const rows = readRecords(audit);
    const approvals = rows.filter((r) => r.kind === "approval");
    assert.deepEqual(
      approvals.map((r) => [r.tool, r.result]),
      [
        ["slow", "asked"],
        ["slow", "approved"],
      ],
    );
    assert.equal(decisions(rows).find((r) => r.tool === "slow")?.outcome, "allow");
    const fault = rows.filter((r) => r.kind === "store_fault");
    assert.equal(fault.length, 1);
    assert.match(fault[0]?.reason ?? "", /state\.db/);
    const limited = decisions(rows).find((r) => r.tool === "limited");
    assert.deepEqual([limited?.outcome, limited?.cause], ["deny", "limit_store"]);
    const reloads = rows.filter((r) => r.kind === "reload");
    assert.deepEqual(
      reloads.map((r) => r.result),
      ["accepted", "rejected"],
    );
    assert.notEqual(reloads[0]?.policy, rows[0]?.policy);
    assert.match(reloads[0]?.policy ?? "", /^[0-9a-f]{64}$/);
    assert.match(reloads[1]?.reason ?? "", /live\.json:3:14: .*"sometimes"/);
    assert.ok(Array.isArray(JSON.parse(reloads[1]?.details ?? "{}").problems));
  });
});
