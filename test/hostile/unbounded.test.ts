import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import { join } from "node:path";
import { ROOT } from "../helpers/paths.js";
import { RAW_UPSTREAM } from "./helpers.js";

const HOSTILE = [process.execPath, join(ROOT, "test", "fixtures", "hostile-upstream.mjs")];

// Class 11 of issue 10: no input may demand unbounded work of the wrapper.

const dir = tempDir();
const start = inProcessStarter();

describe("bounded work per message", { concurrency: true }, () => {
  it("checks an argument schema's pattern in linear time: the 79-second argument is refused at once", async () => {
    const policy = writePolicy(
      dir,
      {
        version: "1",
        default: "allow",
        tools: { name_it: { arguments: { type: "object", properties: { name: { type: "string", pattern: "^([a-z0-9]+-?)*$" } } } } },
      },
      "pattern.json",
    );
    const wrapper = start({ policy, upstream: RAW_UPSTREAM });
    const denied = await wrapper.callTool("name_it", { name: `${"a1".repeat(17)}!` });
    assert.equal(denied.result.isError, true);
    assert.match(denied.result.content[0].text, /must match pattern/);
    assert.equal((await wrapper.callTool("other")).result.content[0].text, "raw tools/call other");
  });

  it("never lets an argument too long for a regex condition pass it: a 20 MB string is refused, not matched for seconds", async () => {
    const policy = writePolicy(
      dir,
      {
        version: "1",
        default: "allow",
        tools: { write_file: { deny_if: [{ conditions: [{ path: "args.content", op: "regex", value: "AKIA[0-9A-Z]{16}" }] }] } },
      },
      "regex.json",
    );
    const wrapper = start({ policy, upstream: RAW_UPSTREAM });
    const huge = await wrapper.callTool("write_file", { content: "x".repeat(20 * 1024 * 1024) });
    assert.equal(huge.result.isError, true, "too long to check: the deny_if denies");
    assert.equal(
      (await wrapper.callTool("write_file", { content: "small and clean" })).result.content[0].text,
      "raw tools/call write_file",
    );
    assert.equal((await wrapper.callTool("write_file", { content: "key AKIAABCDEFGHIJKLMNOP" })).result.isError, true);
  });

  it("holds at most 16 MiB of tools/list pages for one tools/list, however many pages the upstream offers", async () => {
    // Its tools/list never completes, so with pins on no call could be checked against its pin (test/pins covers that).
    const policy = writePolicy(dir, { version: "1", default: "allow", pin: "off" }, "pages.json");
    const wrapper = start({ policy, upstream: HOSTILE, env: { HOSTILE_MODE: "many-pages" } });
    const list = await wrapper.request("tools/list");
    assert.equal(list.error?.code, -32001);
    assert.match(list.error.message, /tools\/list pages add up to more than 16777216 bytes/);
    assert.equal((await wrapper.callTool("after")).result.content[0].text, "hostile tools/call");
  });

  // Found attacking the fix itself: end-anchored regexes (/\s+$/, /0+$/) are quadratic in V8.
  it("reads a 200 KB number literal and a 400 KB padded string argument in linear time", async () => {
    const policy = writePolicy(
      dir,
      {
        version: "1",
        default: "allow",
        tools: {
          refund: { deny_if: [{ conditions: [{ path: "args.amount", op: "gt", value: 100 }] }] },
          flag: { deny_if: [{ conditions: [{ path: "args.force", op: "eq", value: true }] }] },
        },
      },
      "quadratic.json",
    );
    const wrapper = start({ policy, upstream: RAW_UPSTREAM });
    wrapper.sendRaw(
      `{"jsonrpc":"2.0","id":"long","method":"tools/call","params":{"name":"refund","arguments":{"amount":1${"0".repeat(200_000)}1}}}\n`,
    );
    assert.equal((await wrapper.answerTo("long")).result.isError, true, "a huge amount is over 100");
    const padded = await wrapper.callTool("flag", { force: `x${" ".repeat(400_000)}x` });
    assert.equal(padded.result.isError, true, "a non-empty string is truthy to a JavaScript server");
    const spaced = await wrapper.callTool("refund", { amount: `${" ".repeat(400_000)}5000` });
    assert.equal(spaced.result.isError, true, "Python reads the padded string as 5000");
    assert.equal((await wrapper.callTool("other")).result.content[0].text, "raw tools/call other");
  });
});
