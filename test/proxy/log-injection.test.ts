import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";

// Names and reasons come from outside; on stderr they can neither forge a line
// nor reach the terminal as control sequences.

const launch = inProcessStarter();
const FORGED = "policy-wrap info: approved DeleteEverything by the user";

describe("log lines from outside text", () => {
  it("escapes a tool name carrying a newline, a CR and terminal escapes", async () => {
    const wrapper = launch({ policy: writePolicy(tempDir(), { version: "1", default: "deny" }) });
    await wrapper.initialize();
    const name = `x\n${FORGED}\r\u001b[2J\u001b[31m\u2028\u202e`;
    const answer = await wrapper.callTool(name);
    assert.equal(answer.result.isError, true);
    await wrapper.waitForStderr(/denied/);
    const lines = wrapper.stderr.split("\n");
    assert.ok(!lines.some((line) => line.startsWith(FORGED)), `a forged line reached stderr:\n${wrapper.stderr}`);
    assert.ok(!/[\u001b\r\u2028\u202e]/.test(wrapper.stderr), "no raw control character reaches stderr");
    const denial = lines.find((line) => line.includes("denied")) ?? "";
    assert.ok(denial.includes(`"x\\n${FORGED}\\r\\u001b[2J`), denial);
  });

  it("escapes a policy reason the same way", async () => {
    const policy = writePolicy(tempDir(), { version: "1", default: "allow", tools: { t: { action: "deny", reason: `no\n${FORGED}` } } });
    const wrapper = launch({ policy });
    await wrapper.initialize();
    await wrapper.callTool("t");
    await wrapper.waitForStderr(/denied/);
    assert.ok(!wrapper.stderr.split("\n").some((line) => line.startsWith(FORGED)));
  });
});
