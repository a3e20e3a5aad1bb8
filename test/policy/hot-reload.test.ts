import assert from "node:assert/strict";
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json, WrapperClient } from "../helpers/wrapper-client.js";

// Real files, real edits, the wrapper run in process: each way of saving a policy
// must reach the running wrapper, and no bad edit may weaken it.

const root = tempDir();
const launch = inProcessStarter();
let n = 0;

const allowAll = { version: "1", default: "allow" };
const denyEcho = { version: "1", default: "allow", tools: { echo: { action: "deny", reason: "echo is off now" } } };
const text = (policy: unknown) => `${JSON.stringify(policy, null, 2)}\n`;
const RELOADED = /policy reloaded/g;
const REJECTED = /policy reload rejected/g;

async function startWatching(file: string, options: { list?: boolean } = {}): Promise<WrapperClient> {
  const wrapper = launch({ policy: file, extraArgs: ["--state", join(root, `state-${n++}.db`)] });
  await wrapper.waitForStderr(/watching .* for changes/g);
  await wrapper.initialize();
  if (options.list !== false) await wrapper.request("tools/list");
  return wrapper;
}

function freshDir(): string {
  const dir = join(root, `case-${n++}`);
  mkdirSync(dir);
  return dir;
}

const isDenied = (answer: Json) => answer.result?.isError === true;
const listChangedCount = (w: WrapperClient) => w.messages.filter((m) => m.method === "notifications/tools/list_changed").length;

async function assertTightened(wrapper: WrapperClient): Promise<void> {
  await wrapper.waitForStderr(RELOADED);
  await wrapper.waitFor((m) => m.method === "notifications/tools/list_changed", "list_changed");
  const call = await wrapper.callTool("echo");
  assert.ok(isDenied(call));
  assert.equal(call.result.content[0].text, "[POLICY DENIED] echo is off now");
  const list = await wrapper.request("tools/list");
  assert.ok(!list.result.tools.some((t: Json) => t.name === "echo"));
}

describe("hot reload", { concurrency: true }, () => {
  it("picks up an in-place write, and the next call is judged by it", async () => {
    const file = join(freshDir(), "policy.json");
    writeFileSync(file, text(allowAll));
    const wrapper = await startWatching(file);
    assert.ok(!isDenied(await wrapper.callTool("echo")));
    writeFileSync(file, text(denyEcho));
    await assertTightened(wrapper);
    assert.match(wrapper.stderr, /policy reloaded from .*: visible tools -echo; limits unchanged/);
  });

  it("picks up a save by rename (write a temporary file, rename it over the policy)", async () => {
    const dir = freshDir();
    const file = join(dir, "policy.json");
    writeFileSync(file, text(allowAll));
    const wrapper = await startWatching(file);
    writeFileSync(join(dir, ".policy.json.tmp"), text(denyEcho));
    renameSync(join(dir, ".policy.json.tmp"), file);
    await assertTightened(wrapper);
  });

  it("picks up a vim-style save (original renamed to a backup, new file written, backup removed)", async () => {
    const dir = freshDir();
    const file = join(dir, "policy.json");
    writeFileSync(file, text(allowAll));
    const wrapper = await startWatching(file);
    renameSync(file, `${file}~`);
    writeFileSync(file, text(denyEcho));
    rmSync(`${file}~`);
    await assertTightened(wrapper);
  });

  it("picks up a ConfigMap-style swap of the ..data symlink", async () => {
    // The layout kubelet writes: timestamped directories, a ..data link, and the file linked through it.
    const dir = freshDir();
    const first = "..2026_11_22_06_00_00.000000001";
    const second = "..2026_11_22_06_05_00.000000002";
    mkdirSync(join(dir, first));
    writeFileSync(join(dir, first, "policy.json"), text(allowAll));
    symlinkSync(first, join(dir, "..data"));
    symlinkSync("..data/policy.json", join(dir, "policy.json"));
    const wrapper = await startWatching(join(dir, "policy.json"));
    mkdirSync(join(dir, second));
    writeFileSync(join(dir, second, "policy.json"), text(denyEcho));
    symlinkSync(second, join(dir, "..data_tmp"));
    renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
    rmSync(join(dir, first), { recursive: true });
    await assertTightened(wrapper);
  });

  it("picks up a symlink swap of the parent directory, and edits in the new target after it", async () => {
    const dir = freshDir();
    mkdirSync(join(dir, "gen-a"));
    mkdirSync(join(dir, "gen-b"));
    writeFileSync(join(dir, "gen-a", "policy.json"), text(allowAll));
    writeFileSync(join(dir, "gen-b", "policy.json"), text(denyEcho));
    symlinkSync(join(dir, "gen-a"), join(dir, "current"));
    const wrapper = await startWatching(join(dir, "current", "policy.json"));
    symlinkSync(join(dir, "gen-b"), join(dir, "next"));
    renameSync(join(dir, "next"), join(dir, "current"));
    await assertTightened(wrapper);
    writeFileSync(join(dir, "gen-b", "policy.json"), text(allowAll));
    await wrapper.waitForStderr(RELOADED, 2);
    assert.ok(!isDenied(await wrapper.callTool("echo")));
  });

  it("keeps the last good policy through an invalid edit, and loads the fix", async () => {
    const file = join(freshDir(), "policy.json");
    writeFileSync(file, text(denyEcho));
    const wrapper = await startWatching(file);
    writeFileSync(file, '{\n  "version": "1",\n  "default": "allow",\n  "tools": { "echo": { "acton": "allow" } }\n}\n');
    await wrapper.waitForStderr(REJECTED);
    // Each problem is a log line of its own, written after the heading.
    await wrapper.waitForStderr(/policy\.json:4:33: unknown field "acton"; did you mean "action"\?/);
    assert.ok(isDenied(await wrapper.callTool("echo")), "still judged by the last good policy");
    writeFileSync(file, text(allowAll));
    await wrapper.waitForStderr(RELOADED);
    assert.ok(!isDenied(await wrapper.callTool("echo")));
  });

  it("keeps the last good policy while the file is deleted, and loads it when recreated", async () => {
    const file = join(freshDir(), "policy.json");
    writeFileSync(file, text(denyEcho));
    const wrapper = await startWatching(file);
    rmSync(file);
    await wrapper.waitForStderr(/cannot read the policy \S+policy\.json: no such file \(working directory /g);
    assert.ok(isDenied(await wrapper.callTool("echo")));
    writeFileSync(file, text(allowAll));
    await wrapper.waitForStderr(RELOADED);
    assert.ok(!isDenied(await wrapper.callTool("echo")));
  });

  it("sends list_changed exactly when the visible set changes", async () => {
    const file = join(freshDir(), "policy.json");
    writeFileSync(file, text(denyEcho));
    const wrapper = await startWatching(file);
    writeFileSync(file, text({ ...denyEcho, tools: { echo: { action: "deny", reason: "a new reason" } } }));
    await wrapper.waitForStderr(RELOADED);
    writeFileSync(file, text({ ...denyEcho, hide: ["slow"] }));
    await wrapper.waitForStderr(RELOADED, 2);
    await wrapper.waitFor((m) => m.method === "notifications/tools/list_changed", "list_changed");
    // A round trip after the second reload: anything sent for the first would have arrived by now.
    await wrapper.callTool("echo");
    assert.equal(listChangedCount(wrapper), 1);
    assert.match(wrapper.stderr, /visible tools unchanged; limits unchanged/);
    assert.match(wrapper.stderr, /visible tools -slow/);
  });

  it("turns a burst of writes into one reload, and ignores a write of the same content", async () => {
    const file = join(freshDir(), "policy.json");
    writeFileSync(file, text(allowAll));
    const wrapper = await startWatching(file);
    for (let i = 0; i < 30; i++) writeFileSync(file, text({ ...allowAll, description: `draft ${i}` }));
    await wrapper.waitForStderr(RELOADED);
    writeFileSync(file, text({ ...allowAll, description: "draft 29" }));
    writeFileSync(file, text(denyEcho));
    await wrapper.waitForStderr(RELOADED, 2);
    await wrapper.callTool("echo");
    assert.equal(wrapper.stderr.match(RELOADED)?.length, 2);
  });

  it("keeps counters across a reload and applies a changed max to the calls already counted", async () => {
    const file = join(freshDir(), "policy.json");
    const limited = (max: number) =>
      text({ version: "1", default: "allow", tools: { echo: { limits: [{ counter: "echoes", window: "day", max }] } } });
    writeFileSync(file, limited(2));
    const wrapper = await startWatching(file, { list: false });
    assert.ok(!isDenied(await wrapper.callTool("echo")));
    assert.ok(!isDenied(await wrapper.callTool("echo")));
    assert.ok(isDenied(await wrapper.callTool("echo")));
    writeFileSync(file, limited(3));
    await wrapper.waitForStderr(RELOADED);
    assert.match(wrapper.stderr, /limits echoes 2\/day -> 3\/day/);
    assert.ok(!isDenied(await wrapper.callTool("echo")));
    assert.ok(isDenied(await wrapper.callTool("echo")));
  });
});
