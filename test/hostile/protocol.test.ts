import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import { wrapperStarter } from "../helpers/wrapper-process.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { peakRss, RAW_UPSTREAM, toolsCalledUpstream } from "./helpers.js";

// Items 1-6 of the hostile-input issue: what a malicious or broken client sends.

const policy = writePolicy(tempDir(), { version: "1", default: "deny", hide: ["secret"], tools: { allowed: {}, seen: {}, "tool.*": {} } });
// In process, but for item 4, which measures the wrapper process's memory.
const start = inProcessStarter();
const startProcess = wrapperStarter();
const raw = () => start({ policy, upstream: RAW_UPSTREAM });

describe("hostile client input", { concurrency: true }, () => {
  it("1. refuses a batch hiding a call to a hidden tool, forwarding nothing", async () => {
    const wrapper = raw();
    wrapper.sendRaw(
      '[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"secret"}},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"allowed"}}]\n',
    );
    const error = await wrapper.waitFor((m) => m.error?.code === -32600);
    assert.equal(error.id, null);
    assert.deepEqual(await toolsCalledUpstream(wrapper), []);
  });

  it("2. never lets duplicate or case-variant name keys smuggle a call upstream", async () => {
    const wrapper = raw();
    const attempts = [
      '{"jsonrpc":"2.0","id":"dup","method":"tools/call","params":{"name":"allowed","name":"secret"}}',
      '{"jsonrpc":"2.0","id":"dup2","method":"tools/call","params":{"name":"secret","name":"allowed"}}',
      '{"jsonrpc":"2.0","id":"esc","method":"tools/call","params":{"name":"allowed","n\\u0061me":"secret"}}',
      '{"jsonrpc":"2.0","id":"case","method":"tools/call","params":{"name":"allowed","Name":"secret"}}',
      '{"jsonrpc":"2.0","id":"NAME","method":"tools/call","params":{"name":"allowed","NAME":"secret"}}',
      '{"jsonrpc":"2.0","id":"meth","method":"ping","Method":"tools/call","params":{"name":"secret"}}',
      '{"jsonrpc":"2.0","id":"dupm","method":"tools/call","method":"ping","params":{"name":"secret"}}',
    ];
    for (const line of attempts) wrapper.sendRaw(`${line}\n`);
    for (const id of ["dup", "dup2", "esc", "case", "NAME", "meth", "dupm"]) {
      const answer = await wrapper.answerTo(id);
      assert.ok(answer.error, `${id} is refused`);
    }
    assert.deepEqual(await toolsCalledUpstream(wrapper), []);
  });

  it("3. denies names that differ from an allowed one by case, width, homoglyph or a zero-width character", async () => {
    const wrapper = raw();
    for (const name of ["Allowed", "ALLOWED", "ａｌｌｏｗｅｄ", "аllowed", "al\u200blowed", "allowed\u200d", "allowed ", "tool\u2024x"]) {
      const answer = await wrapper.callTool(name);
      assert.equal(answer.result?.isError, true, JSON.stringify(name));
    }
    assert.equal((await wrapper.callTool("tool.x")).result.content[0].text, "raw tools/call tool.x");
    assert.deepEqual(await toolsCalledUpstream(wrapper), ["tool.x"]);
  });

  /**
   * Memory a Node process reading a long line may hold in chunks read and not yet collected (see item 4):
   * up to 92 MB over a 10 MB max was seen on Node.js 24 in CI. Still far below the 200 MB line held whole.
   */
  const READ_SLACK = 110 * 1024 * 1024;

  for (const maxBytes of [undefined, 10_000_000]) {
    const limit = maxBytes ?? 100 * 1024 * 1024;
    it(`4. survives junk, invalid UTF-8, 100,000-deep nesting and a 200 MB line, memory bounded by a ${limit}-byte max`, async () => {
      // --no-audit: the audit writer's start-up (a thread with SQLite, about 14 MB, still growing after the
      // first answer) is not what this measures; the relay's buffering of one hostile line is.
      const limitArgs = maxBytes ? ["--max-message-bytes", String(maxBytes)] : [];
      const wrapper = startProcess({ policy, upstream: RAW_UPSTREAM, extraArgs: ["--no-audit", ...limitArgs] });
      assert.equal((await wrapper.callTool("allowed")).result.content[0].text, "raw tools/call allowed");
      const idle = await peakRss(wrapper.pid);
      wrapper.sendRaw("\u0000\u0001 garbage {{{\n");
      wrapper.sendRaw(Buffer.from([0xfe, 0xff, 0x0a]));
      wrapper.sendRaw(
        `{"jsonrpc":"2.0","id":"deep","method":"tools/call","params":{"name":"allowed","arguments":{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}}}\n`,
      );
      const huge = Buffer.alloc(200 * 1024 * 1024, 0x61);
      huge.write('{"jsonrpc":"2.0","id":"huge","method":"tools/call","params":{"name":"allowed","arguments":{"pad":"', 0);
      huge.write('"}}}\n', huge.length - 5);
      wrapper.sendRaw(huge);
      assert.equal((await wrapper.answerTo("deep")).error.code, -32600);
      assert.equal((await wrapper.answerTo("huge")).error.code, -32001);
      assert.equal(wrapper.messages.filter((m) => m.error?.code === -32700).length, 2);
      assert.equal((await wrapper.callTool("allowed", { after: true })).result.content[0].text, "raw tools/call allowed");
      // The line is skipped, never held whole: growth is bounded by the max plus the chunks read and awaiting GC,
      // not by the line. Those chunks are Buffers, freed when V8's external-memory heuristics (a 64 MB soft limit)
      // or the timing of its collections say so: a bare node process reading 200 MB from a pipe and dropping it
      // peaks 40 MB over idle here, the wrapper 40-55 MB over the max. Holding the line would cost over 200 MB.
      const growth = (await peakRss(wrapper.pid)) - idle;
      assert.ok(growth < limit + READ_SLACK, `grew ${Math.round(growth / 1048576)} MB for a ${Math.round(limit / 1048576)} MB max`);
    });
  }

  it("5. routes answers right when client ids collide with the wrapper's own id forms", async () => {
    const wrapper = raw();
    // tools/list makes the wrapper send requests of its own to the upstream at the same time.
    const ids = [0, "", "policy-wrap:00000000-0000-0000-0000-000000000000:0", "policy-wrap:x:1"];
    for (const id of ids) wrapper.send({ jsonrpc: "2.0", id, method: "tools/list" });
    for (const id of ids) wrapper.send({ jsonrpc: "2.0", id: `${id}-call`, method: "tools/call", params: { name: "allowed" } });
    for (const id of ids) {
      const list = await wrapper.answerTo(id);
      assert.deepEqual(list.result.tools, [], `tools/list ${JSON.stringify(id)} answered with the filtered list`);
      assert.equal((await wrapper.answerTo(`${id}-call`)).result.content[0].text, "raw tools/call allowed");
    }
    assert.equal(wrapper.messages.length, ids.length * 2, "nothing else reached the client");
  });

  it('6. routes ids 0, "" and large integers exactly', async () => {
    const wrapper = raw();
    wrapper.sendRaw('{"jsonrpc":"2.0","id":0,"method":"tools/call","params":{"name":"allowed"}}\n');
    wrapper.sendRaw('{"jsonrpc":"2.0","id":"","method":"tools/call","params":{"name":"allowed"}}\n');
    wrapper.sendRaw('{"jsonrpc":"2.0","id":9007199254740993,"method":"tools/call","params":{"name":"secret"}}\n');
    wrapper.sendRaw('{"jsonrpc":"2.0","id":-12345678901234567890,"method":"tools/call","params":{"name":"secret"}}\n');
    assert.equal((await wrapper.answerTo(0)).result.content[0].text, "raw tools/call allowed");
    assert.equal((await wrapper.answerTo("")).result.content[0].text, "raw tools/call allowed");
    await wrapper.waitFor(
      (m) => m.result?.isError === true && wrapper.lines.filter((l) => l.includes("POLICY DENIED")).length === 2,
      "both denials",
    );
    // Denials the wrapper writes echo the id's exact digits, not a rounded double.
    assert.ok(wrapper.lines.some((l) => l.startsWith('{"jsonrpc":"2.0","id":9007199254740993,')));
    assert.ok(wrapper.lines.some((l) => l.startsWith('{"jsonrpc":"2.0","id":-12345678901234567890,')));
  });
});
