import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../helpers/paths.js";
import { runBinary } from "../helpers/run-binary.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";

// explain and validate --against cover resources, templates and prompts when the
// policy governs them, through the real binary against the resource fixture.

const dir = tempDir();
const server = [process.execPath, join(ROOT, "test", "fixtures", "resource-server.mjs")];
const policy = writePolicy(dir, {
  version: "1",
  default: "allow",
  hide: ["prompt:secret_*"],
  resources: { "file:///home/me/.aws/*": { action: "deny", reason: "Cloud credentials stay on this machine." }, "s3://*": {} },
  prompts: { deploy: { rate_limit: { max: 5, window: "hour" } } },
});

const run = (args: string[]) => runBinary(args);

describe("explain and validate --against with resources and prompts", { concurrency: true }, () => {
  it("explains each resource, template and prompt, and names the pattern that matches nothing", async () => {
    const text = await run(["explain", "--policy", policy, "--", ...server]);
    assert.equal(text.code, 1, text.stderr);
    assert.match(
      text.stdout,
      /\nfile:\/\/\/home\/me\/\.aws\/credentials +hidden +denied \(rule\) +\/resources\/file:~1~1~1home~1me~1\.aws~1\*\n +reason: Cloud credentials stay on this machine\.\n/,
    );
    assert.match(text.stdout, /\nfile:\/\/\/home\/me\/\.aws\/\{file\} +hidden \(no URI it can produce is allowed\)\n/);
    assert.match(text.stdout, /\ndeploy +shown +allowed +\/prompts\/deploy\n +limit: counter "prompt:deploy", 5 per hour, grant scope/);
    assert.match(text.stdout, /\nsecret_prompt +hidden +denied \(hidden\) +\/hide\/0\n/);
    assert.match(
      text.stdout,
      /Names in the policy that match nothing the server lists \(1\):\n {2}\/resources\/s3:~1~1\*: the policy has a rule for the glob "s3:\/\/\*", which matches no resource/,
    );
    const json = JSON.parse((await run(["explain", "--policy", policy, "--json", "--", ...server])).stdout);
    assert.equal(json.resources.length, 8);
    assert.deepEqual(json.templates[1], { uriTemplate: "file:///home/me/.aws/{file}", visible: false });
    assert.equal(json.prompts.find((p: { name: string }) => p.name === "secret_prompt").visible, false);
  });

  it("checks the policy's resource and prompt names in validate --against", async () => {
    const checked = await run(["validate", policy, "--against", "--", ...server]);
    assert.equal(checked.code, 1);
    assert.match(
      checked.stdout,
      /valid \(default allow, 0 tools, 0 globs, 0 hidden patterns, 1 limit; resources: default allow, 2 rules, 0 hidden patterns; prompts: default allow, 1 rule, 1 hidden pattern\)/,
    );
    assert.match(checked.stdout, /1 name matches nothing of resource-fixture 1\.0\.0 \(1 tool\):\n {2}\/resources\/s3:~1~1\*/);
  });
});
