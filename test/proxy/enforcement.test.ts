import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter, type InProcessWrapper } from "../helpers/in-process-wrapper.js";
import type { Json } from "../helpers/wrapper-client.js";

const dir = tempDir();
const launch = inProcessStarter();
let n = 0;

function start(policy: Json, env: NodeJS.ProcessEnv = {}): InProcessWrapper {
  return launch({ policy: writePolicy(dir, policy, `p${n++}.json`), env });
}

const denial = (answer: Json) => answer.result?._meta?.["policy-wrap/decision"];

describe("tools/list through the wrapper", () => {
  it("follows every upstream page and returns only allowed tools, in one response", async () => {
    const wrapper = start(
      { version: "1", default: "deny", hide: ["Secret*"], tools: { "List*": {}, echo: {}, DropTable: { action: "deny" }, SecretList: {} } },
      { FIXTURE_TOOLS: "ListA,ListB,ListC,DropTable,SecretList,Other", FIXTURE_PAGE_SIZE: "2" },
    );
    await wrapper.initialize();
    const answer = await wrapper.request("tools/list");
    assert.deepEqual(
      answer.result.tools.map((t: Json) => t.name),
      ["echo", "ListA", "ListB", "ListC"],
    );
    assert.equal(answer.result.nextCursor, undefined);
    // Definitions pass untouched.
    assert.deepEqual(answer.result.tools[0], {
      name: "echo",
      description: "fixture tool echo",
      inputSchema: { type: "object" },
      annotations: { title: "echo" },
    });
  });

  it("advertises tools.listChanged in the initialize result and keeps the rest", async () => {
    const wrapper = start({ version: "1", default: "allow" });
    const answer = await wrapper.initialize();
    assert.equal(answer.result.capabilities.tools.listChanged, true);
    assert.equal(answer.result.serverInfo.name, "fixture");
  });
});

describe("tools/call through the wrapper", () => {
  const policy = {
    version: "1",
    default: "deny",
    hide: ["hang"],
    tools: {
      echo: {},
      "Delete*": { action: "deny", reason: "Deletion is done by humans in the console." },
      slow: { action: "require_approval" },
      big: { deny_if: [{ conditions: [{ path: "args.bytes", op: "gt", value: 100 }], on_deny: "Too big." }] },
    },
  };

  it("forwards an allowed call and relays the upstream's answer", async () => {
    const wrapper = start(policy);
    await wrapper.initialize();
    const answer = await wrapper.callTool("echo", { said: "hi" });
    assert.deepEqual(answer.result.content, [{ type: "text", text: '{"said":"hi"}' }]);
  });

  it("denies a hidden tool with a hidden-by-policy reason", async () => {
    const wrapper = start(policy);
    await wrapper.initialize();
    const answer = await wrapper.callTool("hang");
    assert.equal(answer.result.isError, true);
    assert.equal(answer.result.content[0].text, '[POLICY DENIED] Tool "hang" is hidden by policy.');
    assert.deepEqual(denial(answer), {
      outcome: "deny",
      tool: "hang",
      cause: "hidden",
      rule: "/hide/0",
      reason: 'Tool "hang" is hidden by policy.',
    });
  });

  it("denies a tool no rule names under default deny", async () => {
    const wrapper = start(policy);
    await wrapper.initialize();
    const answer = await wrapper.callTool("crash");
    assert.equal(answer.result.content[0].text, '[POLICY DENIED] Tool "crash" is not permitted by the default policy.');
    assert.equal(denial(answer).rule, "/default");
    // The crash tool never ran: the upstream is still answering.
    assert.ok((await wrapper.callTool("echo")).result);
  });

  it("denies by a glob rule with the rule's reason and pointer", async () => {
    const wrapper = start({ ...policy, default: "allow" });
    await wrapper.initialize();
    const answer = await wrapper.callTool("DeleteEverything");
    assert.equal(answer.result.content[0].text, "[POLICY DENIED] Deletion is done by humans in the console.");
    assert.deepEqual(denial(answer), {
      outcome: "deny",
      tool: "DeleteEverything",
      cause: "rule",
      rule: "/tools/Delete*",
      reason: "Deletion is done by humans in the console.",
    });
  });

  it("denies by a deny_if condition with its on_deny text", async () => {
    const wrapper = start(policy);
    await wrapper.initialize();
    const answer = await wrapper.callTool("big", { bytes: 1000 });
    assert.equal(answer.result.content[0].text, "[POLICY DENIED] Too big.");
    assert.equal(denial(answer).rule, "/tools/big/deny_if/0");
    const small = await wrapper.callTool("big", { bytes: 10 });
    assert.equal(small.result.content[0].text, "x".repeat(10));
  });

  it("never forwards a call that needs approval nobody gives", async () => {
    const records = join(dir, `records-${n}.db`);
    const wrapper = launch({
      policy: writePolicy(dir, policy, `p${n++}.json`),
      extraArgs: ["--approval-timeout", "1", "--records", records],
    });
    await wrapper.initialize();
    const answer = await wrapper.callTool("slow", { ms: 1 });
    assert.equal(answer.result.isError, true);
    assert.equal(denial(answer).cause, "approval");
    assert.match(answer.result.content[0].text, /No one approved the call to "slow" within 1 s\./);
  });

  it("matches names exactly: a case variant of an allowed tool is denied", async () => {
    const wrapper = start(policy);
    await wrapper.initialize();
    const answer = await wrapper.callTool("ECHO");
    assert.equal(denial(answer).cause, "default");
  });

  it("checks a call that asks for a task like any other", async () => {
    const wrapper = start(policy);
    await wrapper.initialize();
    const answer = await wrapper.request("tools/call", { name: "DeleteAll", arguments: {}, task: { ttl: 60000 } });
    assert.equal(denial(answer).rule, "/tools/Delete*");
  });

  it("refuses a call whose params hide a case-variant of name", async () => {
    const wrapper = start({ ...policy, default: "allow" });
    await wrapper.initialize();
    wrapper.sendRaw('{"jsonrpc":"2.0","id":"v","method":"tools/call","params":{"name":"echo","Name":"DeleteAll"}}\n');
    const answer = await wrapper.answerTo("v");
    assert.equal(answer.error.code, -32600);
    assert.match(answer.error.message, /keys "name" and "Name" are equal under case folding/);
  });

  it("refuses a request with duplicate keys instead of forwarding it", async () => {
    const wrapper = start(policy);
    await wrapper.initialize();
    wrapper.sendRaw('{"jsonrpc":"2.0","id":"d","method":"tools/call","params":{"name":"echo","name":"DeleteAll"}}\n');
    const answer = await wrapper.answerTo("d");
    assert.equal(answer.error.code, -32600);
    assert.match(answer.error.message, /duplicate key "name"/);
  });
});

describe("policy names that match no live tool", () => {
  it("are named on stderr once the client lists tools, with a did-you-mean, and once per policy", async () => {
    const wrapper = start(
      { version: "1", default: "allow", hide: ["get_env"], tools: { "Drop*": { action: "deny" }, echo: {} } },
      { FIXTURE_TOOLS: "get-env" },
    );
    await wrapper.initialize();
    await wrapper.request("tools/list");
    await wrapper.waitForStderr(/\/hide\/0: the policy hides "get_env", which matches no tool the server lists; did you mean "get-env"\?/);
    await wrapper.waitForStderr(/\/tools\/Drop\*: the policy has a rule for the glob "Drop\*", which matches no tool/);
    await wrapper.request("tools/list");
    assert.equal(wrapper.stderr.match(/hides "get_env"/g)?.length, 1, "said once for this policy and list");
    assert.ok(!/"echo", which matches no tool/.test(wrapper.stderr));
  });
});
