import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json, WrapperClient } from "../helpers/wrapper-client.js";

// Prompts through the real binary: prompts/list filtered and merged,
// prompts/get refused with the decision (hidden, denied, default, argument
// conditions read laxly, rate limits), names that differ only in case or
// Unicode form, and completion for refused prompts.

const dir = tempDir();
const FIXTURE = join(ROOT, "test", "fixtures", "resource-server.mjs");
const launch = inProcessStarter();
let n = 0;

const policy = {
  version: "1",
  default: "allow",
  hide: ["prompt:secret_*"],
  prompts: {
    deploy: {
      deny_if: [{ conditions: [{ path: "args.env", op: "eq", value: "prod" }], on_deny: "Deploy prompts are not for prod." }],
      require: [{ conditions: [{ path: "args.env", op: "exists", value: true }], on_deny: "Say which environment." }],
    },
    summarize: { rate_limit: { max: 2, window: "hour" } },
    review: { action: "deny", reason: "Reviews are written by people." },
  },
};

async function start(document: object = policy): Promise<{ wrapper: WrapperClient; received: () => Json[] }> {
  const record = join(dir, `record-${n}.jsonl`);
  const file = writePolicy(dir, document, `policy-${n}.json`);
  const wrapper = launch({
    policy: file,
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

const get = (wrapper: WrapperClient, name: string, args?: Json) =>
  wrapper.request("prompts/get", args === undefined ? { name } : { name, arguments: args });
const gotten = (received: Json[]) => received.filter((m) => m.method === "prompts/get").map((m) => [m.params.name, m.params.arguments]);

describe("prompts", { concurrency: true }, () => {
  it("merges every page of prompts/list and shows only the prompts a get could reach", async () => {
    const { wrapper, received } = await start();
    const answer = await wrapper.request("prompts/list");
    assert.deepEqual(
      answer.result.prompts.map((p: Json) => p.name),
      ["summarize", "deploy"],
    );
    assert.deepEqual(answer.result.prompts[1], { name: "deploy", arguments: [{ name: "env", required: true }] });
    assert.equal(received().filter((m) => m.method === "prompts/list").length, 2);
  });

  it("refuses a hidden or denied prompt, in any case or Unicode spelling, with the decision", async () => {
    const { wrapper, received } = await start();
    for (const name of ["secret_prompt", "Secret_Prompt", "SECRET_PROMPT", "ｓecret_prompt", "\u017fecret_prompt"]) {
      const answer = await get(wrapper, name);
      assert.equal(answer.error?.code, -32003, name);
      assert.deepEqual(answer.error.data, {
        outcome: "deny",
        prompt: name,
        cause: "hidden",
        rule: "/hide/0",
        reason: `Prompt "${name}" is hidden by policy.`,
      });
    }
    const review = await get(wrapper, "Review");
    assert.equal(review.error.message, "[POLICY DENIED] Reviews are written by people.");
    assert.equal(review.error.data.rule, "/prompts/review");
    assert.deepEqual(gotten(received()), []);
  });

  it("judges prompt arguments as a lax server reads them", async () => {
    const { wrapper, received } = await start();
    for (const args of [{ env: "prod" }, { env: '"prod"' }, { ENV: "prod" }, {}]) {
      const answer = await get(wrapper, "deploy", args);
      assert.equal(answer.error?.code, -32003, JSON.stringify(args));
      assert.equal(answer.error.data.cause, "condition", JSON.stringify(args));
    }
    const missing = await get(wrapper, "deploy");
    assert.equal(missing.error.message, "[POLICY DENIED] Say which environment.");
    const ok = await get(wrapper, "deploy", { env: "dev" });
    assert.equal(ok.result.messages[0].content.text, 'deploy {"env":"dev"}');
    assert.deepEqual(gotten(received()), [["deploy", { env: "dev" }]]);
  });

  it("refuses prompt arguments that are not strings, which a server that stringifies them reads otherwise", async () => {
    const { wrapper, received } = await start();
    // MCP prompt arguments are strings; `${["prod"]}` is "prod" to a server that interpolates it.
    for (const args of [{ env: ["prod"] }, { env: { toString: "prod" } }, { env: 1 }, { env: null }, { env: true }]) {
      const answer = await get(wrapper, "deploy", args);
      assert.equal(answer.error?.code, -32602, JSON.stringify(args));
      assert.match(answer.error.message, /prompt arguments are strings/, JSON.stringify(args));
    }
    assert.deepEqual(gotten(received()), []);
  });

  it("counts prompt gets against their limits, case variants on the same counter", async () => {
    const { wrapper, received } = await start();
    assert.ok((await get(wrapper, "summarize", { topic: "a" })).result);
    assert.ok((await get(wrapper, "Summarize", { topic: "b" })).result);
    const third = await get(wrapper, "SUMMARIZE", { topic: "c" });
    assert.equal(third.error.code, -32003);
    assert.equal(third.error.data.cause, "rate_limit");
    assert.equal(third.error.data.counter, "prompt:summarize");
    assert.equal(third.error.data.max, 2);
    assert.ok(third.error.data.retryAfterMs > 0);
    assert.match(third.error.message, /^\[POLICY DENIED\] Rate limit reached for SUMMARIZE: 2 calls per hour \(counter prompt:summarize\)/);
    assert.equal(gotten(received()).length, 2);
  });

  it("does not complete arguments of a refused prompt, and completes those of an allowed one", async () => {
    const { wrapper, received } = await start();
    const complete = (name: string, argument: string) =>
      wrapper.request("completion/complete", { ref: { type: "ref/prompt", name }, argument: { name: argument, value: "" } });
    for (const name of ["secret_prompt", "Secret_prompt"]) {
      const refused = await complete(name, "project");
      assert.equal(refused.error.code, -32003, name);
      assert.equal(refused.error.data.cause, "hidden", name);
    }
    const ambiguous = await wrapper.request("completion/complete", {
      ref: { type: "ref/Prompt", name: "secret_prompt" },
      argument: { name: "project", value: "" },
    });
    assert.equal(ambiguous.error.code, -32602);
    const allowed = await complete("deploy", "env");
    assert.deepEqual(allowed.result.completion.values, ["dev", "staging", "prod"]);
    assert.deepEqual(
      received()
        .filter((m) => m.method === "completion/complete")
        .map((m) => m.params.ref.name),
      ["deploy"],
    );
  });

  it("refuses a prompt no rule allows under default_prompts deny", async () => {
    const { wrapper } = await start({ version: "1", default: "allow", default_prompts: "deny", prompts: { "sum*": {} } });
    const list = await wrapper.request("prompts/list");
    assert.deepEqual(
      list.result.prompts.map((p: Json) => p.name),
      ["summarize"],
    );
    const refused = await get(wrapper, "deploy", { env: "dev" });
    assert.equal(refused.error.data.cause, "default");
    assert.equal(refused.error.data.rule, "/default_prompts");
    assert.equal(refused.error.message, '[POLICY DENIED] Prompt "deploy" is not permitted by the default policy.');
  });

  it("names prompt rules that match no listed prompt on stderr, once the client lists prompts", async () => {
    const { wrapper } = await start({ version: "1", default: "allow", prompts: { sumarize: {}, deploy: {} } });
    await wrapper.request("prompts/list");
    await wrapper.waitForStderr(
      /\/prompts\/sumarize: the policy has a rule for "sumarize", which matches no prompt the server lists; did you mean "summarize"\?/,
    );
    assert.ok(!/"deploy", which matches no prompt/.test(wrapper.stderr));
  });
});
