import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { heldId, runCli } from "../approvals/helpers.js";
import { ROOT } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json, WrapperClient } from "../helpers/wrapper-client.js";

// Approval through elicitation, with the test as the client's user and a raw
// upstream that reports every message it received.

const dir = tempDir();
const policy = writePolicy(dir, {
  version: "1",
  default: "allow",
  tools: {
    StartExport: { action: "require_approval", limits: [{ counter: "exports", window: "day", max: 1 }] },
  },
});
// With the records file unusable, tool pins (kept there) would hold every tool back: these tests turn them off.
const unpinned = writePolicy(
  dir,
  {
    version: "1",
    default: "allow",
    pin: "off",
    tools: { StartExport: { action: "require_approval", limits: [{ counter: "exports", window: "day", max: 1 }] } },
  },
  "unpinned.json",
);
const rawUpstream = [process.execPath, join(ROOT, "test", "fixtures", "raw-upstream.mjs")];
const launch = inProcessStarter();
let n = 0;

const stateOf = new Map<WrapperClient, string>();

async function start(capabilities: Json = { elicitation: {} }, extraArgs: string[] = [], policyFile = policy): Promise<WrapperClient> {
  const state = join(dir, `s${n++}.db`);
  const wrapper = launch({ policy: policyFile, upstream: rawUpstream, extraArgs: ["--state", state, ...extraArgs] });
  stateOf.set(wrapper, state);
  await wrapper.initialize(capabilities);
  return wrapper;
}

function callStartExport(wrapper: WrapperClient, id: string, args: Json = { bucket: "s3://out" }): void {
  wrapper.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "StartExport", arguments: args } });
}

function nthElicitation(wrapper: WrapperClient, index: number): Promise<Json> {
  const askedIds = () => wrapper.messages.filter((x) => x.method === "elicitation/create").map((x) => x.id);
  return wrapper.waitFor((m) => m.method === "elicitation/create" && askedIds().indexOf(m.id) === index, `elicitation #${index}`);
}

async function upstreamSaw(wrapper: WrapperClient): Promise<Json[]> {
  return JSON.parse((await wrapper.callTool("seen")).result.content[0].text) as Json[];
}

const calledTools = (seen: Json[]) => seen.filter((m) => m.method === "tools/call" && m.params.name !== "seen").map((m) => m.params.name);
const reason = (answer: Json) => answer.result.content[0].text as string;

describe("approval", { concurrency: true }, () => {
  it("asks the user with a boolean form naming the server, tool and arguments, and forwards on yes", async () => {
    const wrapper = await start();
    callStartExport(wrapper, "a1", { bucket: "s3://out", note: "x".repeat(5000) });
    const ask = await nthElicitation(wrapper, 0);
    assert.match(ask.id, /^policy-wrap:/);
    assert.match(ask.params.message, /The agent wants to call "StartExport" on the MCP server "node raw-upstream\.mjs"/);
    assert.match(ask.params.message, /"bucket": "s3:\/\/out"/);
    assert.ok(ask.params.message.includes(`"note": "${"x".repeat(5000)}"`), "the arguments are shown whole");
    assert.deepEqual(ask.params.requestedSchema.properties.approve.type, "boolean");
    assert.equal(ask.params.requestedSchema.properties.approve.default, false);
    wrapper.send({ jsonrpc: "2.0", id: ask.id, result: { action: "accept", content: { approve: true } } });
    const answer = await wrapper.answerTo("a1");
    assert.equal(reason(answer), "raw tools/call StartExport");
    const seen = await upstreamSaw(wrapper);
    assert.deepEqual(calledTools(seen), ["StartExport"]);
    assert.ok(!seen.some((m) => m.id === ask.id), "the elicitation answer never reaches the upstream");
  });

  for (const [label, result] of [
    ["declines", { action: "decline" }],
    ["accepts with approve false", { action: "accept", content: { approve: false } }],
  ] as const) {
    it(`denies, forwarding nothing, when the user ${label}`, async () => {
      const wrapper = await start();
      callStartExport(wrapper, "d1");
      const ask = await nthElicitation(wrapper, 0);
      wrapper.send({ jsonrpc: "2.0", id: ask.id, result });
      const answer = await wrapper.answerTo("d1");
      assert.equal(answer.result.isError, true);
      assert.match(reason(answer), /The user declined the call to "StartExport"\./);
      assert.equal(answer.result._meta["policy-wrap/decision"].cause, "approval");
      assert.deepEqual(calledTools(await upstreamSaw(wrapper)), []);
    });
  }

  // A dismissed form is no answer (headless clients dismiss forms nobody saw): the call
  // stays held for `policy-wrap approve`, and is refused only by a decision or the timeout.
  for (const [label, answerForm, expected] of [
    ["dismisses the form", (id: string) => ({ jsonrpc: "2.0", id, result: { action: "cancel" } }), /dismissed/],
    [
      "cannot show the form (an error)",
      (id: string) => ({ jsonrpc: "2.0", id, error: { code: -32601, message: "no UI" } }),
      /failed: no UI/,
    ],
  ] as const) {
    it(`keeps the call held out of band when the client ${label}, until a person decides`, async () => {
      const wrapper = await start();
      callStartExport(wrapper, "h1");
      const ask = await nthElicitation(wrapper, 0);
      const id = await heldId(wrapper);
      wrapper.send(answerForm(ask.id));
      const listed = await runCli(["approvals", "--json", "--state", stateOf.get(wrapper) as string]);
      assert.deepEqual(
        (JSON.parse(listed.stdout) as Json[]).map((r) => r.id),
        [id],
        "still waiting",
      );
      assert.ok(!wrapper.messages.some((m) => m.id === "h1"), "not answered yet");
      const denied = await runCli(["deny", id, "--reason", "not today", "--state", stateOf.get(wrapper) as string]);
      assert.equal(denied.code, 0, denied.stderr);
      const answer = await wrapper.answerTo("h1");
      assert.match(reason(answer), /denied the call to "StartExport" with policy-wrap deny: not today/);
      assert.doesNotMatch(reason(answer), expected, "the form's end is not what decided");
      assert.deepEqual(calledTools(await upstreamSaw(wrapper)), []);
    });
  }

  it("refuses at once, with the form's own reason, when the form was the only channel", async () => {
    const wrapper = await start({ elicitation: {} }, ["--records", join(dir, "no-such-dir", "records.db")], unpinned);
    callStartExport(wrapper, "e1");
    const ask = await nthElicitation(wrapper, 0);
    wrapper.send({ jsonrpc: "2.0", id: ask.id, error: { code: -32601, message: "no UI" } });
    assert.match(reason(await wrapper.answerTo("e1")), /The approval request for "StartExport" failed: no UI\./);
    await wrapper.waitForStderr(/cannot open the records file .*no-such-dir/);
  });

  it("denies when nobody answers within --approval-timeout, and withdraws the question", async () => {
    const wrapper = await start({ elicitation: {} }, ["--approval-timeout", "1"]);
    callStartExport(wrapper, "t1");
    const ask = await nthElicitation(wrapper, 0);
    assert.match(reason(await wrapper.answerTo("t1")), /No one approved the call to "StartExport" within 1 s\./);
    const withdrawn = await wrapper.waitFor((m) => m.method === "notifications/cancelled", "cancellation of the question");
    assert.equal(withdrawn.params.requestId, ask.id);
    // A late yes changes nothing and is not passed on.
    wrapper.send({ jsonrpc: "2.0", id: ask.id, result: { action: "accept", content: { approve: true } } });
    const seen = await upstreamSaw(wrapper);
    assert.deepEqual(calledTools(seen), []);
    assert.ok(!seen.some((m) => m.id === ask.id));
  });

  it("sends progress while waiting when the call asked for it", async () => {
    // The beat comes every quarter of the timeout, its timer set before the timeout's: nobody answers, and the
    // beats come before the refusal however slowly the machine runs (no answer races the timeout).
    const wrapper = await start({ elicitation: {} }, ["--approval-timeout", "1"]);
    wrapper.send({
      jsonrpc: "2.0",
      id: "g1",
      method: "tools/call",
      params: { name: "StartExport", arguments: {}, _meta: { progressToken: "tok" } },
    });
    await nthElicitation(wrapper, 0);
    const beat = await wrapper.waitFor((m) => m.method === "notifications/progress", "a progress notification");
    assert.equal(beat.params.progressToken, "tok");
    assert.match(beat.params.message, /Waiting for the user to approve StartExport/);
    assert.match(reason(await wrapper.answerTo("g1")), /No one approved the call to "StartExport" within 1 s\./);
    const order = wrapper.messages.filter((m) => m.method === "notifications/progress" || m.id === "g1").map((m) => m.id ?? "beat");
    assert.equal(order[0], "beat", "the beat came before the answer");
  });

  it("denies with a way out when the client cannot elicit and no approval can be held", async () => {
    const wrapper = await start({}, ["--records", join(dir, "no-such-dir", "records.db")], unpinned);
    callStartExport(wrapper, "n1");
    const answer = await wrapper.answerTo("n1");
    assert.match(reason(answer), /requires human approval, and nobody can be asked: this client cannot ask for it/);
    assert.match(reason(answer), /cannot be held for `policy-wrap approve` \(cannot open the records file/);
    assert.match(reason(answer), /set its "action" to "allow"/);
    assert.ok(!wrapper.messages.some((m) => m.method === "elicitation/create"));
  });

  it("holds the call out of band for a client with URL-only elicitation, and never sends it a form", async () => {
    const wrapper = await start({ elicitation: { url: {} } });
    callStartExport(wrapper, "u1");
    const id = await heldId(wrapper);
    assert.equal((await runCli(["approve", id, "--state", stateOf.get(wrapper) as string])).code, 0);
    assert.equal(reason(await wrapper.answerTo("u1")), "raw tools/call StartExport");
    assert.ok(!wrapper.messages.some((m) => m.method === "elicitation/create"));
  });

  it("asks only out of band with --no-elicitation, even a client that could be asked", async () => {
    const wrapper = await start({ elicitation: {} }, ["--no-elicitation"]);
    callStartExport(wrapper, "v1");
    const id = await heldId(wrapper);
    assert.equal((await runCli(["deny", id, "--state", stateOf.get(wrapper) as string])).code, 0);
    assert.match(reason(await wrapper.answerTo("v1")), /denied the call to "StartExport" with policy-wrap deny\./);
    assert.ok(!wrapper.messages.some((m) => m.method === "elicitation/create"));
  });

  it("drops the question and forwards nothing when the client cancels the call", async () => {
    const wrapper = await start();
    callStartExport(wrapper, "c1");
    const ask = await nthElicitation(wrapper, 0);
    wrapper.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "c1", reason: "user pressed stop" } });
    const withdrawn = await wrapper.waitFor((m) => m.method === "notifications/cancelled", "cancellation of the question");
    assert.equal(withdrawn.params.requestId, ask.id);
    const seen = await upstreamSaw(wrapper);
    assert.deepEqual(calledTools(seen), []);
    assert.ok(!seen.some((m) => m.method === "notifications/cancelled"), "the upstream never saw the call, so not its cancellation");
    assert.ok(!wrapper.messages.some((m) => m.id === "c1"), "a cancelled request gets no answer");
  });

  it("keeps other traffic flowing while approval is pending", async () => {
    const wrapper = await start();
    callStartExport(wrapper, "p1");
    const ask = await nthElicitation(wrapper, 0);
    assert.equal(reason(await wrapper.callTool("other")), "raw tools/call other");
    wrapper.send({ jsonrpc: "2.0", id: ask.id, result: { action: "decline" } });
    await wrapper.answerTo("p1");
  });

  it("checks approval before limits: a declined call consumes no quota, and a spent limit is refused before anyone is asked", async () => {
    const wrapper = await start();
    callStartExport(wrapper, "q1");
    const first = await nthElicitation(wrapper, 0);
    wrapper.send({ jsonrpc: "2.0", id: first.id, result: { action: "decline" } });
    await wrapper.answerTo("q1");
    callStartExport(wrapper, "q2");
    const second = await nthElicitation(wrapper, 1);
    wrapper.send({ jsonrpc: "2.0", id: second.id, result: { action: "accept", content: { approve: true } } });
    assert.equal(reason(await wrapper.answerTo("q2")), "raw tools/call StartExport");
    callStartExport(wrapper, "q3");
    assert.match(reason(await wrapper.answerTo("q3")), /Rate limit reached for StartExport: 1 calls per day/);
    assert.equal(wrapper.messages.filter((m) => m.method === "elicitation/create").length, 2, "nobody was asked about q3");
    const waiting = await runCli(["approvals", "--json", "--state", stateOf.get(wrapper) as string]);
    assert.deepEqual(JSON.parse(waiting.stdout), [], "and nothing was held");
  });
});
