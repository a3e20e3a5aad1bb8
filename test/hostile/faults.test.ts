import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it, type TestContext } from "node:test";
import { fixtureCommand } from "../helpers/paths.js";
import { isAlive } from "../helpers/processes.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import { wrapperStarter } from "../helpers/wrapper-process.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { LAUNCHER } from "./helpers.js";

// Items 7-13 of the hostile-input issue: a failing upstream, a leaving client,
// signals, a broken counter store, and a policy file that goes bad. The
// wrapper is a process where its exit, its signals or its upstream's pid are
// the point; in process otherwise.

const dir = tempDir();
const allowAll = writePolicy(dir, { version: "1", default: "allow" }, "allow.json");
const start = wrapperStarter();
const startInProcess = inProcessStarter();

async function upstreamPid(wrapper: ReturnType<typeof start>): Promise<number> {
  return Number((await wrapper.callTool("pid")).result.content[0].text);
}

describe("faults", { concurrency: true }, () => {
  it("7. upstream SIGKILLed with 3 calls in flight: 3 errors, a non-zero exit, no replay", async () => {
    const wrapper = start({ policy: allowAll });
    await wrapper.initialize();
    const pid = await upstreamPid(wrapper);
    for (const id of ["k1", "k2", "k3"]) wrapper.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "hang" } });
    // A round trip behind them proves all three are with the upstream.
    await wrapper.callTool("echo");
    process.kill(pid, "SIGKILL");
    for (const id of ["k1", "k2", "k3"]) assert.equal((await wrapper.answerTo(id)).error.code, -32000);
    const exit = await wrapper.exited;
    assert.equal(exit.code, 128 + 9);
    assert.equal(wrapper.lines.filter((l) => /"id":"k[123]"/.test(l)).length, 3, "one answer each, nothing replayed");
    assert.match(wrapper.stderr, /killed by SIGKILL/);
  });

  it("8. upstream writes a banner to stdout before its first message: logged, dropped, the session works", async () => {
    const wrapper = startInProcess({ policy: allowAll, env: { FIXTURE_BANNER: "Starting server...\n\u001b[32mReady\u001b[0m\n" } });
    const init = await wrapper.initialize();
    assert.equal(init.result.serverInfo.name, "fixture");
    assert.match(wrapper.stderr, /not JSON: Starting server/);
    assert.ok(wrapper.messages.every((m) => m.jsonrpc === "2.0"));
  });

  it("9. upstream never answers initialize: no hang of the wrapper's own, clean exit on stdin EOF", async () => {
    const silent = [process.execPath, "-e", "setInterval(() => {}, 1000); process.stdin.resume();"];
    const wrapper = start({ policy: allowAll, upstream: silent });
    wrapper.send({
      jsonrpc: "2.0",
      id: "init",
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    });
    wrapper.closeStdin();
    const answer = await wrapper.answerTo("init");
    assert.equal(answer.error.code, -32000);
    assert.equal((await wrapper.exited).code, 0);
  });

  it("10. client leaves with 2 calls in flight: both answered, then the launcher and its child are gone", async () => {
    const pidFile = join(dir, "grandchild.pid");
    // The launcher's server lists no tools; with pins on, a call could not be checked against its pin.
    const unpinned = writePolicy(dir, { version: "1", default: "allow", pin: "off" }, "unpinned.json");
    const wrapper = start({ policy: unpinned, upstream: LAUNCHER, env: { LAUNCHER_PID_FILE: pidFile } });
    for (const id of ["x1", "x2"]) wrapper.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "held" } });
    // A round trip behind them proves both are with the server (it answers them at EOF), however slow its start.
    assert.equal((await wrapper.callTool("anything")).result.content[0].text, "grandchild");
    wrapper.closeStdin();
    assert.equal((await wrapper.answerTo("x1")).result.content[0].text, "grandchild");
    assert.equal((await wrapper.answerTo("x2")).result.content[0].text, "grandchild");
    assert.equal((await wrapper.exited).code, 0);
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    assert.equal(isAlive(grandchild), false, "the launcher's child was not left behind");
    const orphans = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })
      .split("\n")
      .filter((l) => l.includes(pidFile));
    assert.deepEqual(orphans, []);
  });

  it("11. SIGTERM to the wrapper reaches the upstream; both exit", async () => {
    const wrapper = start({ policy: allowAll });
    await wrapper.initialize();
    const pid = await upstreamPid(wrapper);
    wrapper.child.kill("SIGTERM");
    assert.equal((await wrapper.exited).code, 143);
    assert.equal(isAlive(pid), false);
  });

  it("12. a broken counter store refuses only rate-limited calls, with one stderr message", async (t: TestContext) => {
    const limited = writePolicy(
      dir,
      // The counter store alone: tool pins kept in the same broken file would hold every tool back (test/pins covers that).
      { version: "1", default: "allow", pin: "off", tools: { echo: { rate_limit: { max: 100, window: "day" } } } },
      "limited.json",
    );
    const corrupt = join(dir, "corrupt.db");
    writeFileSync(corrupt, Buffer.alloc(4096, 0x33));
    const readOnly = join(dir, "readonly.db");
    const faults: [string, string][] = [
      ["corrupt", corrupt],
      ["missing directory", join(dir, "nowhere", "state.db")],
    ];
    const probe = startInProcess({ policy: limited, extraArgs: ["--state", readOnly] });
    await probe.callTool("echo");
    await probe.stop();
    try {
      execFileSync("chattr", ["+i", readOnly]);
      after(() => execFileSync("chattr", ["-i", readOnly]));
      faults.push(["read-only", readOnly]);
    } catch {
      t.diagnostic("chattr +i unavailable: read-only case covered by the limiter tests only");
    }
    for (const [label, state] of faults) {
      const wrapper = startInProcess({ policy: limited, extraArgs: ["--state", state] });
      for (let i = 0; i < 3; i++) assert.match((await wrapper.callTool("echo")).result.content[0].text, /cannot be checked/, label);
      assert.equal((await wrapper.callTool("slow", { ms: 1 })).result.content[0].text, "slow done", label);
      assert.equal(wrapper.stderr.match(/rate-limited calls are refused until this is fixed/g)?.length, 1, `${label}: ${wrapper.stderr}`);
      assert.equal(wrapper.stderr.match(/counter store/g)?.length, 1, `${label}: the fault is named once in all of stderr`);
    }
  });

  it("13. the policy replaced by garbage, deleted, or made unreadable: the last good policy stays", async () => {
    const caseDir = join(dir, "policy-faults");
    mkdirSync(caseDir);
    const file = writePolicy(caseDir, { version: "1", default: "allow", tools: { echo: { action: "deny" } } });
    const wrapper = startInProcess({ policy: file, upstream: fixtureCommand() });
    await wrapper.waitForStderr(/watching/g);
    const echoDenied = async () => (await wrapper.callTool("echo")).result.isError === true;
    writeFileSync(file, "\u0000\u0001garbage");
    await wrapper.waitForStderr(/policy reload rejected/g, 1);
    assert.equal(await echoDenied(), true);
    rmSync(file);
    await wrapper.waitForStderr(/policy reload rejected/g, 2);
    assert.equal(await echoDenied(), true);
    mkdirSync(file);
    await wrapper.waitForStderr(/cannot read the policy \S+: it is a directory/g);
    assert.equal(await echoDenied(), true);
    assert.doesNotMatch(wrapper.stderr, /policy reloaded/);
  });
});
