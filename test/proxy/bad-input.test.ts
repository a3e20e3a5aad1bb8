import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fixtureCommand, ROOT } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { StartOptions, WrapperClient } from "../helpers/wrapper-client.js";

const policy = writePolicy(tempDir(), { version: "1", default: "allow", hide: ["hang"] });
const launch = inProcessStarter();
const start = (options: Partial<StartOptions> = {}) => launch({ policy, ...options });
const rawUpstream = [process.execPath, `${ROOT}/test/fixtures/raw-upstream.mjs`];

describe("bad input from the client", { concurrency: true }, () => {
  it("answers a line that is not JSON with a parse error and keeps serving", async () => {
    const wrapper = start();
    wrapper.sendRaw("this is not json\n");
    const error = await wrapper.waitFor((m) => m.error?.code === -32700);
    assert.equal(error.id, null);
    assert.ok((await wrapper.callTool("echo")).result);
  });

  it("answers invalid UTF-8 with a parse error", async () => {
    const wrapper = start();
    wrapper.sendRaw(
      Buffer.concat([
        Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}}\n'),
      ]),
    );
    const error = await wrapper.waitFor((m) => m.error?.code === -32700);
    assert.match(error.error.message, /UTF-8/);
    assert.ok((await wrapper.callTool("echo")).result);
  });

  it("refuses a batch, even one hiding a call to a hidden tool", async () => {
    const wrapper = start();
    wrapper.sendRaw('[{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"hang"}}]\n');
    const error = await wrapper.waitFor((m) => m.error?.code === -32600);
    assert.equal(error.id, null);
    assert.ok((await wrapper.callTool("echo")).result);
  });

  it("refuses an object nested too deeply to check", async () => {
    const wrapper = start();
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    wrapper.sendRaw(`{"jsonrpc":"2.0","id":"deep","method":"tools/call","params":{"name":"echo","arguments":{"a":${deep}}}}\n`);
    const error = await wrapper.answerTo("deep");
    assert.equal(error.error.code, -32600);
    assert.ok((await wrapper.callTool("echo")).result);
  });

  it("answers a message over --max-message-bytes by its id, without holding it", async () => {
    const wrapper = start({ extraArgs: ["--max-message-bytes", "1000"] });
    wrapper.send({ jsonrpc: "2.0", id: "huge", method: "tools/call", params: { name: "echo", arguments: { pad: "y".repeat(5000) } } });
    const error = await wrapper.answerTo("huge");
    assert.equal(error.error.code, -32001);
    assert.ok((await wrapper.callTool("echo")).result);
  });

  it("refuses invalid envelopes with -32600", async () => {
    const wrapper = start();
    wrapper.sendRaw('{"jsonrpc":"1.0","id":5,"method":"ping"}\n');
    assert.equal((await wrapper.answerTo(5)).error.code, -32600);
    wrapper.sendRaw('{"jsonrpc":"2.0","id":null,"method":"ping"}\n');
    assert.equal((await wrapper.waitFor((m) => m.id === null && m.error?.code === -32600)).error.code, -32600);
  });
});

describe("bad input from the upstream", { concurrency: true }, () => {
  it("drops junk lines, logs them, and delivers the real answers", async () => {
    const wrapper = start({ upstream: rawUpstream, env: { RAW_JUNK: "utf8,batch,text" } });
    const answer = await wrapper.callTool("anything");
    assert.deepEqual(answer.result.content, [{ type: "text", text: "raw tools/call anything" }]);
    assert.equal(wrapper.messages.length, 1, "only the real answer reaches the client");
    assert.match(wrapper.stderr, /not valid UTF-8/);
    assert.match(wrapper.stderr, /not JSON: Server starting/);
  });

  it("never passes on a response to a request the upstream was not sent", async () => {
    const wrapper = start({ upstream: rawUpstream, env: { RAW_JUNK: "stray" } });
    await wrapper.callTool("anything");
    const list = await wrapper.request("tools/list");
    assert.deepEqual(
      list.result.tools.map((t: { name: string }) => t.name),
      ["raw"],
    );
    assert.ok(!wrapper.lines.some((line) => line.includes("evil")));
  });

  it("survives a banner printed to stdout before the first message", async () => {
    const wrapper = start({ upstream: fixtureCommand(), env: { FIXTURE_BANNER: "Welcome to my MCP server v1!\n\n" } });
    await wrapper.initialize();
    assert.ok((await wrapper.callTool("echo")).result);
    assert.match(wrapper.stderr, /Welcome to my MCP server/);
  });
});

describe("large messages", () => {
  it("relays a 20 MB tool result intact", async () => {
    const wrapper = start();
    const bytes = 20 * 1024 * 1024;
    const answer = await wrapper.callTool("big", { bytes });
    const text: string = answer.result.content[0].text;
    assert.equal(text.length, bytes);
    assert.ok(/^x+$/.test(text));
  });
});
