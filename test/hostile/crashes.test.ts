import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import { RAW_UPSTREAM } from "./helpers.js";

// Class 5 of issue 10: no input from either side and no file content may
// crash, hang or silence the wrapper; every request still gets one answer.

const dir = tempDir();
const start = inProcessStarter();
const HOSTILE = [process.execPath, join(ROOT, "test", "fixtures", "hostile-upstream.mjs")];

describe("crashes and silences", { concurrency: true }, () => {
  it('survives a policy edit with an invalid escape (a regex written "^\\d+$"), keeping the last good policy', async () => {
    const file = writePolicy(dir, { version: "1", default: "allow", tools: { secret: { action: "deny" } } }, "escape.json");
    const wrapper = start({ policy: file, upstream: RAW_UPSTREAM });
    await wrapper.waitForStderr(/watching/g);
    writeFileSync(
      file,
      '{"version":"1","default":"allow","tools":{"n":{"deny_if":[{"conditions":[{"path":"args.n","op":"regex","value":"^\\d+$"}]}]}}}',
    );
    await wrapper.waitForStderr(/invalid escape/g);
    assert.equal((await wrapper.callTool("secret")).result.isError, true, "the last good policy is still in force");
    writePolicy(dir, { version: "1", default: "allow" }, "escape.json");
    await wrapper.waitForStderr(/policy reloaded|reload.*accepted|reloaded/g);
    assert.equal((await wrapper.callTool("secret")).result.content[0].text, "raw tools/call secret", "later edits still load");
  });

  it("refuses a policy path replaced by a FIFO without blocking, and exits when the client leaves", async () => {
    const file = writePolicy(dir, { version: "1", default: "allow", tools: { secret: { action: "deny" } } }, "fifo.json");
    const wrapper = start({ policy: file, upstream: RAW_UPSTREAM });
    await wrapper.waitForStderr(/watching/g);
    rmSync(file);
    execFileSync("mkfifo", [file]);
    await wrapper.waitForStderr(/not a regular file/g);
    assert.equal((await wrapper.callTool("secret")).result.isError, true);
    const replacement = join(dir, "fifo.next.json");
    writeFileSync(replacement, JSON.stringify({ version: "1", default: "allow" }));
    renameSync(replacement, file);
    await wrapper.waitForStderr(/reloaded/g);
    assert.equal((await wrapper.callTool("secret")).result.content[0].text, "raw tools/call secret");
    wrapper.closeStdin();
    assert.equal((await wrapper.exited).code, 0);
  });

  it("refuses to start on a FIFO, a device or a file over 4 MiB as the policy, instead of blocking", async () => {
    const fifo = join(dir, "start.fifo");
    execFileSync("mkfifo", [fifo]);
    const big = join(dir, "big.json");
    writeFileSync(big, `{"version":"1","default":"allow","description":"${"x".repeat(5 * 1024 * 1024)}"}`);
    for (const [policy, why] of [
      [fifo, /not a regular file/],
      ["/dev/zero", /not a regular file/],
      [big, /larger than 4194304 bytes/],
    ] as const) {
      const child = spawn(process.execPath, [join(ROOT, "bin", "policy-wrap.js"), "--policy", policy, "--", ...RAW_UPSTREAM], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      // "close", not "exit": stderr may still hold the reason when the process has exited.
      const code = await new Promise((resolve) => child.once("close", resolve));
      assert.equal(code, 1, policy);
      assert.match(stderr, why);
    }
  });

  it("survives an upstream answer over the size limit whose id does not parse", async () => {
    // The hostile upstream lists no tools array, so with pins on no call could be checked against its pin.
    const policy = writePolicy(dir, { version: "1", default: "allow", pin: "off" }, "bad-id.json");
    const wrapper = start({ policy, upstream: HOSTILE, env: { HOSTILE_MODE: "bad-id" }, extraArgs: ["--max-message-bytes", "100000"] });
    wrapper.send({ jsonrpc: "2.0", id: "huge", method: "tools/call", params: { name: "huge" } });
    assert.equal((await wrapper.callTool("after")).result.content[0].text, "hostile tools/call");
    await wrapper.waitForStderr(/over --max-message-bytes/g);
    wrapper.closeStdin();
    const huge = await wrapper.answerTo("huge");
    assert.equal(huge.error.code, -32000, "the call its answer never reached is still answered, when the upstream goes");
  });

  it("answers a tools/list whose merged answer cannot be encoded, with an error", async () => {
    const policy = writePolicy(dir, { version: "1", default: "allow" }, "deep.json");
    const wrapper = start({ policy, upstream: HOSTILE, env: { HOSTILE_MODE: "deep-tools" } });
    const list = await wrapper.request("tools/list");
    assert.ok(list.error || list.result, "one answer");
    assert.equal((await wrapper.callTool("after")).result.content[0].text, "hostile tools/call");
  });

  it("gives a refused client answer to the request it answered, not back to the client", async () => {
    const policy = writePolicy(dir, { version: "1", default: "allow" }, "answer.json");
    const wrapper = start({ policy });
    await wrapper.initialize({ sampling: {} });
    wrapper.send({ jsonrpc: "2.0", id: "ask", method: "tools/call", params: { name: "ask", arguments: { prompt: "hi" } } });
    const sampling = await wrapper.waitFor((m) => m.method === "sampling/createMessage", "the server's sampling request");
    // The answer repeats a key under case folding: refused.
    wrapper.sendRaw(
      `{"jsonrpc":"2.0","id":${JSON.stringify(sampling.id)},"result":{"role":"assistant","content":{"type":"text","text":"x"},"model":"m","Model":"n"}}\n`,
    );
    const ask = await wrapper.answerTo("ask");
    assert.ok(ask.error || ask.result?.isError, JSON.stringify(ask));
    assert.equal(wrapper.lines.filter((l) => l.includes('"id":"ask"')).length, 1);
    assert.ok(
      !wrapper.messages.some((m) => m.id === sampling.id && !("method" in m)),
      "no error went back to the client under its own request's id",
    );
  });
});
