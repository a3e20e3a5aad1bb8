import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { bucketKeys } from "../../src/limits/redis-keys.js";
import { BIN } from "../helpers/paths.js";
import { redisServers } from "../helpers/redis-server.js";
import { HANG_GUARD_MS } from "../helpers/hang-guard.js";
import { systemProgram } from "../helpers/system-package.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json, WrapperClient } from "../helpers/wrapper-client.js";
import { wrapperStarter } from "../helpers/wrapper-process.js";

// The wrapper when its Redis fails: killed, stalled, a wrong password, a key
// of the wrong type. Limited calls are refused with the reason, calls without
// limits never wait on Redis, stderr says each outage once and once when it is
// over, and no refused call keeps a charge. Waits are for answers and stderr
// lines, never for time.

const redisServer = systemProgram("redis-server", "redis-server");
const startRedis = redisServers(redisServer.path);
const dir = tempDir();
// In process, but for the wrapper given its state in the environment (POLICY_WRAP_STATE).
const launch = inProcessStarter();
const launchProcess = wrapperStarter();
const GRANT = "outages";
let n = 0;

/** echo: 1 per day (counter "one"); pid: 1000 per day (counter "warm", to open the connection); slow: no limit. */
function policy(): string {
  const day = (counter: string, max: number) => ({ limits: [{ counter, window: "day", max }] });
  return writePolicy(dir, { version: "1", default: "allow", tools: { echo: day("one", 1), pid: day("warm", 1000) } }, `p-${n++}.json`);
}

const text = (answer: Json) => answer.result?.content?.[0]?.text as string;
const faultOf = (answer: Json) => {
  assert.equal(answer.result?._meta?.["policy-wrap/decision"]?.cause, "limit_store", JSON.stringify(answer));
  return text(answer);
};

/** No check is about a slow Redis unless a test says so: by default --state-timeout is a hang guard, not 250 ms. */
const PATIENT = ["--state-timeout", String(HANG_GUARD_MS)];

async function started(url: string, extraArgs: string[] = PATIENT): Promise<WrapperClient> {
  const wrapper = launch({ policy: policy(), extraArgs: ["--state", url, "--grant", `${GRANT}-${n}`, ...extraArgs] });
  await wrapper.initialize();
  return wrapper;
}

/**
 * The answer to a call whose check is not the one a stalled Redis refuses: asked again while a loaded machine
 * makes the check outlast a short --state-timeout (a refused check's charge is given back). Counts the retries.
 */
async function answered(wrapper: WrapperClient, tool: string, slow: { retries: number }): Promise<Json> {
  for (;;) {
    const answer = await wrapper.callTool(tool);
    if (!/did not answer within/.test(text(answer) ?? "")) return answer;
    slow.retries++;
  }
}

async function admittedOnce(wrapper: WrapperClient, tool: string): Promise<void> {
  // After a restart node-redis reconnects with backoff: wait for the call that gets through.
  for (;;) {
    const answer = await wrapper.callTool(tool);
    if (answer.result?.isError === undefined) return;
    faultOf(answer);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("the wrapper when Redis fails", { skip: redisServer.skip, concurrency: false }, () => {
  it("refuses limited calls while Redis is down, serves the rest, says so once, and recovers when it is back", async () => {
    const redis = await startRedis();
    const wrapper = await started(redis.url);
    assert.equal((await wrapper.callTool("pid")).result.isError, undefined);
    await redis.kill();
    for (let i = 0; i < 3; i++) {
      assert.equal(
        faultOf(await wrapper.callTool("pid")),
        `[POLICY DENIED] The rate limit for "pid" cannot be checked (the counter store ${redis.url} is unreachable (the connection was lost)), so the call was refused.`,
      );
    }
    assert.deepEqual((await wrapper.callTool("slow", { ms: 1 })).result.content, [{ type: "text", text: "slow done" }]);
    await redis.restart();
    await admittedOnce(wrapper, "pid");
    await wrapper.waitForStderr(/works again/);
    assert.equal(wrapper.stderr.match(/is unreachable/g)?.length, 1, wrapper.stderr);
    assert.equal(wrapper.stderr.match(/works again/g)?.length, 1, wrapper.stderr);
  });

  it("refuses a check Redis does not answer within --state-timeout, without hanging, and gives the late charge back", async () => {
    const redis = await startRedis();
    const wrapper = await started(redis.url, ["--state-timeout", "250"]);
    const slow = { retries: 0 };
    assert.equal((await answered(wrapper, "pid", slow)).result.isError, undefined, "connected");
    redis.stall();
    assert.match(
      faultOf(await wrapper.callTool("echo")),
      /the counter store .* did not answer within 250 ms\), so the call was refused\.$/,
    );
    assert.deepEqual((await wrapper.callTool("slow", { ms: 1 })).result.content, [{ type: "text", text: "slow done" }]);
    redis.resume();
    // echo allows 1 a day: it gets through only if the refused call's late charge was given back.
    assert.equal((await answered(wrapper, "echo", slow)).result.isError, undefined);
    assert.match(text(await answered(wrapper, "echo", slow)), /Rate limit reached/);
    // Said once for the stall; a retry above may have been another slow spell, said once more each.
    const said = wrapper.stderr.match(/did not answer within 250 ms/g)?.length ?? 0;
    assert.ok(said >= 1 && said <= 1 + slow.retries, `said ${said} times with ${slow.retries} retries:\n${wrapper.stderr}`);
  });

  it("neither forwards nor charges a call cancelled while Redis still has its check", async () => {
    const redis = await startRedis();
    const wrapper = await started(redis.url, [...PATIENT, "--log-level", "debug"]);
    assert.equal((await wrapper.callTool("pid")).result.isError, undefined, "connected");
    redis.stall();
    wrapper.send({ jsonrpc: "2.0", id: "pending", method: "tools/call", params: { name: "echo", arguments: {} } });
    wrapper.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "pending", reason: "test" } });
    // Messages are handled in order: once this answer is back, the cancellation was seen while the check waited.
    await wrapper.request("ping");
    redis.resume();
    await wrapper.waitForStderr(/"echo" ended: cancelled/);
    assert.equal((await wrapper.callTool("echo")).result.isError, undefined, "the cancelled call's charge was given back");
    assert.ok(!wrapper.messages.some((m) => m.id === "pending"), "the cancelled call got no answer: it never ran");
  });

  it("says the password was refused, and never shows it", async () => {
    const redis = await startRedis({ tcp: true, args: ["--requirepass", "the-right-one"] });
    const secret = "Tr0ub4dor-and-3";
    const wrapper = launchProcess({
      policy: policy(),
      extraArgs: [...PATIENT, "--log-level", "debug"],
      env: { POLICY_WRAP_STATE: `redis://:${secret}@127.0.0.1:${redis.port}/0` },
    });
    await wrapper.initialize();
    const reason = faultOf(await wrapper.callTool("echo"));
    assert.match(
      reason,
      new RegExp(`the counter store redis://\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}/0 refused the user name or password`),
    );
    await wrapper.waitForStderr(/refused the user name or password/);
    assert.doesNotMatch(wrapper.stderr + wrapper.lines.join("\n"), /Tr0ub4dor/);
    const listed = spawnSync(process.execPath, [BIN, "counters"], {
      encoding: "utf8",
      env: { ...process.env, POLICY_WRAP_STATE: `redis://:the-right-one@127.0.0.1:${redis.port}/0` },
    });
    assert.equal(listed.stdout, `no counters yet in redis://***@127.0.0.1:${redis.port}/0\n`, listed.stderr);
  });

  it("refuses, naming the key, when another program left a key of another type where a counter lives", async () => {
    const redis = await startRedis();
    const wrapper = await started(redis.url);
    const grant = `${GRANT}-${n}`;
    await redis.command("HSET", bucketKeys(grant, `grant\u0000${grant}\u0000one`).calls, "field", "value");
    assert.match(faultOf(await wrapper.callTool("echo")), /holds a hash at ".*one:calls", where policy-wrap keeps its counters/);
    assert.equal((await wrapper.callTool("pid")).result.isError, undefined, "other counters still work");
  });
});
