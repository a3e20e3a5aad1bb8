import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { findOtherNode, OTHER_NODE_NOTICE } from "../helpers/other-node.js";
import { BIN, ROOT } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { wrapperStarter } from "../helpers/wrapper-process.js";

// A Node.js upgrade leaves better-sqlite3 built for the old major. The real
// failure (NODE_MODULE_VERSION ...), reproduced by running the built wrapper
// with another Node's binary: limited calls still fail closed, and the reason
// names the command to run and the folder to run it in.

const other = findOtherNode();
const skip = other ? false : process.env.CI === "true" ? false : OTHER_NODE_NOTICE;
if (skip) console.log(`# skipped: ${skip}`);
const dir = tempDir();
const launch = wrapperStarter();
const FIX = `cd ${resolve(ROOT)} && npm rebuild better-sqlite3`;

describe("better-sqlite3 built for another Node.js major", { skip, concurrency: true }, () => {
  it("finds a Node.js binary of another major (CI must have one)", () => {
    assert.ok(other, OTHER_NODE_NOTICE);
  });

  it("refuses limited calls with the fix, and keeps unlimited tools working", async () => {
    const node = other?.path as string;
    // Pinning off: with it on, every tool needs the store (the next test).
    const policy = writePolicy(dir, {
      version: "1",
      default: "allow",
      pin: "off",
      tools: { echo: { rate_limit: { max: 5, window: "minute" } } },
    });
    const wrapper = launch({ policy, node, extraArgs: ["--state", join(dir, "state.db")] });
    await wrapper.initialize();
    const limited = await wrapper.callTool("echo", { text: "hi" });
    assert.equal(limited.result.isError, true);
    const text = limited.result.content[0].text as string;
    assert.match(text, /^\[POLICY DENIED\]/);
    assert.ok(text.includes(FIX), text);
    const unlimited = await wrapper.callTool("pid");
    assert.notEqual(unlimited.result.isError, true, JSON.stringify(unlimited));
    await wrapper.waitForStderr(/npm rebuild better-sqlite3/g);
    assert.ok(wrapper.stderr.includes(`another Node.js version than this one (${other?.version})`), wrapper.stderr);
    assert.ok(wrapper.stderr.includes(FIX), wrapper.stderr);
  });

  it("with pinning on (the default), refuses every tool, since no definition can be checked, with the fix", async () => {
    const node = other?.path as string;
    const policy = writePolicy(dir, { version: "1", default: "allow" }, "pinned.json");
    const wrapper = launch({ policy, node, extraArgs: ["--state", join(dir, "pinned.db")] });
    await wrapper.initialize();
    const call = await wrapper.callTool("pid");
    assert.equal(call.result.isError, true);
    assert.equal(call.result._meta["policy-wrap/decision"].cause, "pin_unverified");
    assert.ok((call.result.content[0].text as string).includes(FIX), JSON.stringify(call));
  });

  it("says the same from counters, and exits 1", () => {
    const state = join(dir, "counters.db");
    // A store made by this Node.js, read by the other one.
    const made = spawnSync(process.execPath, ["-e", `new (require("better-sqlite3"))(${JSON.stringify(state)}).close()`], { cwd: ROOT });
    assert.equal(made.status, 0);
    const run = spawnSync(other?.path as string, [BIN, "counters", "--state", state], { encoding: "utf8" });
    assert.equal(run.status, 1);
    assert.equal(
      run.stderr,
      `policy-wrap: the SQLite module (better-sqlite3) was built for another Node.js version than this one (${other?.version}); rebuild it with this Node.js: ${FIX}\n`,
    );
  });
});
