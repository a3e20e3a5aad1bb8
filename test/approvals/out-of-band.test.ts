import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RAW_UPSTREAM, toolsCalledUpstream } from "../hostile/helpers.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json, WrapperClient } from "../helpers/wrapper-client.js";
import { heldId, runCli } from "./helpers.js";

// Approval for a client that cannot ask (Claude Desktop, `claude -p`): the call
// is held, the wrapper names the command on stderr, and a person decides from a
// terminal. The wrapper runs in process; the CLI is the real binary, a second process.

const dir = tempDir();
const launch = inProcessStarter();
let n = 0;

const POLICY = { version: "1", default: "allow", tools: { StartExport: { action: "require_approval" } } };

function setUp(extra: string[] = []): { wrapper: WrapperClient; state: string; policy: string } {
  const state = join(dir, `state-${n}.db`);
  const policy = writePolicy(dir, POLICY, `policy-${n++}.json`);
  const wrapper = launch({ policy, upstream: RAW_UPSTREAM, extraArgs: ["--state", state, ...extra] });
  return { wrapper, state, policy };
}

function callStartExport(wrapper: WrapperClient, id: string, args: Json = { bucket: "s3://out" }): void {
  wrapper.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "StartExport", arguments: args } });
}

const text = (answer: Json) => answer.result.content[0].text as string;

async function pendingIds(state: string): Promise<string[]> {
  const listed = await runCli(["approvals", "--json", "--state", state]);
  assert.equal(listed.code, 0, listed.stderr);
  return (JSON.parse(listed.stdout) as Json[]).map((r) => r.id as string);
}

describe("held calls decided from the terminal", { concurrency: true }, () => {
  it("holds the call of a client without elicitation, lists it, and forwards it once approved", async () => {
    const { wrapper, state } = setUp();
    await wrapper.initialize({});
    callStartExport(wrapper, "a1", { bucket: "s3://out", rows: [1, 2] });
    const id = await heldId(wrapper);
    assert.match(
      wrapper.stderr,
      new RegExp(`approval needed: policy-wrap approve ${id} --state ${state.replace(/[.]/g, "\\.")} \\(tool "StartExport"`),
    );
    const listed = await runCli(["approvals", "--json", "--state", state]);
    const [record] = JSON.parse(listed.stdout) as Json[];
    assert.equal(record?.id, id);
    assert.equal(record?.tool, "StartExport");
    assert.deepEqual(record?.arguments, { bucket: "s3://out", rows: [1, 2] });
    assert.equal(record?.rule, "/tools/StartExport");
    assert.equal(record?.process.pid, wrapper.pid);
    assert.equal(record?.decision, null);
    const table = await runCli(["approvals", "--state", state]);
    assert.match(table.stdout, new RegExp(`^${id} +\\d+s +in \\d+m\\d+s +StartExport +`, "m"));

    const approved = await runCli(["approve", id, "--note", "checked the bucket", "--state", state]);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, new RegExp(`^approved ${id}: "StartExport" on "node raw-upstream.mjs"; the wrapper forwarded the call`));
    assert.equal(text(await wrapper.answerTo("a1")), "raw tools/call StartExport");
    await wrapper.waitForStderr(/approved "StartExport" by "[^"]+" \(cli\): "checked the bucket"/);
    assert.deepEqual(await pendingIds(state), []);
    assert.deepEqual(await toolsCalledUpstream(wrapper), ["StartExport"]);

    const again = await runCli(["approve", id, "--state", state]);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      new RegExp(`approval ${id} \\("StartExport" on .*\\) was already approved by .* \\(cli\\): checked the bucket; nothing changed`),
    );
    const denyAfter = await runCli(["deny", id, "--state", state]);
    assert.equal(denyAfter.code, 1, "a decided call cannot be decided again, either way");
    assert.deepEqual(await toolsCalledUpstream(wrapper), ["StartExport"], "still forwarded once");
  });

  it("refuses the call with the denier's name and reason", async () => {
    const { wrapper, state } = setUp();
    await wrapper.initialize({});
    callStartExport(wrapper, "d1");
    const id = await heldId(wrapper);
    const denied = await runCli(["deny", id, "--reason", "exports wait for Monday", "--state", state]);
    assert.equal(denied.code, 0, denied.stderr);
    assert.match(denied.stdout, new RegExp(`^denied ${id}: "StartExport" .*; the wrapper refused the call: .* denied the call`));
    const answer = await wrapper.answerTo("d1");
    assert.equal(answer.result.isError, true);
    assert.match(text(answer), /^\[POLICY DENIED\] \S+ denied the call to "StartExport" with policy-wrap deny: exports wait for Monday$/);
    assert.equal(answer.result._meta["policy-wrap/decision"].cause, "approval");
    const approveAfter = await runCli(["approve", id, "--state", state]);
    assert.equal(approveAfter.code, 1);
    assert.match(approveAfter.stderr, /was already denied by .* \(cli\): exports wait for Monday; nothing changed/);
    assert.deepEqual(await toolsCalledUpstream(wrapper), []);
  });

  it("tells a client that listens for log messages which command decides the call", async () => {
    const { wrapper, state } = setUp();
    await wrapper.initialize({});
    await wrapper.request("logging/setLevel", { level: "warning" });
    callStartExport(wrapper, "m1");
    const id = await heldId(wrapper);
    const told = await wrapper.waitFor((m) => m.method === "notifications/message", "a log message");
    assert.equal(told.params.level, "warning");
    assert.equal(told.params.logger, "policy-wrap");
    assert.match(
      told.params.data,
      new RegExp(`^approval needed: policy-wrap approve ${id} --state .* \\(tool "StartExport"; policy-wrap deny ${id} refuses it\\)$`),
    );
    assert.equal((await runCli(["deny", id, "--state", state])).code, 0);
    await wrapper.answerTo("m1");
  });

  it("leaves audit records of who was asked and who decided, with their words", async () => {
    const audit = join(dir, `audit-${n}.db`);
    const { wrapper, state } = setUp(["--audit", audit]);
    await wrapper.initialize({});
    callStartExport(wrapper, "w1");
    const id = await heldId(wrapper);
    assert.equal((await runCli(["deny", id, "--reason", "no exports on Fridays", "--state", state])).code, 0);
    await wrapper.answerTo("w1");
    await wrapper.stop();
    const log = await runCli(["log", "--json", "--audit", audit]);
    assert.equal(log.code, 0, log.stderr);
    const records = log.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Json);
    const approvals = records.filter((r) => r["policy_wrap.record"] === "approval");
    const details = approvals.map((r) => r["policy_wrap.details"] as Json);
    assert.deepEqual(
      details.map((d) => [d.phase, d.channel, d.approval]),
      [
        ["asked", "out_of_band", id],
        ["answered", "cli", id],
      ],
    );
    assert.equal(approvals[1]?.["policy_wrap.result"], "declined");
    assert.equal(details[1]?.note, "no exports on Fridays");
    assert.ok(typeof details[1]?.by === "string" && details[1].by.length > 0);
    assert.match(details[1]?.detail, /denied the call to "StartExport" with policy-wrap deny: no exports on Fridays/);
  });

  it("says so for an id nobody issued, and for text that is no id", async () => {
    const { wrapper, state } = setUp();
    await wrapper.initialize({});
    callStartExport(wrapper, "u1");
    const id = await heldId(wrapper);
    const guessed = id.slice(0, 9) + (id.endsWith("0") ? "1" : "0");
    const unknown = await runCli(["approve", guessed, "--state", state]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, new RegExp(`no approval ${guessed} in `));
    const malformed = await runCli(["approve", "'; DROP TABLE approvals; --", "--state", state]);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /is not an approval id/);
    assert.deepEqual(await pendingIds(state), [id], "the held call is untouched");
    assert.equal((await runCli(["approve", id.toUpperCase(), "--state", state])).code, 0, "ids read case-insensitively");
    assert.equal(text(await wrapper.answerTo("u1")), "raw tools/call StartExport");
  });

  it("judges an approved call again against the policy in force when the decision came", async () => {
    const { wrapper, state, policy } = setUp();
    await wrapper.initialize({});
    await wrapper.waitForStderr(/watching/);
    callStartExport(wrapper, "p1");
    const id = await heldId(wrapper);
    writeFileSync(
      policy,
      JSON.stringify({ version: "1", default: "allow", tools: { StartExport: { action: "deny", reason: "Exports are paused." } } }),
    );
    await wrapper.waitForStderr(/policy reloaded/);
    const approved = await runCli(["approve", id, "--state", state]);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(
      approved.stdout,
      /the wrapper refused the call: The policy changed while the call waited for approval, and no longer allows it: Exports are paused\./,
    );
    assert.match(text(await wrapper.answerTo("p1")), /policy changed while the call waited for approval.*Exports are paused\./);
    assert.deepEqual(await toolsCalledUpstream(wrapper), []);
  });

  it("releases only the call approved: two servers' wrappers share the records, each holds its own", async () => {
    const state = join(dir, `shared-${n++}.db`);
    const policy = writePolicy(dir, POLICY, `shared-${n++}.json`);
    const a = launch({ policy, upstream: RAW_UPSTREAM, extraArgs: ["--state", state] });
    const b = launch({ policy, upstream: [...RAW_UPSTREAM, "--second"], extraArgs: ["--state", state] });
    await Promise.all([a.initialize({}), b.initialize({})]);
    callStartExport(a, "x1");
    callStartExport(b, "x1");
    const [idA, idB] = await Promise.all([heldId(a), heldId(b)]);
    assert.notEqual(idA, idB);
    assert.deepEqual((await pendingIds(state)).sort(), [idA, idB].sort());
    assert.equal((await runCli(["approve", idB, "--state", state])).code, 0);
    assert.equal(text(await b.answerTo("x1")), "raw tools/call StartExport");
    assert.deepEqual(await pendingIds(state), [idA], "the other server's call still waits");
    assert.ok(!a.messages.some((m) => m.id === "x1"));
    assert.deepEqual(await toolsCalledUpstream(a), []);
    assert.equal((await runCli(["deny", idA, "--state", state])).code, 0);
    assert.equal((await a.answerTo("x1")).result.isError, true);
  });

  it("lets exactly one of two approvers at once decide", async () => {
    const { wrapper, state } = setUp();
    await wrapper.initialize({});
    callStartExport(wrapper, "r1");
    const id = await heldId(wrapper);
    const runs = await Promise.all([
      runCli(["approve", id, "--state", state]),
      runCli(["deny", id, "--reason", "second person", "--state", state]),
      runCli(["approve", id, "--state", state]),
    ]);
    assert.equal(runs.filter((r) => r.code === 0).length, 1, runs.map((r) => r.stdout + r.stderr).join("\n"));
    assert.equal(runs.filter((r) => r.code === 1).length, 2);
    const winner = runs.findIndex((r) => r.code === 0);
    const answer = await wrapper.answerTo("r1");
    if (winner === 1) assert.match(text(answer), /second person/);
    else assert.equal(text(answer), "raw tools/call StartExport");
    assert.deepEqual(await toolsCalledUpstream(wrapper), winner === 1 ? [] : ["StartExport"]);
  });
});
