import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RAW_UPSTREAM, toolsCalledUpstream } from "../hostile/helpers.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";

// A call held for approval is judged again, against the policy in force when
// the answer comes: a reload meanwhile may have hidden or denied the tool.

const dir = tempDir();
const launch = inProcessStarter();
let n = 0;

function policyFile(tool: object): string {
  return writePolicy(dir, { version: "1", default: "allow", tools: { StartExport: tool } }, `approval-${n++}.json`);
}

describe("approval across a reload", () => {
  for (const [label, edit, expected] of [
    [
      "denied",
      { action: "deny", reason: "Exports are paused." },
      /policy changed while the call waited for approval.*Exports are paused\./,
    ],
    ["hidden", "hide", /policy changed while the call waited for approval.*Tool "StartExport" is hidden by policy\./],
  ] as const) {
    it(`refuses an approved call whose tool was ${label} while the question was open`, async () => {
      const file = policyFile({ action: "require_approval" });
      const wrapper = launch({ policy: file, upstream: RAW_UPSTREAM, extraArgs: ["--state", join(dir, `s${n}.db`)] });
      await wrapper.initialize({ elicitation: {} });
      await wrapper.waitForStderr(/watching/);
      wrapper.send({ jsonrpc: "2.0", id: "x1", method: "tools/call", params: { name: "StartExport", arguments: {} } });
      const ask = await wrapper.waitFor((m) => m.method === "elicitation/create", "the approval question");
      const next =
        edit === "hide"
          ? { version: "1", default: "allow", hide: ["StartExport"] }
          : { version: "1", default: "allow", tools: { StartExport: edit } };
      writeFileSync(file, JSON.stringify(next));
      await wrapper.waitForStderr(/policy reloaded/);
      wrapper.send({ jsonrpc: "2.0", id: ask.id, result: { action: "accept", content: { approve: true } } });
      const answer = await wrapper.answerTo("x1");
      assert.equal(answer.result.isError, true);
      assert.match(answer.result.content[0].text, expected);
      assert.deepEqual(await toolsCalledUpstream(wrapper), []);
    });
  }

  it("forwards an approved call that the new policy still allows, with the new policy's limits", async () => {
    const file = policyFile({ action: "require_approval" });
    const wrapper = launch({ policy: file, upstream: RAW_UPSTREAM, extraArgs: ["--state", join(dir, `s${n}.db`)] });
    await wrapper.initialize({ elicitation: {} });
    await wrapper.waitForStderr(/watching/);
    wrapper.send({ jsonrpc: "2.0", id: "y1", method: "tools/call", params: { name: "StartExport", arguments: {} } });
    const ask = await wrapper.waitFor((m) => m.method === "elicitation/create", "the approval question");
    writeFileSync(
      file,
      JSON.stringify({ version: "1", default: "allow", tools: { StartExport: { rate_limit: { max: 1, window: "day" } } } }),
    );
    await wrapper.waitForStderr(/policy reloaded/);
    wrapper.send({ jsonrpc: "2.0", id: ask.id, result: { action: "accept", content: { approve: true } } });
    assert.equal((await wrapper.answerTo("y1")).result.content[0].text, "raw tools/call StartExport");
    const second = await wrapper.callTool("StartExport");
    assert.match(second.result.content[0].text, /Rate limit reached for StartExport/, "the new policy's limit counted the approved call");
    assert.deepEqual(await toolsCalledUpstream(wrapper), ["StartExport"]);
  });
});
