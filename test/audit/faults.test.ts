import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it, type TestContext } from "node:test";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json } from "../helpers/wrapper-client.js";
import { runCli, tamper } from "./helpers.js";

// An audit file that cannot be written: calls go on and stderr says so once;
// with --audit-required, governed calls are refused with that reason. A disk
// that fills up and frees again leaves a gap record that `log verify` reports.

const dir = tempDir();
const launch = inProcessStarter();
const policy = writePolicy(dir, { version: "1", default: "allow", tools: { DropTable: { action: "deny" } } });
const decision = (answer: Json) => answer.result?._meta?.["policy-wrap/decision"];

function brokenFiles(t: TestContext): [string, string][] {
  const corrupt = join(dir, "corrupt.db");
  writeFileSync(corrupt, Buffer.alloc(4096, 0x33));
  const notAudit = join(dir, "other.db");
  const faults: [string, string][] = [
    ["corrupt", corrupt],
    ["missing directory", join(dir, "nowhere", "audit.db")],
    ["a directory", dir],
    ["another SQLite file", notAudit],
  ];
  const readOnly = join(dir, "readonly.db");
  tamper(notAudit, "CREATE TABLE IF NOT EXISTS counters (bucket TEXT)");
  writeFileSync(readOnly, "");
  try {
    execFileSync("chattr", ["+i", readOnly]);
    after(() => execFileSync("chattr", ["-i", readOnly]));
    faults.push(["read-only", readOnly]);
  } catch {
    t.diagnostic("chattr +i unavailable: the read-only case is not run here");
  }
  return faults;
}

describe("an audit file that cannot be written", () => {
  it("lets calls go on and says so once on stderr", async (t) => {
    for (const [label, audit] of brokenFiles(t)) {
      const wrapper = launch({ policy, extraArgs: ["--audit", audit] });
      await wrapper.initialize();
      for (let i = 0; i < 3; i++)
        assert.equal((await wrapper.callTool("echo", { i })).result.content[0].text, JSON.stringify({ i }), label);
      assert.equal(decision(await wrapper.callTool("DropTable"))?.cause, "rule", label);
      await wrapper.waitForStderr(/cannot be written/g);
      await wrapper.stop();
      assert.equal(wrapper.stderr.match(/cannot be written/g)?.length, 1, `${label}: ${wrapper.stderr}`);
      assert.match(wrapper.stderr, /calls go on unrecorded/, label);
    }
  });

  it("with --audit-required, refuses governed calls with that reason", async (t) => {
    for (const [label, audit] of brokenFiles(t)) {
      const wrapper = launch({ policy, extraArgs: ["--audit", audit, "--audit-required"] });
      await wrapper.initialize();
      for (let i = 0; i < 3; i++) {
        const answer = await wrapper.callTool("echo", { i });
        assert.equal(answer.result.isError, true, label);
        assert.equal(decision(answer)?.cause, "audit", label);
        assert.match(decision(answer)?.reason, /audit trail cannot record it .*--audit-required/, label);
      }
      assert.equal(decision(await wrapper.callTool("DropTable"))?.cause, "rule", label);
      // Calls the policy does not govern still pass.
      assert.ok((await wrapper.request("tools/list")).result.tools.length > 0, label);
      await wrapper.stop();
      assert.equal(wrapper.stderr.match(/cannot be written/g)?.length, 1, `${label}: ${wrapper.stderr}`);
      assert.match(wrapper.stderr, /--audit-required is set, so calls are refused/, label);
    }
  });

  it("refuses --audit-required with --no-audit", () => {
    const run = runCli(["--policy", policy, "--no-audit", "--audit-required", "--", "true"]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--audit-required needs an audit trail/);
  });

  it("records a gap when the disk fills up and frees again, and log verify reports it", async (t) => {
    const mountPoint = join(dir, "small-disk");
    mkdirSync(mountPoint);
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint], { stdio: "ignore" });
    } catch {
      t.skip("cannot mount a small tmpfs here (needs root)");
      return;
    }
    after(() => execFileSync("umount", ["-l", mountPoint]));
    const audit = join(mountPoint, "audit.db");
    const wrapper = launch({ policy, extraArgs: ["--audit", audit] });
    await wrapper.initialize();
    await wrapper.callTool("echo");
    const filler = join(mountPoint, "filler");
    try {
      writeFileSync(filler, Buffer.alloc(1024 * 1024));
    } catch {
      // ENOSPC: the disk is now full, as intended.
    }
    // Calls until the writer reports each turn, however many that takes: only a batch of records makes it try
    // the file, and after a failed open it tries again only after a pause of its own (a count of calls, or a
    // deadline, would race that pause).
    const pad = "p".repeat(4096);
    while (!/cannot be written/.test(wrapper.stderr)) await wrapper.callTool("echo", { pad });
    assert.match(wrapper.stderr, /cannot be written: the disk is full/);
    rmSync(filler);
    // Writing resumes at a later hand-over (a file that failed to open is tried again a second later):
    // calls go on until the wrapper says so, however long that takes here.
    let resumed = false;
    const resumption = wrapper.waitForStderr(/is written again; \d+ record\(s\) were lost/g).finally(() => (resumed = true));
    for (let i = 0; !resumed; i++) await wrapper.callTool("echo", { i });
    await resumption;
    await wrapper.stop();
    const verify = runCli(["log", "verify", "--audit", audit]);
    assert.equal(verify.status, 3, verify.stdout);
    assert.match(verify.stdout, /GAP at record \d+ .*: \d+ record\(s\) were not written: .*disk is full/);
    assert.match(verify.stdout, /the chain is intact but incomplete: 1 gap/);
  });
});
