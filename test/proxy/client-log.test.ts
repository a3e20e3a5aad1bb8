import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { EVERYTHING_SERVER } from "../helpers/paths.js";
import { tempDir } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json, WrapperClient } from "../helpers/wrapper-client.js";

// A rejected reload reaches the user inside the client: an MCP log message at
// level error, with the same lines as stderr, when the client asked for log
// messages or the upstream declared logging; otherwise stderr alone.

const root = tempDir();
const launch = inProcessStarter();
let n = 0;

const GOOD = { version: "1", default: "allow" };
// Two problems of two kinds (schema and compile), so one pass is visible in the client too.
const BROKEN = `{
  "version": "1",
  "default": "allow",
  "tools": {
    "echo": { "acton": "deny", "deny_if": [{ "conditions": [{ "path": "args.s", "op": "regex", "value": "(a)\\\\1" }] }] }
  }
}
`;
const EVERYTHING = [process.execPath, EVERYTHING_SERVER];

async function start(upstream?: string[]): Promise<{ wrapper: WrapperClient; file: string }> {
  const dir = join(root, `case-${n++}`);
  mkdirSync(dir);
  const file = join(dir, "policy.json");
  writeFileSync(file, JSON.stringify(GOOD));
  const wrapper = launch({ policy: file, upstream, extraArgs: ["--state", join(dir, "state.db")] });
  await wrapper.waitForStderr(/watching .* for changes/g);
  await wrapper.initialize();
  return { wrapper, file };
}

const fromPolicyWrap = (m: Json) => m.method === "notifications/message" && m.params?.logger === "policy-wrap";

/** The rejection's lines as stderr has them, without the logger's prefix. */
function stderrLines(wrapper: WrapperClient): string[] {
  const lines = wrapper.stderr.split("\n");
  const first = lines.findIndex((l) => l.includes("policy reload rejected"));
  return lines
    .slice(first)
    .filter((l) => l.startsWith("policy-wrap error: "))
    .map((l) => l.slice("policy-wrap error: ".length));
}

async function rejectEdit(wrapper: WrapperClient, file: string): Promise<void> {
  writeFileSync(file, BROKEN);
  await wrapper.waitForStderr(/needs backtracking/g);
}

/** Nothing of policy-wrap's own was logged to the client: a round trip after stderr shows everything written before it. */
async function assertNothingSent(wrapper: WrapperClient): Promise<void> {
  await wrapper.request("ping");
  assert.equal(wrapper.messages.filter(fromPolicyWrap).length, 0);
}

describe("a rejected reload in the client", { concurrency: true }, () => {
  it("is sent as an error log message when the client set a level, with the same lines as stderr", async () => {
    const { wrapper, file } = await start();
    await wrapper.request("logging/setLevel", { level: "warning" });
    await rejectEdit(wrapper, file);
    const message = await wrapper.waitFor(fromPolicyWrap, "policy-wrap's log message");
    assert.equal(message.params.level, "error");
    const lines = (message.params.data as string).split("\n");
    assert.equal(lines[0], "policy reload rejected; the last good policy stays in force:");
    assert.match(lines[1] as string, /policy\.json:5:24: unknown field "acton"; did you mean "action"\?$/);
    assert.match(lines[2] as string, /policy\.json:5:105: regex "\(a\)\\\\1" needs backtracking/);
    assert.deepEqual(lines, stderrLines(wrapper));
  });

  it("is sent when the upstream declared logging and the client set no level (server-everything)", async () => {
    const { wrapper, file } = await start(EVERYTHING);
    await rejectEdit(wrapper, file);
    const message = await wrapper.waitFor(fromPolicyWrap, "policy-wrap's log message");
    assert.equal(message.params.level, "error");
    assert.deepEqual((message.params.data as string).split("\n"), stderrLines(wrapper));
  });

  it("is not sent when the client set a level above error, even if the upstream logs", async () => {
    const { wrapper, file } = await start(EVERYTHING);
    await wrapper.request("logging/setLevel", { level: "critical" });
    await rejectEdit(wrapper, file);
    await assertNothingSent(wrapper);
  });

  it("stays on stderr alone when nobody asked for log messages", async () => {
    const { wrapper, file } = await start();
    await rejectEdit(wrapper, file);
    await assertNothingSent(wrapper);
    assert.match(wrapper.stderr, /policy reload rejected/);
  });

  it("passes logging/setLevel on to the upstream and its answer back", async () => {
    const { wrapper } = await start(EVERYTHING);
    const answer = await wrapper.request("logging/setLevel", { level: "error" });
    assert.deepEqual(answer.result, {});
  });
});
