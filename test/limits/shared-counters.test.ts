import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json, WrapperClient } from "../helpers/wrapper-client.js";
import { wrapperStarter, type WrapperProcess } from "../helpers/wrapper-process.js";

// Real wrapper processes sharing one real SQLite file. What one wrapper does
// with its counters runs in process.

const dir = tempDir();
const launch = wrapperStarter();
const launchInProcess = inProcessStarter();
let n = 0;

function start(policy: string, state: string, extraArgs: string[] = []): WrapperProcess {
  return launch({ policy, extraArgs: ["--state", state, ...extraArgs] });
}

function startInProcess(policy: string, state: string, extraArgs: string[] = []): WrapperClient {
  return launchInProcess({ policy, extraArgs: ["--state", state, ...extraArgs] });
}

function limitedPolicy(max: number, scope: "grant" | "session" = "grant", tool = "echo"): string {
  return writePolicy(
    dir,
    { version: "1", default: "allow", tools: { [tool]: { limits: [{ counter: "shared", window: "day", max, scope }] } } },
    `limits-${n++}.json`,
  );
}

const isDenied = (answer: Json) =>
  answer.result?.isError === true && /^\[POLICY DENIED\] Rate limit reached/.test(answer.result.content[0].text);

async function fire(wrapper: WrapperClient, calls: number, tool = "echo"): Promise<{ admitted: number; refused: number; answers: Json[] }> {
  const ids = Array.from({ length: calls }, (_, i) => `c${i}`);
  for (const id of ids) wrapper.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: tool, arguments: {} } });
  const answers = await Promise.all(ids.map((id) => wrapper.answerTo(id)));
  const refused = answers.filter(isDenied).length;
  return { admitted: answers.length - refused, refused, answers };
}

describe("rate limits across processes", { concurrency: false }, () => {
  it("lets 4 processes hammering one grant-scoped counter admit exactly max in total", async () => {
    const policy = limitedPolicy(50);
    const state = join(dir, "hammer.db");
    const wrappers = Array.from({ length: 4 }, () => start(policy, state));
    await Promise.all(wrappers.map((w) => w.initialize()));
    const results = await Promise.all(wrappers.map((w) => fire(w, 40)));
    assert.equal(
      results.reduce((sum, r) => sum + r.admitted, 0),
      50,
    );
    assert.equal(
      results.reduce((sum, r) => sum + r.refused, 0),
      110,
    );
  });

  it("gives each process its own session-scoped counter", async () => {
    const policy = limitedPolicy(3, "session");
    const state = join(dir, "session.db");
    const [a, b] = [start(policy, state), start(policy, state)];
    const [ra, rb] = await Promise.all([fire(a, 5), fire(b, 5)]);
    assert.deepEqual([ra.admitted, rb.admitted], [3, 3]);
  });

  it("keeps counting after the wrapper is killed with SIGKILL and started again", async () => {
    const policy = limitedPolicy(5);
    const state = join(dir, "restart.db");
    const first = start(policy, state);
    assert.equal((await fire(first, 3)).admitted, 3);
    first.child.kill("SIGKILL");
    await first.exited;
    const second = start(policy, state);
    const result = await fire(second, 3);
    assert.deepEqual([result.admitted, result.refused], [2, 1]);
    const denial = result.answers.find(isDenied)?.result;
    assert.match(
      denial.content[0].text,
      /^\[POLICY DENIED\] Rate limit reached for echo: 5 calls per day \(counter shared\)\. Retry in \d+s\.$/,
    );
    const decision = denial._meta["policy-wrap/decision"];
    assert.equal(decision.counter, "shared");
    assert.equal(decision.scope, "grant");
    assert.ok(decision.retryAfterMs > 86_000_000 && decision.retryAfterMs <= 86_400_000);
  });

  it("shares a counter between processes that name the same --grant, not between grants", async () => {
    const policyA = limitedPolicy(2);
    const policyB = limitedPolicy(2);
    const state = join(dir, "grants.db");
    const a = start(policyA, state, ["--grant", "team"]);
    const b = start(policyB, state, ["--grant", "team"]);
    const c = start(policyB, state);
    assert.equal((await fire(a, 2)).admitted, 2);
    assert.equal((await fire(b, 2)).admitted, 0);
    assert.equal((await fire(c, 2)).admitted, 2);
  });

  it("refunds a call the upstream refused before running it (invalid params), and only then", async () => {
    const policy = limitedPolicy(1, "grant", "fail");
    const wrapper = startInProcess(policy, join(dir, "refund.db"));
    const first = await wrapper.callTool("fail", { code: -32602 });
    assert.equal(first.error.code, -32602);
    const second = await wrapper.callTool("fail", { code: -32602 });
    assert.equal(second.error?.code, -32602, "the refunded quota let the second call reach the upstream");
    // Any other error may come from a tool that ran: its charge is kept.
    const third = await wrapper.callTool("fail", { code: -32050 });
    assert.equal(third.error?.code, -32050);
    const fourth = await wrapper.callTool("fail", { code: -32602 });
    assert.ok(isDenied(fourth), "the call that may have run kept its charge");
  });

  it("keeps the charge of a call cancelled after it was forwarded, whatever the upstream answers", async () => {
    const policy = limitedPolicy(1, "grant", "hang");
    const wrapper = startInProcess(policy, join(dir, "cancel.db"), ["--log-level", "debug"]);
    await wrapper.initialize();
    wrapper.send({ jsonrpc: "2.0", id: "h1", method: "tools/call", params: { name: "hang", arguments: {} } });
    // Forwarded once admitted (the debug line), and running once a later call came back.
    await wrapper.waitForStderr(/allowed "hang"/);
    await wrapper.callTool("echo");
    wrapper.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "h1", reason: "test" } });
    const cancelled = await wrapper.callTool("cancelled");
    assert.match(cancelled.result.content[0].text, /h1/);
    const again = await wrapper.request("tools/call", { name: "hang", arguments: {} }, "h2");
    assert.ok(isDenied(again), "the cancelled call kept its charge");
  });

  it("refuses only rate-limited calls when the store is corrupt, and says so once", async () => {
    const state = join(dir, "corrupt.db");
    writeFileSync(state, Buffer.alloc(8192, 0x42));
    // The counter store alone: tool pins kept in the same corrupt file would hold every tool back (test/pins covers that).
    const policy = writePolicy(
      dir,
      { version: "1", default: "allow", pin: "off", tools: { echo: { limits: [{ counter: "shared", window: "day", max: 100 }] } } },
      "corrupt.json",
    );
    const wrapper = startInProcess(policy, state);
    const { answers } = await fire(wrapper, 3);
    for (const answer of answers) {
      assert.equal(answer.result.isError, true);
      assert.match(answer.result.content[0].text, /^\[POLICY DENIED\] The rate limit for "echo" cannot be checked/);
      assert.equal(answer.result._meta["policy-wrap/decision"].cause, "limit_store");
    }
    assert.deepEqual((await wrapper.callTool("slow", { ms: 1 })).result.content, [{ type: "text", text: "slow done" }]);
    assert.equal(wrapper.stderr.match(/not a usable SQLite database/g)?.length, 1);
  });
});
