import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { wrapperStarter, type Json, type WrapperProcess } from "../helpers/wrapper-process.js";

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
const rawUpstream = [process.execPath, "--import", "tsx", join(ROOT, "test", "fixtures", "raw-upstream.ts")];
const launch = wrapperStarter();
let n = 0;

async function start(capabilities: Json = { elicitation: {} }, extraArgs: string[] = []): Promise<WrapperProcess> {
  const wrapper = launch({ policy, upstream: rawUpstream, extraArgs: ["--state", join(dir, `s${n++}.db`), ...extraArgs] });
  await wrapper.initialize(capabilities);
  return wrapper;
}

function callStartExport(wrapper: WrapperProcess, id: string, args: Json = { bucket: "s3://out" }): void {
  wrapper.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "StartExport", arguments: args } });
}

function nthElicitation(wrapper: WrapperProcess, index: number): Promise<Json> {
  const askedIds = () => wrapper.messages.filter((x) => x.method === "elicitation/create").map((x) => x.id);
  return wrapper.waitFor((m) => m.method === "elicitation/create" && askedIds().indexOf(m.id) === index, `elicitation #${index}`);
}

async function upstreamSaw(wrapper: WrapperProcess): Promise<Json[]> {
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
    assert.match(ask.params.message, /The agent wants to call "StartExport" on the MCP server "node --import tsx raw-upstream\.ts"/);
    assert.match(ask.params.message, /"bucket": "s3:\/\/out"/);
    assert.match(ask.params.message, /more characters\)/, "long arguments are truncated for display");
    assert.deepEqual(ask.params.requestedSchema.properties.approve.type, "boolean");
    assert.equal(ask.params.requestedSchema.properties.approve.default, false);
    wrapper.send({ jsonrpc: "2.0", id: ask.id, result: { action: "accept", content: { approve: true } } });
    const answer = await wrapper.answerTo("a1");
    assert.equal(reason(answer), "raw tools/call StartExport");
    const seen = await upstreamSaw(wrapper);
    assert.deepEqual(calledTools(seen), ["StartExport"]);
    assert.ok(!seen.some((m) => m.id === ask.id), "the elicitation answer never reaches the upstream");
  });

  for (const [label, result, expected] of [
    ["declines", { action: "decline" }, /The user declined the call to "StartExport"\./],
    ["accepts with approve false", { action: "accept", content: { approve: false } }, /The user declined the call to "StartExport"\./],
    ["cancels", { action: "cancel" }, /The user dismissed the approval request for "StartExport"\./],
  ] as const) {
    it(`denies, forwarding nothing, when the user ${label}`, async () => {
      const wrapper = await start();
      callStartExport(wrapper, "d1");
      const ask = await nthElicitation(wrapper, 0);
      wrapper.send({ jsonrpc: "2.0", id: ask.id, result });
      const answer = await wrapper.answerTo("d1");
      assert.equal(answer.result.isError, true);
      assert.match(reason(answer), expected);
      assert.equal(answer.result._meta["policy-wrap/decision"].cause, "approval");
      assert.deepEqual(calledTools(await upstreamSaw(wrapper)), []);
    });
  }

  it("denies when the elicitation request fails", async () => {
    const wrapper = await start();
    callStartExport(wrapper, "e1");
    const ask = await nthElicitation(wrapper, 0);
    wrapper.send({ jsonrpc: "2.0", id: ask.id, error: { code: -32601, message: "no UI" } });
    assert.match(reason(await wrapper.answerTo("e1")), /The approval request for "StartExport" failed: no UI\./);
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
    const wrapper = await start({ elicitation: {} }, ["--approval-timeout", "2"]);
    wrapper.send({
      jsonrpc: "2.0",
      id: "g1",
      method: "tools/call",
      params: { name: "StartExport", arguments: {}, _meta: { progressToken: "tok" } },
    });
    const ask = await nthElicitation(wrapper, 0);
    const beat = await wrapper.waitFor((m) => m.method === "notifications/progress", "a progress notification");
    assert.equal(beat.params.progressToken, "tok");
    assert.match(beat.params.message, /Waiting for the user to approve StartExport/);
    wrapper.send({ jsonrpc: "2.0", id: ask.id, result: { action: "decline" } });
    assert.match(reason(await wrapper.answerTo("g1")), /declined/);
  });

  it("denies with a way out when the client cannot elicit", async () => {
    const wrapper = await start({});
    callStartExport(wrapper, "n1");
    const answer = await wrapper.answerTo("n1");
    assert.match(reason(answer), /requires human approval, and this client cannot ask for it/);
    assert.match(reason(answer), /set its "action" to "allow"/);
    assert.ok(!wrapper.messages.some((m) => m.method === "elicitation/create"));
  });

  it("treats a client with URL-only elicitation as unable to approve", async () => {
    const wrapper = await start({ elicitation: { url: {} } });
    callStartExport(wrapper, "u1");
    assert.match(reason(await wrapper.answerTo("u1")), /cannot ask for it/);
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

  it("checks approval before limits: a declined call consumes no quota", async () => {
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
    const third = await nthElicitation(wrapper, 2);
    wrapper.send({ jsonrpc: "2.0", id: third.id, result: { action: "accept", content: { approve: true } } });
    assert.match(reason(await wrapper.answerTo("q3")), /Rate limit reached for StartExport: 1 calls per day/);
  });
});
