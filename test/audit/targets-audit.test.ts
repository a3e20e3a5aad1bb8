import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import { readRecords, runCli } from "./helpers.js";

// Resource reads and prompt gets are audited like tool calls: one decision per
// request and one result per forwarded one, named in the JSON output with
// OpenTelemetry's MCP attributes (mcp.resource.uri, gen_ai.prompt.name).

const dir = tempDir();
const launch = inProcessStarter();
const policy = writePolicy(dir, {
  version: "1",
  default: "allow",
  resources: { "file:///home/me/.aws/*": { action: "deny" } },
  prompts: { deploy: {}, "secret-*": { action: "deny", reason: "Not for agents." } },
});

describe("audit records of resources and prompts", () => {
  it("records decisions and results for reads and gets, named by kind", async () => {
    const audit = join(dir, "targets.db");
    const wrapper = launch({
      policy,
      upstream: [process.execPath, join(ROOT, "test", "fixtures", "resource-server.mjs")],
      extraArgs: ["--audit", audit],
    });
    await wrapper.initialize();
    await wrapper.request("resources/read", { uri: "file:///home/me/.aws/credentials" });
    await wrapper.request("resources/read", { uri: "file:///home/me/notes.txt" });
    await wrapper.request("prompts/get", { name: "deploy", arguments: { env: "dev" } });
    await wrapper.stop();
    const rows = readRecords(audit).filter((r) => r.kind === "decision" || r.kind === "result");
    assert.deepEqual(
      rows.map((r) => [r.kind, r.method, r.tool, r.kind === "result" ? r.result : r.outcome]),
      [
        ["decision", "resources/read", "file:///home/me/.aws/credentials", "deny"],
        ["decision", "resources/read", "file:///home/me/notes.txt", "allow"],
        ["result", "resources/read", "file:///home/me/notes.txt", "ok"],
        ["decision", "prompts/get", "deploy", "allow"],
        ["result", "prompts/get", "deploy", "ok"],
      ],
    );
    const json = runCli(["log", "--audit", audit, "--json"])
      .stdout.trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((r) => r["policy_wrap.record"] === "decision");
    assert.deepEqual(
      json.map((r) => [r["mcp.resource.uri"], r["gen_ai.prompt.name"], r["gen_ai.tool.name"]]),
      [
        ["file:///home/me/.aws/credentials", undefined, undefined],
        ["file:///home/me/notes.txt", undefined, undefined],
        [undefined, "deploy", undefined],
      ],
    );
  });

  it("records requests refused before they could be judged, and completions for refused prompts", async () => {
    const audit = join(dir, "refused.db");
    const wrapper = launch({
      policy,
      upstream: [process.execPath, join(ROOT, "test", "fixtures", "resource-server.mjs")],
      extraArgs: ["--audit", audit],
    });
    await wrapper.initialize();
    const answers = [
      await wrapper.request("tools/call", { name: "echo", Arguments: { text: "hi" } }),
      await wrapper.request("resources/read", { URI: "file:///home/me/.aws/credentials" }),
      await wrapper.request("completion/complete", {
        ref: { type: "ref/prompt", name: "secret-keys" },
        argument: { name: "a", value: "" },
      }),
    ];
    await wrapper.stop();
    assert.deepEqual(
      answers.map((a) => a.error?.code),
      [-32602, -32602, -32003],
    );
    const rows = readRecords(audit).filter((r) => r.kind === "decision");
    assert.deepEqual(
      rows.map((r) => [r.method, r.tool, r.outcome, r.cause, r.reason]),
      [
        ["tools/call", "echo", "deny", "params", 'Invalid params: ambiguous member "Arguments"'],
        ["resources/read", "", "deny", "params", 'Invalid params: resources/read needs a string "uri"'],
        ["completion/complete", "secret-keys", "deny", "rule", "Not for agents."],
      ],
    );
    assert.equal(readRecords(audit).filter((r) => r.kind === "result").length, 0);
  });
});
