import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { wrapperStarter, type Json, type WrapperProcess } from "../helpers/wrapper-process.js";

// completion/complete for an allowed resource template, attacked: the values
// of the answer are judged on the argument and context the request names, so
// a request whose argument or context another server could read differently
// (Go's case-folding binder reads `Name` as `name`, `Arguments` as
// `arguments`), or that names no argument at all, cannot be judged, and is
// refused before it reaches the upstream.

const dir = tempDir();
const FIXTURE = join(ROOT, "test", "fixtures", "resource-server.mjs");
const launch = wrapperStarter();
let n = 0;

const dotfiles = {
  version: "1",
  default: "allow",
  hide: ["resource:file:///home/me/.ssh/*"],
  resources: { "file:///home/me/.aws/*": { action: "deny" } },
};

async function start(): Promise<{ wrapper: WrapperProcess; received: () => Json[] }> {
  const record = join(dir, `record-${n}.jsonl`);
  const wrapper = launch({
    policy: writePolicy(dir, dotfiles, `policy-${n}.json`),
    upstream: [process.execPath, FIXTURE],
    env: { RECORD: record },
    extraArgs: ["--state", join(dir, `state-${n++}.db`)],
  });
  await wrapper.initialize();
  const received = () =>
    existsSync(record)
      ? readFileSync(record, "utf8")
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line) as Json)
      : [];
  return { wrapper, received };
}

const ref = { type: "ref/resource", uri: "file:///home/me/{+path}" };
const completions = (received: Json[]) => received.filter((m) => m.method === "completion/complete");

describe("completion for an allowed template", { concurrency: true }, () => {
  it("refuses an argument or context that a case-folding server could read differently, or no argument at all", async () => {
    const { wrapper, received } = await start();
    for (const params of [
      { ref, argument: { Name: "path", value: "" } },
      { ref, argument: { name: "path", VALUE: "" } },
      { ref, argument: { name: "PATH", value: "" } },
      { ref, argument: { name: "path", value: "" }, context: { Arguments: { user: "me" } } },
      { ref },
      { ref, argument: "path" },
      { ref, argument: { name: 7, value: "" } },
    ]) {
      const answer = await wrapper.request("completion/complete", params);
      assert.equal(answer.error?.code, -32602, JSON.stringify(params));
    }
    assert.deepEqual(completions(received()), []);
  });

  it("refuses a reference that names both a prompt and a template, which a lenient server could take for either", async () => {
    const { wrapper, received } = await start();
    for (const bothRef of [
      { type: "ref/prompt", name: "summarize", uri: "file:///home/me/.aws/{file}" },
      { type: "ref/resource", uri: "file:///home/me/{+path}", name: "secret_prompt" },
    ]) {
      const answer = await wrapper.request("completion/complete", { ref: bothRef, argument: { name: "file", value: "" } });
      assert.equal(answer.error?.code, -32602, JSON.stringify(bothRef));
      assert.match(answer.error.message, /names both/);
    }
    assert.deepEqual(completions(received()), []);
  });
});
