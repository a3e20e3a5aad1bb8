import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json } from "../helpers/wrapper-client.js";

// Two wrappers share a grant and a counter name but define it differently. If
// each pruned with its own window, the short one would erase the long one's
// calls. A counter has one definition per store: the policy loaded last.

const dir = tempDir();
const launch = inProcessStarter();
const state = join(dir, "state.db");

function wrapperWith(max: number, window: string | number, name: string) {
  const policy = writePolicy(
    dir,
    { version: "1", default: "allow", tools: { echo: { limits: [{ counter: "shared", window, max }] } } },
    name,
  );
  return launch({ policy, extraArgs: ["--state", state, "--grant", "team"] });
}

const text = (answer: Json) => answer.result.content[0].text as string;

describe("one definition per counter", () => {
  it("refuses the older policy's calls, with the reason, once a newer policy redefines the counter", async () => {
    const daily = wrapperWith(3, "day", "daily.json");
    await daily.initialize();
    for (let i = 0; i < 3; i++) assert.equal((await daily.callTool("echo")).result.isError, undefined);
    assert.match(text(await daily.callTool("echo")), /Rate limit reached/);

    const fast = wrapperWith(100, 1, "fast.json");
    await fast.initialize();
    assert.equal((await fast.callTool("echo")).result.isError, undefined, "the newer definition counts");

    const refused = await daily.callTool("echo");
    assert.equal(refused.result._meta["policy-wrap/decision"].cause, "limit_store");
    assert.match(
      text(refused),
      /counter "shared" is defined as 100 per 1s by a policy loaded later than this one, which says 3 per 86400s/,
    );
    await daily.waitForStderr(/counter "shared" is defined as/);
    assert.equal(daily.stderr.match(/counter "shared" is defined as/g)?.length, 1, "said once");
  });
});
