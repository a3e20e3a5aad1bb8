import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BIN, ROOT } from "../helpers/paths.js";
import { isAlive } from "../helpers/processes.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { wrapperStarter, type WrapperProcess } from "../helpers/wrapper-process.js";

// Class 10 of issue 10: on every way out, nothing of the upstream's process
// tree is left behind, even a server that ignores SIGTERM behind a launcher
// that exits first (npx/uvx and a stubborn server).

const dir = tempDir();
const policy = writePolicy(dir, { version: "1", default: "allow" });
const start = wrapperStarter();
const LAUNCHER = [process.execPath, join(ROOT, "test", "fixtures", "stubborn-launcher.mjs")];

let n = 0;
function launch(mode: "stay" | "exit-ready"): { wrapper: WrapperProcess; pidFile: string } {
  const pidFile = join(dir, `server-${n++}.pid`);
  const wrapper = start({ policy, upstream: LAUNCHER, env: { STUBBORN_LAUNCHER: mode, STUBBORN_PID_FILE: pidFile } });
  return { wrapper, pidFile };
}

/** The server's pid, from its own answer (it is ready and serving). */
async function serverPid(wrapper: WrapperProcess): Promise<number> {
  return Number(/stubborn (\d+)/.exec((await wrapper.callTool("who")).result.content[0].text)?.[1]);
}

describe("no process left behind", { concurrency: true }, () => {
  it("when the client leaves: the stubborn server behind a launcher is SIGKILLed after its grace", async () => {
    const { wrapper } = launch("stay");
    const pid = await serverPid(wrapper);
    wrapper.closeStdin();
    await wrapper.exited;
    assert.equal(isAlive(pid), false);
  });

  it("when the launcher exits first: the server it leaves is stopped, and the wrapper exits", async () => {
    const { wrapper, pidFile } = launch("exit-ready");
    await wrapper.exited;
    assert.ok(existsSync(pidFile), "the server was running");
    assert.equal(isAlive(Number(readFileSync(pidFile, "utf8"))), false);
  });

  it("when the wrapper gets SIGTERM: the launcher goes at once, the server after its grace", async () => {
    const { wrapper } = launch("stay");
    const pid = await serverPid(wrapper);
    wrapper.child.kill("SIGTERM");
    assert.equal((await wrapper.exited).code, 143);
    assert.equal(isAlive(pid), false);
  });

  it("when policy-wrap itself fails: the tree is stopped in order, what waits is answered, exit 70", async () => {
    // Fault injection: a module preloaded into the real binary makes a client line holding CRASH_NOW throw, outside any handler.
    const fault = join(dir, "fault.mjs");
    writeFileSync(
      fault,
      'const parse = JSON.parse;\nJSON.parse = (text, ...rest) => { if (String(text).includes("CRASH_NOW")) setImmediate(() => { throw new Error("injected fault"); }); return parse(text, ...rest); };\n',
    );
    const child = spawn(process.execPath, ["--import", fault, BIN, "--policy", policy, "--", ...LAUNCHER], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const answered = new Promise<void>((resolve) =>
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('"id":"w"')) resolve();
      }),
    );
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // "close", not "exit": stderr may still hold the reason when the process has exited.
    const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
    child.stdin.write('{"jsonrpc":"2.0","id":"w","method":"tools/call","params":{"name":"who"}}\n');
    await answered;
    const pid = Number(/stubborn (\d+)/.exec(stdout)?.[1]);
    // A call in flight when the fault hits, in the same chunk: it still gets exactly one answer.
    child.stdin.write(
      '{"jsonrpc":"2.0","id":"p","method":"tools/call","params":{"name":"who"}}\n{"jsonrpc":"2.0","method":"notifications/message","params":{"x":"CRASH_NOW"}}\n',
    );
    assert.equal(await exited, 70, stderr);
    assert.match(stderr, /policy-wrap failed: Error: injected fault/);
    assert.equal(stdout.split("\n").filter((line) => line.includes('"id":"p"')).length, 1, "one answer for the call in flight");
    assert.equal(isAlive(pid), false);
  });
});
