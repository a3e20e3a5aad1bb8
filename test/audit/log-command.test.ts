import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { BIN } from "../helpers/paths.js";
import { HANG_GUARD_MS } from "../helpers/hang-guard.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { wrapperStarter } from "../helpers/wrapper-process.js";
import { decisions, readRecords, runCli, tamper } from "./helpers.js";

// `policy-wrap log` and `log verify` on files written by real wrappers: in
// process, and as two processes where two write one file at once.

const dir = tempDir();
const launch = inProcessStarter();
const launchProcess = wrapperStarter();
const policy = writePolicy(dir, { version: "1", default: "allow", tools: { "Delete*": { action: "deny" } } });

async function session(audit: string, calls: [string, Record<string, unknown>][]): Promise<void> {
  const wrapper = launch({ policy, extraArgs: ["--audit", audit] });
  await wrapper.initialize();
  for (const [name, args] of calls) await wrapper.callTool(name, args);
  await wrapper.stop();
}

describe("policy-wrap log", () => {
  const audit = join(dir, "log.db");

  it("filters by tool glob, outcome, session and limit, in a table or as OpenTelemetry JSON", async () => {
    await session(audit, [
      ["echo", { a: 1 }],
      ["DeleteAll", {}],
      ["echo", { a: 2 }],
    ]);
    const table = runCli(["log", "--audit", audit]);
    assert.equal(table.status, 0);
    assert.match(table.stdout, /^TIME +SESSION +RECORD +TOOL +ID +DETAIL\n/);
    assert.match(table.stdout, /deny +DeleteAll +3 +rule \/tools\/Delete\*/);

    const denied = runCli(["log", "--audit", audit, "--outcome", "deny", "--json"]);
    const lines = denied.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 1);
    assert.equal(lines[0]["gen_ai.tool.name"], "DeleteAll");
    assert.equal(lines[0]["mcp.method.name"], "tools/call");
    assert.equal(lines[0]["jsonrpc.request.id"], "3");
    assert.equal(lines[0]["policy_wrap.outcome"], "deny");
    assert.equal(lines[0]["policy_wrap.rule"], "/tools/Delete*");
    assert.match(lines[0]["mcp.session.id"], /^[0-9a-f-]{36}$/);

    const echoes = runCli(["log", "--audit", audit, "--tool", "ec*", "--json", "--limit", "2"])
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      echoes.map((e) => [e["policy_wrap.record"], e["jsonrpc.request.id"]]),
      [
        ["decision", "4"],
        ["result", "4"],
      ],
    );
    const sessionId = lines[0]["mcp.session.id"] as string;
    const bySession = runCli(["log", "--audit", audit, "--session", sessionId.slice(0, 8), "--json"])
      .stdout.trim()
      .split("\n");
    assert.equal(bySession.length, readRecords(audit).length);
    assert.equal(runCli(["log", "--audit", audit, "--session", "nobody", "--json"]).stdout, "");
    assert.equal(runCli(["log", "--audit", audit, "--since", "2999-01-01", "--json"]).stdout, "");
    assert.equal(runCli(["log", "--audit", audit, "--since", "1h", "--json"]).stdout.trim().split("\n").length, bySession.length);
    assert.equal(runCli(["log", "--audit", audit, "--since", "yesterday-ish"]).status, 2);
  });

  it("keeps one line per record whatever a tool name or id holds", async () => {
    const hostile = join(dir, "hostile.db");
    const forged = "x\n2026-11-20T00:00:00.000Z  00000000  allow       Forged \u202e";
    const wrapper = launch({ policy, extraArgs: ["--audit", hostile] });
    await wrapper.initialize();
    await wrapper.request("tools/call", { name: forged, arguments: {} }, "id\r\nwith break");
    await wrapper.stop();
    const table = runCli(["log", "--audit", hostile]).stdout;
    const lines = table.trimEnd().split("\n");
    assert.equal(lines.length, 1 + readRecords(hostile).length);
    assert.ok(!table.includes("\u202e") && !table.includes("\r"));
    assert.ok(lines.every((line) => !line.startsWith("2026-11-20T00:00:00.000Z")));
    const json = runCli(["log", "--audit", hostile, "--json"]).stdout.trimEnd().split("\n");
    assert.equal(json.length, readRecords(hostile).length);
    assert.equal(JSON.parse(json[1] as string)["gen_ai.tool.name"], forged);
    assert.equal(JSON.parse(json[1] as string)["jsonrpc.request.id"], "id\r\nwith break");
  });

  it("says so, and exits 0, before anything was recorded", () => {
    const missing = runCli(["log", "--audit", join(dir, "none.db")]);
    assert.equal(missing.status, 0);
    assert.match(missing.stderr, /no audit trail at .*none\.db yet/);
  });
});

describe("policy-wrap log verify", () => {
  it("passes an intact file, and fails at an edited, a deleted and a reordered row", async () => {
    const file = join(dir, "verify.db");
    await session(file, [
      ["echo", { a: 1 }],
      ["echo", { a: 2 }],
      ["echo", { a: 3 }],
    ]);
    const ok = runCli(["log", "verify", "--audit", file]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    const head = /head hash: ([0-9a-f]{64})/.exec(ok.stdout)?.[1] as string;
    assert.equal(runCli(["log", "verify", "--audit", file, "--anchor", head]).status, 0);

    tamper(file, "UPDATE audit SET arguments = '{\"a\":9}' WHERE seq = 4");
    const edited = runCli(["log", "verify", "--audit", file]);
    assert.equal(edited.status, 1);
    assert.match(edited.stdout, /FAILED at record 4: record 4 was changed/);
  });

  it("fails at a deleted row and at reordered rows", async () => {
    const deleted = join(dir, "deleted.db");
    await session(deleted, [
      ["echo", {}],
      ["echo", {}],
    ]);
    tamper(deleted, "DELETE FROM audit WHERE seq = 3");
    assert.match(runCli(["log", "verify", "--audit", deleted]).stdout, /FAILED at record 3: record 3 is missing/);

    const reordered = join(dir, "reordered.db");
    await session(reordered, [
      ["echo", {}],
      ["echo", {}],
    ]);
    tamper(reordered, "UPDATE audit SET seq = -1 WHERE seq = 2");
    tamper(reordered, "UPDATE audit SET seq = 2 WHERE seq = 3");
    tamper(reordered, "UPDATE audit SET seq = 3 WHERE seq = -1");
    const verdict = runCli(["log", "verify", "--audit", reordered]);
    assert.equal(verdict.status, 1);
    assert.match(verdict.stdout, /FAILED at record 2: record 2 does not follow record 1/);
  });

  it("keeps one valid chain with two wrapper processes writing one file at once", async () => {
    const shared = join(dir, "shared.db");
    const a = launchProcess({ policy, extraArgs: ["--audit", shared] });
    const b = launchProcess({ policy, extraArgs: ["--audit", shared] });
    await Promise.all([a.initialize(), b.initialize()]);
    const calls = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).callTool("echo", { i }));
    await Promise.all(calls);
    await Promise.all([a.stop(), b.stop()]);
    const verdict = runCli(["log", "verify", "--audit", shared]);
    assert.equal(verdict.status, 0, verdict.stdout);
    const rows = readRecords(shared);
    assert.equal(decisions(rows).length, 40);
    assert.equal(new Set(rows.map((r) => r.session)).size, 2);
    assert.deepEqual(
      rows.map((r) => r.seq),
      rows.map((_, i) => i + 1),
    );
  });
});

describe("policy-wrap log --follow", () => {
  it("prints records written by another process as they arrive", async () => {
    const file = join(dir, "follow.db");
    const follower = spawn(process.execPath, [BIN, "log", "--follow", "--json", "--audit", file], { stdio: ["ignore", "pipe", "pipe"] });
    after(() => follower.kill("SIGKILL"));
    let out = "";
    let errors = "";
    follower.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    const waiting: (() => void)[] = [];
    follower.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      for (const wake of waiting) wake();
    });
    const seen = (marker: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`follow did not print ${marker}:\n${out}\nstderr: ${errors}`)), HANG_GUARD_MS);
        const check = () => {
          if (!out.includes(marker)) return;
          clearTimeout(timer);
          resolve();
        };
        waiting.push(check);
        check();
      });
    // The file does not exist yet: the follower waits for the first wrapper to create it.
    const wrapper = launch({ policy, extraArgs: ["--audit", file] });
    await wrapper.initialize();
    const first = seen("first-call");
    await wrapper.callTool("echo", { marker: "first-call" });
    await first;
    const second = seen("second-call");
    await wrapper.callTool("echo", { marker: "second-call" });
    await second;
    await wrapper.stop();
    const exited = new Promise((resolve) => follower.once("exit", resolve));
    follower.kill("SIGTERM");
    assert.equal(await exited, 0);
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l["policy_wrap.seq"]),
      lines.map((_, i) => i + 1),
    );
  });
});
