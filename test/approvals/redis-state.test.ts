import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { redisServers, type RedisServer } from "../helpers/redis-server.js";
import { systemProgram } from "../helpers/system-package.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { wrapperStarter, type Json } from "../helpers/wrapper-process.js";
import { heldId, runCli } from "./helpers.js";

// A team's counters in Redis, a person's approvals on their own machine: with
// --state redis://..., a held call is recorded in the per-user records file
// (XDG_DATA_HOME here), approved from a terminal that names the same --state,
// and then charged against the team's counter in Redis.

const redisServer = systemProgram("redis-server", "redis-server");
const startRedis = redisServers(redisServer.path);
const dir = tempDir();
const launch = wrapperStarter();
const env = { XDG_DATA_HOME: join(dir, "data") };
const policy = writePolicy(dir, {
  version: "1",
  default: "allow",
  tools: { StartExport: { action: "require_approval", limits: [{ counter: "exports", window: "day", max: 1 }] } },
});
const text = (answer: Json): string => answer.result?.content?.[0]?.text ?? JSON.stringify(answer);

describe("approval with a Redis --state", { skip: redisServer.skip }, () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
  });

  it("holds the call in this machine's records, releases it on approve, and charges the team's counter", async () => {
    const wrapper = launch({ policy, extraArgs: ["--state", redis.url], env });
    await wrapper.initialize({});
    wrapper.send({ jsonrpc: "2.0", id: "x1", method: "tools/call", params: { name: "StartExport", arguments: { text: "go" } } });
    const id = await heldId(wrapper);
    assert.ok(existsSync(join(env.XDG_DATA_HOME, "policy-wrap", "state.db")), "the held call is in the per-user records file");

    const listed = await runCli(["approvals", "--json", "--state", redis.url], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as Json[]).map((r) => [r.id, r.tool]),
      [[id, "StartExport"]],
    );

    assert.equal((await runCli(["approve", id, "--state", redis.url], env)).code, 0);
    const answer = await wrapper.answerTo("x1");
    assert.notEqual(answer.result?.isError, true, text(answer));

    const counters = await runCli(["counters", "--json", "--state", redis.url], env);
    assert.equal(counters.code, 0, counters.stderr);
    assert.match(counters.stdout, /"exports"/);
    assert.match(counters.stdout, /"used":\s*1/);

    // The budget of one is spent: the next call is refused before anybody is asked.
    const again = await wrapper.callTool("StartExport", { text: "again" });
    assert.match(text(again), /^\[POLICY DENIED\] Rate limit reached/);
    await wrapper.stop();
  });
});
