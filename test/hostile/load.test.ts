import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json } from "../helpers/wrapper-client.js";

// Items 14-15 of the hostile-input issue: load, and both directions at once.

const dir = tempDir();
const start = inProcessStarter();

describe("under load", () => {
  it("14. answers 10,000 pipelined calls exactly once each, with exact counters", async () => {
    const policy = writePolicy(
      dir,
      { version: "1", default: "deny", hide: ["hang"], tools: { echo: { rate_limit: { max: 4000, window: "day" } } } },
      "load.json",
    );
    const wrapper = start({ policy, extraArgs: ["--state", join(dir, "load.db"), "--log-level", "warn"] });
    await wrapper.initialize();
    const total = 10_000;
    const names = (i: number) => (i % 10 === 9 ? "hang" : "echo");
    let batch = "";
    const base = 100_000;
    for (let i = 0; i < total; i++)
      batch += `${JSON.stringify({ jsonrpc: "2.0", id: base + i, method: "tools/call", params: { name: names(i), arguments: { i: base + i } } })}\n`;
    wrapper.sendRaw(batch);
    await wrapper.waitFor(() => wrapper.lines.length >= total + 1, "10,000 answers");
    const answers = wrapper.messages.filter((m) => typeof m.id === "number" && m.id >= base && ("result" in m || "error" in m));
    const perId = new Map<number, number>();
    for (const a of answers) perId.set(a.id, (perId.get(a.id) ?? 0) + 1);
    assert.equal(perId.size, total, "every request answered");
    assert.ok(
      [...perId.values()].every((count) => count === 1),
      "exactly once",
    );
    const texts = answers.map((a) => a.result.content[0].text as string);
    assert.equal(texts.filter((t) => t.startsWith('{"i":')).length, 4000, "exactly max admitted");
    assert.equal(texts.filter((t) => t.startsWith("[POLICY DENIED] Rate limit reached")).length, 5000);
    assert.equal(texts.filter((t) => t.includes('"hang" is hidden')).length, 1000);
    // Each forwarded answer is the answer to its own call.
    answers.forEach((a, i) => {
      if (texts[i]?.startsWith('{"i":')) assert.equal(JSON.parse(texts[i] as string).i, a.id);
    });
  });

  it("15. delivers server-to-client requests interleaved with calls, each to the right side", async () => {
    const policy = writePolicy(dir, { version: "1", default: "allow" }, "both-ways.json");
    const wrapper = start({ policy, extraArgs: ["--log-level", "warn"] });
    wrapper.serve((request: Json) => {
      if (request.method === "sampling/createMessage")
        return { model: "m", role: "assistant", content: { type: "text", text: `re:${request.params.messages[0].content.text}` } };
      if (request.method === "elicitation/create") return { action: "accept", content: { reply: `re:${request.params.message}` } };
      if (request.method === "roots/list") return { roots: [{ uri: "file:///r", name: "r" }] };
      return {};
    });
    await wrapper.initialize({ sampling: {}, elicitation: {}, roots: {} });
    const calls: Promise<Json>[] = [];
    for (let i = 0; i < 300; i++) {
      const kind = i % 4;
      if (kind === 0) calls.push(wrapper.callTool("ask", { prompt: `p${i}` }));
      else if (kind === 1) calls.push(wrapper.callTool("elicit", { question: `q${i}` }));
      else if (kind === 2) calls.push(wrapper.callTool("roots"));
      else calls.push(wrapper.callTool("echo", { i }));
    }
    const results = await Promise.all(calls);
    results.forEach((answer, i) => {
      const text = answer.result.content[0].text as string;
      const kind = i % 4;
      if (kind === 0) assert.deepEqual(JSON.parse(text), { type: "text", text: `re:p${i}` });
      else if (kind === 1) assert.deepEqual(JSON.parse(text).content, { reply: `re:q${i}` });
      else if (kind === 2) assert.deepEqual(JSON.parse(text), [{ uri: "file:///r", name: "r" }]);
      else assert.deepEqual(JSON.parse(text), { i });
    });
  });
});
