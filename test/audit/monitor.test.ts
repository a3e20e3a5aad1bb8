import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json } from "../helpers/wrapper-client.js";
import { decisions, readRecords, results, runCli } from "./helpers.js";

// Monitor mode through the real binary: nothing hidden or refused, every
// refusal recorded as would_deny, and only what enforce mode admits counted.

const dir = tempDir();
const launch = inProcessStarter();
let n = 0;

const strict = {
  version: "1",
  default: "deny",
  hide: ["pid"],
  tools: {
    echo: { rate_limit: { max: 2, window: "hour" } },
    DropTable: { action: "deny", reason: "Never." },
    slow: { action: "require_approval" },
    big: { deny_if: [{ conditions: [{ path: "args.bytes", op: "gt", value: 10 }], on_deny: "Too big." }] },
  },
};

function start(policy: Json, extraArgs: string[] = []) {
  const audit = join(dir, `audit-${n}.db`);
  const state = join(dir, `state-${n}.db`);
  const wrapper = launch({
    policy: writePolicy(dir, policy, `p${n++}.json`),
    extraArgs: ["--audit", audit, "--state", state, ...extraArgs],
    env: { FIXTURE_TOOLS: "DropTable" },
  });
  return { wrapper, audit, state };
}

const text = (answer: Json) => answer.result?.content?.[0]?.text;

describe("monitor mode", () => {
  for (const [label, policy, args] of [
    ["--mode monitor", strict, ["--mode", "monitor"]],
    ['"mode": "monitor" in the policy', { ...strict, mode: "monitor" }, []],
  ] as const) {
    it(`forwards what enforce mode refuses and records would_deny (${label})`, async () => {
      const { wrapper, audit, state } = start(policy, [...args]);
      await wrapper.initialize({ elicitation: {} });
      wrapper.serve(() => {
        throw new Error("monitor mode must not ask anyone");
      });
      const listed = (await wrapper.request("tools/list")).result.tools.map((t: Json) => t.name);
      assert.ok(listed.includes("pid") && listed.includes("DropTable") && listed.includes("fail"), "nothing is hidden");
      assert.equal(text(await wrapper.callTool("DropTable")), "DropTable");
      assert.match(text(await wrapper.callTool("pid")), /^\d+$/);
      assert.equal(text(await wrapper.callTool("big", { bytes: 11 })), "x".repeat(11));
      assert.equal(text(await wrapper.callTool("slow", { ms: 1 })), "slow done");
      for (let i = 0; i < 4; i++) assert.equal(text(await wrapper.callTool("echo", { i })), JSON.stringify({ i }));
      await wrapper.stop();

      const rows = decisions(readRecords(audit));
      const got = rows.map((r) => [r.tool, r.outcome, r.cause, r.rule, r.mode]);
      assert.deepEqual(got, [
        ["DropTable", "would_deny", "rule", "/tools/DropTable", "monitor"],
        ["pid", "would_deny", "hidden", "/hide/0", "monitor"],
        ["big", "would_deny", "condition", "/tools/big/deny_if/0", "monitor"],
        ["slow", "would_deny", "approval", "/tools/slow", "monitor"],
        ["echo", "allow", null, "/tools/echo", "monitor"],
        ["echo", "allow", null, "/tools/echo", "monitor"],
        ["echo", "would_deny", "rate_limit", "/tools/echo/rate_limit", "monitor"],
        ["echo", "would_deny", "rate_limit", "/tools/echo/rate_limit", "monitor"],
      ]);
      assert.equal(rows.find((r) => r.tool === "DropTable")?.reason, "Never.");
      // Every call ran, would_deny or not.
      assert.equal(results(readRecords(audit)).length, 8);
      assert.ok(results(readRecords(audit)).every((r) => r.result === "ok"));
      assert.match(wrapper.stderr, /monitor mode: nothing is hidden or refused/);
      assert.equal(wrapper.stderr.match(/would deny "echo" \(rate_limit/g)?.length, 2);
      assert.match(wrapper.stderr, /would deny "DropTable" \(rule, \/tools\/DropTable\), forwarded in monitor mode: Never\./);
      // Only the two calls enforce mode admits were counted.
      const counters = JSON.parse(runCli(["counters", "--state", state, "--json"]).stdout) as Json[];
      assert.deepEqual(
        counters.map((c) => [c.counter, c.used]),
        [["echo", 2]],
      );
    });
  }

  it("is overruled by an explicit enforce on either side, with a warning", async () => {
    const flagWins = start({ ...strict, mode: "monitor" }, ["--mode", "enforce"]);
    await flagWins.wrapper.initialize();
    assert.match(text(await flagWins.wrapper.callTool("DropTable")), /POLICY DENIED/);
    await flagWins.wrapper.waitForStderr(/--mode enforce and the policy's "mode": "monitor" disagree; enforce wins/g);
    const policyWins = start({ ...strict, mode: "enforce" }, ["--mode", "monitor"]);
    await policyWins.wrapper.initialize();
    assert.match(text(await policyWins.wrapper.callTool("DropTable")), /POLICY DENIED/);
    await policyWins.wrapper.waitForStderr(/disagree; enforce wins/g);
    await Promise.all([flagWins.wrapper.stop(), policyWins.wrapper.stop()]);
    assert.equal(decisions(readRecords(flagWins.audit))[0]?.outcome, "deny");
  });

  it("switches with a reload of the policy, showing and hiding tools again", async () => {
    const { wrapper, audit } = start({ ...strict, mode: "monitor" });
    await wrapper.initialize();
    await wrapper.request("tools/list");
    assert.equal(text(await wrapper.callTool("DropTable")), "DropTable");
    writePolicy(dir, strict, `p${n - 1}.json`);
    await wrapper.waitFor((m) => m.method === "notifications/tools/list_changed", "list_changed");
    assert.match(text(await wrapper.callTool("DropTable")), /POLICY DENIED/);
    assert.ok(!(await wrapper.request("tools/list")).result.tools.some((t: Json) => t.name === "DropTable"));
    await wrapper.stop();
    assert.deepEqual(
      decisions(readRecords(audit)).map((r) => [r.outcome, r.mode]),
      [
        ["would_deny", "monitor"],
        ["deny", "enforce"],
      ],
    );
  });
});
