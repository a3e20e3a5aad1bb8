import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { isAlive } from "../helpers/processes.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { wrapperStarter, type StartOptions, type WrapperProcess } from "../helpers/wrapper-process.js";

const dir = tempDir();
const policy = writePolicy(dir, { version: "1", default: "allow" });
const launch = wrapperStarter();
const start = (options: Partial<StartOptions> = {}) => launch({ policy, ...options });

async function upstreamPid(wrapper: WrapperProcess): Promise<number> {
  return Number((await wrapper.callTool("pid")).result.content[0].text);
}

describe("upstream lifecycle", { concurrency: true }, () => {
  it("answers every call in flight with an error when the upstream dies, and exits with its code", async () => {
    const wrapper = start();
    await wrapper.initialize();
    wrapper.send({ jsonrpc: "2.0", id: "a", method: "tools/call", params: { name: "hang" } });
    wrapper.send({ jsonrpc: "2.0", id: "b", method: "tools/call", params: { name: "hang" } });
    wrapper.send({ jsonrpc: "2.0", id: "c", method: "tools/call", params: { name: "crash", arguments: { code: 3 } } });
    const answers = await Promise.all(["a", "b", "c"].map((id) => wrapper.answerTo(id)));
    for (const answer of answers) {
      assert.equal(answer.error.code, -32000);
      assert.match(answer.error.message, /exited with code 3/);
    }
    assert.deepEqual(await wrapper.exited, { code: 3, signal: null });
    assert.equal(wrapper.lines.filter((l) => /"id":"[abc]"/.test(l)).length, 3, "exactly one answer each");
  });

  it("on client EOF still writes the answers in flight, then stops the upstream and exits 0", async () => {
    const wrapper = start();
    await wrapper.initialize();
    const pid = await upstreamPid(wrapper);
    wrapper.send({ jsonrpc: "2.0", id: "s1", method: "tools/call", params: { name: "slow", arguments: { ms: 300 } } });
    wrapper.send({ jsonrpc: "2.0", id: "s2", method: "tools/call", params: { name: "slow", arguments: { ms: 300 } } });
    wrapper.closeStdin();
    const [s1, s2] = await Promise.all([wrapper.answerTo("s1"), wrapper.answerTo("s2")]);
    assert.equal(s1.result.content[0].text, "slow done");
    assert.equal(s2.result.content[0].text, "slow done");
    assert.deepEqual(await wrapper.exited, { code: 0, signal: null });
    assert.equal(isAlive(pid), false, "the upstream is gone");
  });

  it("answers a call that never finishes when the client leaves, and stops the upstream", async () => {
    const wrapper = start();
    await wrapper.initialize();
    const pid = await upstreamPid(wrapper);
    wrapper.send({ jsonrpc: "2.0", id: "h", method: "tools/call", params: { name: "hang" } });
    wrapper.closeStdin();
    const answer = await wrapper.answerTo("h");
    assert.equal(answer.error.code, -32000);
    assert.equal((await wrapper.exited).code, 0);
    assert.equal(isAlive(pid), false);
  });

  it("forwards SIGTERM to the upstream and both exit", async () => {
    const wrapper = start();
    await wrapper.initialize();
    const pid = await upstreamPid(wrapper);
    wrapper.child.kill("SIGTERM");
    const exit = await wrapper.exited;
    assert.equal(exit.code, 128 + 15);
    assert.equal(isAlive(pid), false);
  });

  it("reports an upstream that cannot start, and exits 127", async () => {
    const wrapper = start({ upstream: [join(dir, "no-such-server")] });
    assert.equal((await wrapper.exited).code, 127);
    assert.equal(wrapper.lines.length, 0, "nothing but protocol on stdout");
    assert.match(wrapper.stderr, /could not be started/);
  });

  it("never starts the upstream when the policy is invalid", async () => {
    const marker = join(dir, "started");
    const bad = writePolicy(dir, { version: "1", default: "maybe" }, "bad.json");
    const wrapper = start({
      policy: bad,
      upstream: [process.execPath, "-e", `require("fs").writeFileSync(${JSON.stringify(marker)}, "")`],
    });
    assert.equal((await wrapper.exited).code, 1);
    assert.match(wrapper.stderr, /bad\.json:3:14: default must be "allow" or "deny", not "maybe"/);
    assert.equal(existsSync(marker), false);
  });
});
