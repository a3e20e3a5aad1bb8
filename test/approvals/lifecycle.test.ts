import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RAW_UPSTREAM, toolsCalledUpstream } from "../hostile/helpers.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json, WrapperClient } from "../helpers/wrapper-client.js";
import { wrapperStarter, type WrapperProcess } from "../helpers/wrapper-process.js";
import { readRecords } from "../audit/helpers.js";
import { heldId, runCli } from "./helpers.js";

// The channels race and exactly one decision applies; a held call ends with
// its record closed whatever ends it (timeout, the client's cancellation, the
// client going away, the wrapper dying), and nothing held survives its wrapper.
// The wrappers run in process, but for the one killed with SIGKILL.

const dir = tempDir();
const launch = inProcessStarter();
const launchProcess = wrapperStarter();
let n = 0;
const policy = writePolicy(dir, { version: "1", default: "allow", tools: { StartExport: { action: "require_approval" } } });

function setUp(extra: string[] = []): { wrapper: WrapperClient; state: string } {
  const state = join(dir, `state-${n++}.db`);
  return { wrapper: launch({ policy, upstream: RAW_UPSTREAM, extraArgs: ["--state", state, ...extra] }), state };
}

function callStartExport(wrapper: WrapperClient, id: string): void {
  wrapper.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "StartExport", arguments: {} } });
}

async function records(state: string, recent = false): Promise<Json[]> {
  const listed = await runCli(["approvals", "--json", ...(recent ? ["--recent"] : []), "--state", state]);
  assert.equal(listed.code, 0, listed.stderr);
  return JSON.parse(listed.stdout) as Json[];
}

async function decisionOf(state: string, id: string): Promise<Json> {
  const record = (await records(state, true)).find((r) => r.id === id);
  assert.ok(record, `approval ${id} is among the decided ones`);
  return record.decision as Json;
}

const text = (answer: Json) => answer.result.content[0].text as string;
const asked = (wrapper: WrapperClient) => wrapper.waitFor((m) => m.method === "elicitation/create", "the approval form");

describe("the elicitation and out-of-band channels race", { concurrency: true }, () => {
  it("withdraws the form when the terminal decides first, and ignores the form's late answer", async () => {
    const { wrapper, state } = setUp();
    await wrapper.initialize({ elicitation: {} });
    callStartExport(wrapper, "e1");
    const form = await asked(wrapper);
    const id = await heldId(wrapper);
    assert.match(form.params.message, new RegExp(`\\(Or from a terminal: policy-wrap approve ${id} --state `));
    assert.equal((await runCli(["approve", id, "--state", state])).code, 0);
    const withdrawn = await wrapper.waitFor((m) => m.method === "notifications/cancelled", "the form's withdrawal");
    assert.equal(withdrawn.params.requestId, form.id);
    assert.match(withdrawn.params.reason, /approved elsewhere \(cli, by /);
    assert.equal(text(await wrapper.answerTo("e1")), "raw tools/call StartExport");
    wrapper.send({ jsonrpc: "2.0", id: form.id, result: { action: "decline" } });
    assert.deepEqual(await toolsCalledUpstream(wrapper), ["StartExport"]);
    assert.equal((await decisionOf(state, id)).channel, "cli");
  });

  it("closes the record when the form decides first; the terminal is told who decided", async () => {
    const { wrapper, state } = setUp();
    await wrapper.initialize({ elicitation: {} });
    callStartExport(wrapper, "e2");
    const form = await asked(wrapper);
    const id = await heldId(wrapper);
    wrapper.send({ jsonrpc: "2.0", id: form.id, result: { action: "decline" } });
    assert.match(text(await wrapper.answerTo("e2")), /The user declined the call/);
    const late = await runCli(["approve", id, "--state", state]);
    assert.equal(late.code, 1);
    assert.match(late.stderr, /was already denied by the user, in the client \(elicitation\); nothing changed/);
    assert.deepEqual(await records(state), []);
    assert.deepEqual(await toolsCalledUpstream(wrapper), []);
  });

  it("applies exactly one decision when both answer at the same moment", async () => {
    for (let round = 0; round < 4; round++) {
      const { wrapper, state } = setUp();
      await wrapper.initialize({ elicitation: {} });
      callStartExport(wrapper, "s1");
      const form = await asked(wrapper);
      const id = await heldId(wrapper);
      // The form says no, the terminal says yes, at once.
      const terminal = runCli(["approve", id, "--state", state]);
      wrapper.send({ jsonrpc: "2.0", id: form.id, result: { action: "decline" } });
      const [run, answer] = await Promise.all([terminal, wrapper.answerTo("s1")]);
      const decision = await decisionOf(state, id);
      const called = await toolsCalledUpstream(wrapper);
      if (decision.channel === "cli") {
        assert.equal(run.code, 0);
        assert.equal(text(answer), "raw tools/call StartExport");
        assert.deepEqual(called, ["StartExport"]);
      } else {
        assert.equal(decision.channel, "elicitation");
        assert.equal(run.code, 1, run.stdout + run.stderr);
        assert.equal(answer.result.isError, true);
        assert.deepEqual(called, []);
      }
      await wrapper.stop();
    }
  });
});

describe("a held call's record is closed however the call ends", { concurrency: true }, () => {
  it("times out: the call is refused, the record closed, and a late approval refused", async () => {
    const { wrapper, state } = setUp(["--approval-timeout", "1"]);
    await wrapper.initialize({});
    callStartExport(wrapper, "t1");
    const id = await heldId(wrapper);
    assert.match(text(await wrapper.answerTo("t1")), /No one approved the call to "StartExport" within 1 s\./);
    assert.deepEqual(await records(state), []);
    assert.equal((await decisionOf(state, id)).answer, "timed_out");
    const late = await runCli(["approve", id, "--state", state]);
    assert.equal(late.code, 1);
    assert.match(late.stderr, /was already timed out; nothing changed/);
    assert.deepEqual(await toolsCalledUpstream(wrapper), []);
  });

  it("is cancelled by the client: no answer, the record closed as cancelled by the client", async () => {
    const audit = join(dir, `audit-${n}.db`);
    const { wrapper, state } = setUp(["--audit", audit]);
    await wrapper.initialize({});
    callStartExport(wrapper, "c1");
    const id = await heldId(wrapper);
    wrapper.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "c1", reason: "stop" } });
    await wrapper.waitForStderr(/dropped "StartExport": the client cancelled it/);
    const decision = await decisionOf(state, id);
    assert.deepEqual([decision.answer, decision.channel], ["cancelled", "client"]);
    assert.equal((await runCli(["approve", id, "--state", state])).code, 1);
    assert.deepEqual(await toolsCalledUpstream(wrapper), []);
    assert.ok(!wrapper.messages.some((m) => m.id === "c1"));
    await wrapper.stop();
    // The call's one decision: refused, because nobody approved it before the client gave up.
    const decisions = readRecords(audit).filter((r) => r.kind === "decision" && r.tool === "StartExport");
    assert.deepEqual(
      decisions.map((r) => [r.tool, r.outcome, r.cause]),
      [["StartExport", "deny", "approval"]],
    );
    assert.match(decisions[0]?.reason ?? "", /cancel/);
  });

  it("loses its client: the wrapper exits and closes the record", async () => {
    const { wrapper, state } = setUp();
    await wrapper.initialize({});
    callStartExport(wrapper, "g1");
    const id = await heldId(wrapper);
    wrapper.closeStdin();
    await wrapper.exited;
    const decision = await decisionOf(state, id);
    assert.deepEqual([decision.answer, decision.channel], ["cancelled", "wrapper"]);
    assert.equal((await runCli(["approve", id, "--state", state])).code, 1);
  });

  it("dies with its wrapper: a restarted wrapper does not resurrect it, and it can never be approved", async () => {
    const state = join(dir, `state-${n++}.db`);
    const wrapper: WrapperProcess = launchProcess({ policy, upstream: RAW_UPSTREAM, extraArgs: ["--state", state] });
    await wrapper.initialize({});
    callStartExport(wrapper, "k1");
    const id = await heldId(wrapper);
    wrapper.child.kill("SIGKILL");
    await wrapper.exited;
    const restarted = launch({ policy, upstream: RAW_UPSTREAM, extraArgs: ["--state", state] });
    await restarted.initialize({});
    assert.deepEqual(await records(state), [], "the dead wrapper's call is not listed");
    const late = await runCli(["approve", id, "--state", state]);
    assert.equal(late.code, 1);
    assert.match(late.stderr, /was already abandoned: the wrapper \(pid \d+\) is gone; nothing changed/);
    assert.deepEqual(await toolsCalledUpstream(restarted), [], "the restarted wrapper never runs the old call");
    // The restarted wrapper holds its own calls under new ids.
    callStartExport(restarted, "k2");
    const fresh = await heldId(restarted);
    assert.notEqual(fresh, id);
    assert.equal((await runCli(["approve", fresh, "--state", state])).code, 0);
    assert.equal(text(await restarted.answerTo("k2")), "raw tools/call StartExport");
  });
});
