import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RAW_UPSTREAM } from "../hostile/helpers.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { wrapperStarter, type Json } from "../helpers/wrapper-process.js";
import { send, uiStarter } from "../ui/helpers.js";
import { heldId, runCli } from "./helpers.js";

// A person approving a held call must see what the upstream will read once
// it is approved. Arguments whose numbers JavaScript rounds or drops
// (9007199254740993, 1e400, -0, 100.000000000000001) and whose strings hide
// characters (U+202E reverses what follows, U+200B is invisible) are shown
// exactly, escaped where invisible, in the client's question, the terminal,
// `approvals --json` and the dashboard; what the upstream gets is the text
// that was shown. Arguments too long to show whole are not asked about in
// the client, and longer than any channel shows, refused.

const dir = tempDir();
const launch = wrapperStarter();
const startUi = uiStarter();
let n = 0;

const ARGUMENTS = '{"to":9007199254740993,"amount":1e400,"zero":-0,"precise":100.000000000000001,"memo":"pay \u202Eredro\u202C ok\u200B"}';
const EXACT_NUMBERS = ["9007199254740993", "1e400", "-0", "100.000000000000001"];
const HIDDEN = /[\u202e\u202c\u200b]/u;

function setUp() {
  const state = join(dir, `state-${n}.db`);
  const record = join(dir, `upstream-${n}.jsonl`);
  const policy = writePolicy(dir, { version: "1", default: "allow", tools: { transfer: { action: "require_approval" } } }, `p-${n++}.json`);
  const wrapper = launch({ policy, upstream: RAW_UPSTREAM, env: { RAW_RECORD: record }, extraArgs: ["--state", state] });
  const upstreamLines = () => (existsSync(record) ? readFileSync(record, "utf8").trim().split("\n") : []);
  return { state, wrapper, upstreamLines };
}

const call = (id: string, args: string) =>
  `{"jsonrpc":"2.0","id":"${id}","method":"tools/call","params":{"name":"transfer","arguments":${args}}}\n`;

function assertShownExactly(shown: string, where: string): void {
  for (const literal of EXACT_NUMBERS) assert.ok(shown.includes(literal), `${where} shows ${literal}`);
  assert.doesNotMatch(shown, HIDDEN, `${where} shows no hidden character as it is`);
  for (const escape of ["\\u202e", "\\u202c", "\\u200b"]) assert.ok(shown.includes(escape), `${where} shows ${escape}`);
}

describe("what a person approves is what the upstream reads", { concurrency: true }, () => {
  it("shows the exact arguments in the question, the terminal, approvals --json and the dashboard, and forwards that text", async () => {
    const { state, wrapper, upstreamLines } = setUp();
    await wrapper.initialize({ elicitation: {} });
    wrapper.sendRaw(call("t1", ARGUMENTS));
    const question = await wrapper.waitFor((m) => m.method === "elicitation/create", "the approval question");
    assertShownExactly(question.params.message as string, "the question");
    assert.match(question.params.message as string, /"to": 9007199254740993,\n/);
    const id = await heldId(wrapper);

    const table = await runCli(["approvals", "--state", state]);
    assert.match(table.stdout, new RegExp(`^${id} .*\\{"to":9007199254740993,"amount":1e400,`, "m"));
    assert.doesNotMatch(table.stdout, HIDDEN);

    const listed = await runCli(["approvals", "--json", "--state", state]);
    assertShownExactly(listed.stdout, "approvals --json");
    assert.ok(listed.stdout.includes('"arguments": {"to":9007199254740993,"amount":1e400,"zero":-0,'));
    const [record] = JSON.parse(listed.stdout) as Json[];
    assert.equal(record?.arguments.memo, "pay \u202Eredro\u202C ok\u200B", "the escapes mean the same string");

    const ui = await startUi(["--state", state]);
    const reply = await send({ port: ui.port, path: `/${ui.token}/api/state`, headers: { Host: `127.0.0.1:${ui.port}` } });
    const [card] = (JSON.parse(reply.body) as { pending: { value: { id: string; arguments: string }[] } }).pending.value;
    assert.equal(card?.id, id);
    assertShownExactly(card?.arguments as string, "the dashboard");

    await runCli(["approve", id, "--state", state]);
    await wrapper.answerTo("t1");
    const forwarded = upstreamLines().find((line) => line.includes('"id":"t1"'));
    assert.ok(forwarded?.includes(`"arguments":${ARGUMENTS}`), `the upstream read ${forwarded}`);
  });

  it("asks only out of band, where they are shown whole, when the arguments do not fit the client's form", async () => {
    const { state, wrapper, upstreamLines } = setUp();
    await wrapper.initialize({ elicitation: {} });
    const long = JSON.stringify({ content: `${"a".repeat(20_000)}\u202Etail` });
    wrapper.sendRaw(call("t2", long));
    const id = await heldId(wrapper);
    const listed = await runCli(["approvals", "--json", "--state", state]);
    assert.ok(listed.stdout.includes("\\u202etail"), "shown whole, the end included");
    await runCli(["approve", id, "--state", state]);
    assert.ok((await wrapper.answerTo("t2")).result);
    assert.equal(wrapper.messages.filter((m) => m.method === "elicitation/create").length, 0, "no form showed part of them");
    assert.equal(upstreamLines().filter((line) => line.includes('"id":"t2"')).length, 1);
  });

  it("refuses a call whose arguments are longer than any channel shows, and never holds it", async () => {
    const { wrapper, upstreamLines } = setUp();
    await wrapper.initialize({});
    wrapper.sendRaw(call("t3", JSON.stringify({ content: "a".repeat(1024 * 1024) })));
    const answer = await wrapper.answerTo("t3");
    assert.equal(answer.result.isError, true);
    assert.match(answer.result.content[0].text, /longer than a person can be shown .*refused rather than approved unseen/);
    assert.doesNotMatch(wrapper.stderr, /approval needed/);
    assert.equal(upstreamLines().filter((line) => line.includes('"id":"t3"')).length, 0);
  });
});
