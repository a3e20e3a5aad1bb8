import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { BIN, ROOT } from "../helpers/paths.js";
import { tempDir } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json, WrapperClient } from "../helpers/wrapper-client.js";
import { HANG_GUARD_MS } from "../helpers/hang-guard.js";

// The written policy, run by the wrapper (in process) in front of the server it was
// written from, behaves as init's summary says: read passes, execute is
// limited to 10 a minute and checks its arguments, write asks a person,
// destructive and unknown tools are refused.

const dir = tempDir();
const policy = join(dir, "policy.json");
const server = [
  process.execPath,
  join(ROOT, "test", "fixtures", "catalogue-server.mjs"),
  join(ROOT, "test", "fixtures", "naming-styles.json"),
  "5",
];
const launch = inProcessStarter();
let summary = "";

const text = (answer: Json) => answer.result.content[0].text as string;
const decision = (answer: Json) => answer.result._meta?.["policy-wrap/decision"] as Json | undefined;

async function start(): Promise<WrapperClient> {
  const wrapper = launch({ policy, upstream: server, extraArgs: ["--state", join(dir, "state.db"), "--no-watch"] });
  await wrapper.initialize({ elicitation: {} });
  return wrapper;
}

describe("a policy written by init, run by the wrapper", () => {
  before(() => {
    const run = spawnSync(process.execPath, [BIN, "init", "--out", policy, "--", ...server], { encoding: "utf8", timeout: HANG_GUARD_MS });
    assert.equal(run.status, 0, run.stderr);
    summary = run.stdout;
  });

  it("shows exactly the tools the summary allows", async () => {
    const wrapper = await start();
    const listed = (await wrapper.request("tools/list")).result.tools.map((t: Json) => t.name) as string[];
    const section = (name: string) => (summary.split(`\n${name} (`)[1] ?? "").split("\n\n")[0]?.split("\n").slice(1) ?? [];
    const namesIn = (name: string) =>
      section(name).flatMap((line) => (/^ {2}\S/.test(line) ? [line.trim().split(/ {2,}/)[0] as string] : []));
    const allowed = [...namesIn("read"), ...namesIn("execute"), ...namesIn("write")];
    assert.ok(allowed.includes("get_query_results") && allowed.includes("startExportJob") && allowed.includes("CreateDbCluster"));
    assert.deepEqual([...listed].sort(), [...allowed].sort());
    for (const name of [...namesIn("destructive"), ...namesIn("unknown")]) assert.ok(!listed.includes(name), name);
  });

  it("passes a read call", async () => {
    const wrapper = await start();
    const answer = await wrapper.callTool("get_query_results", { queryId: "q-1" });
    assert.equal(text(answer), '{"called":"get_query_results","arguments":{"queryId":"q-1"}}');
  });

  it("refuses the 11th execute call in a minute, and a call whose arguments break the tool's schema", async () => {
    const wrapper = await start();
    const bad = await wrapper.callTool("startExportJob", { destination: "ftp://elsewhere" });
    assert.equal(decision(bad)?.cause, "arguments");
    assert.match(
      text(bad),
      /^\[POLICY DENIED\] Arguments for "startExportJob" do not satisfy the policy: arguments\.destination must match pattern "\^s3:\/\/"/,
    );
    for (let i = 1; i <= 10; i++) {
      const answer = await wrapper.callTool("startExportJob", { destination: `s3://bucket/${i}` });
      assert.equal(text(answer), `{"called":"startExportJob","arguments":{"destination":"s3://bucket/${i}"}}`, `call ${i}`);
    }
    const eleventh = await wrapper.callTool("startExportJob", { destination: "s3://bucket/11" });
    assert.equal(decision(eleventh)?.cause, "rate_limit");
    assert.match(
      text(eleventh),
      /^\[POLICY DENIED\] Rate limit reached for startExportJob: 10 calls per minute \(counter startExportJob\)\. Retry in \d+s\.$/,
    );
    // One counter per tool: another execute tool still has its own ten.
    const other = await wrapper.callTool("run_draft7", { n: 1 });
    assert.equal(text(other), '{"called":"run_draft7","arguments":{"n":1}}');
  });

  it("asks a person before a write call, and runs it only on yes", async () => {
    const wrapper = await start();
    wrapper.send({ jsonrpc: "2.0", id: "w1", method: "tools/call", params: { name: "CreateDbCluster", arguments: { name: "c1" } } });
    const ask = await wrapper.waitFor((m) => m.method === "elicitation/create", "an approval question");
    assert.match(ask.params.message, /The agent wants to call "CreateDbCluster"/);
    wrapper.send({ jsonrpc: "2.0", id: ask.id, result: { action: "accept", content: { approve: true } } });
    assert.equal(text(await wrapper.answerTo("w1")), '{"called":"CreateDbCluster","arguments":{"name":"c1"}}');
    wrapper.send({ jsonrpc: "2.0", id: "w2", method: "tools/call", params: { name: "CreateDbCluster", arguments: { name: "c2" } } });
    const second = await wrapper.waitFor((m) => m.method === "elicitation/create" && m.id !== ask.id, "a second approval question");
    wrapper.send({ jsonrpc: "2.0", id: second.id, result: { action: "decline" } });
    const declined = await wrapper.answerTo("w2");
    assert.equal(decision(declined)?.cause, "approval");
  });

  it("refuses a destructive call with the policy's reason, and an unknown tool by default", async () => {
    const wrapper = await start();
    const destructive = await wrapper.callTool("valkey-admin", { command: "FLUSHALL" });
    assert.equal(text(destructive), '[POLICY DENIED] "valkey-admin" can destroy data or resources, so this policy leaves it to a person.');
    assert.deepEqual([decision(destructive)?.cause, decision(destructive)?.rule], ["rule", "/tools/valkey-admin"]);
    const hinted = await wrapper.callTool("fetch_page", {});
    assert.equal(decision(hinted)?.cause, "rule", "destructiveHint: true made a read verb destructive");
    const unknown = await wrapper.callTool("weather", {});
    assert.deepEqual([decision(unknown)?.cause, decision(unknown)?.rule], ["default", "/default"]);
  });
});
