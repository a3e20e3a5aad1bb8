import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { before, describe, it } from "node:test";
import { BIN } from "../helpers/paths.js";
import { redisServers, type RedisServer } from "../helpers/redis-server.js";
import { systemProgram } from "../helpers/system-package.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json, WrapperClient } from "../helpers/wrapper-client.js";
import { wrapperStarter } from "../helpers/wrapper-process.js";
import { HANG_GUARD_MS } from "../helpers/hang-guard.js";

// Real wrapper processes (standing for a team's machines) sharing counters in
// one real redis-server, as test/limits/shared-counters.test.ts does with a
// SQLite file. What one wrapper does with its counters runs in process.

const redisServer = systemProgram("redis-server", "redis-server");
const startRedis = redisServers(redisServer.path);
const dir = tempDir();
const launch = wrapperStarter();
const launchInProcess = inProcessStarter();
let n = 0;

function limitedPolicy(max: number, scope: "grant" | "session" = "grant", tool = "echo", window: string | number = "day"): string {
  return writePolicy(
    dir,
    { version: "1", default: "allow", tools: { [tool]: { limits: [{ counter: "shared", window, max, scope }] } } },
    `limits-${n++}.json`,
  );
}

const isDenied = (answer: Json) =>
  answer.result?.isError === true && /^\[POLICY DENIED\] Rate limit reached/.test(answer.result.content[0].text);

async function fire(wrapper: WrapperClient, calls: number, tool = "echo"): Promise<{ admitted: number; refused: number }> {
  const ids = Array.from({ length: calls }, (_, i) => `c${i}`);
  for (const id of ids) wrapper.send({ jsonrpc: "2.0", id, method: "tools/call", params: { name: tool, arguments: {} } });
  const answers = await Promise.all(ids.map((id) => wrapper.answerTo(id)));
  const refused = answers.filter(isDenied).length;
  for (const answer of answers) if (!isDenied(answer)) assert.equal(answer.result?.isError, undefined, JSON.stringify(answer));
  return { admitted: answers.length - refused, refused };
}

describe("rate limits shared through Redis", { skip: redisServer.skip, concurrency: false }, () => {
  let redis: RedisServer;
  // No check here is about a slow Redis: --state-timeout is a hang guard, not the 250 ms default a loaded machine can outlast.
  const start = (policy: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}) =>
    launch({ policy, extraArgs: ["--state", redis.url, "--state-timeout", String(HANG_GUARD_MS), ...extraArgs], env });
  const startInProcess = (policy: string, extraArgs: string[] = []) =>
    launchInProcess({ policy, extraArgs: ["--state", redis.url, "--state-timeout", String(HANG_GUARD_MS), ...extraArgs] });
  const counters = (...args: string[]) => spawnSync(process.execPath, [BIN, "counters", ...args], { encoding: "utf8" });

  before(async () => {
    redis = await startRedis();
  });

  it("lets 4 processes hammering one grant counter admit exactly max in total", async () => {
    const policy = limitedPolicy(50);
    const wrappers = Array.from({ length: 4 }, () => start(policy));
    await Promise.all(wrappers.map((w) => w.initialize()));
    const results = await Promise.all(wrappers.map((w) => fire(w, 40)));
    assert.equal(
      results.reduce((sum, r) => sum + r.admitted, 0),
      50,
    );
    assert.equal(
      results.reduce((sum, r) => sum + r.refused, 0),
      110,
    );
  });

  it("gives each process its own session-scoped counter", async () => {
    const policy = limitedPolicy(3, "session");
    const [a, b] = [start(policy), start(policy)];
    const [ra, rb] = await Promise.all([fire(a, 5), fire(b, 5)]);
    assert.deepEqual([ra.admitted, rb.admitted], [3, 3]);
  });

  it("shares a counter between processes that name the same --grant, not between grants", async () => {
    const a = start(limitedPolicy(2), ["--grant", "team"]);
    const b = start(limitedPolicy(2), ["--grant", "team"]);
    const c = start(limitedPolicy(2));
    assert.equal((await fire(a, 2)).admitted, 2);
    assert.equal((await fire(b, 2)).admitted, 0);
    assert.equal((await fire(c, 2)).admitted, 2);
  });

  it("refunds a call the upstream refused before running it (invalid params), and only then", async () => {
    const wrapper = startInProcess(limitedPolicy(1, "grant", "fail"));
    assert.equal((await wrapper.callTool("fail", { code: -32602 })).error.code, -32602);
    assert.equal((await wrapper.callTool("fail", { code: -32602 })).error?.code, -32602, "the refunded quota let it through");
    assert.equal((await wrapper.callTool("fail", { code: -32050 })).error?.code, -32050);
    assert.ok(isDenied(await wrapper.callTool("fail", { code: -32602 })), "the call that may have run kept its charge");
  });

  it("refuses the older policy's calls, with the reason, once a newer policy redefines the counter", async () => {
    const daily = startInProcess(limitedPolicy(3, "grant", "echo", "day"), ["--grant", "definitions"]);
    await daily.initialize();
    assert.equal((await fire(daily, 3)).admitted, 3);
    const fast = startInProcess(limitedPolicy(100, "grant", "echo", 1), ["--grant", "definitions"]);
    await fast.initialize();
    assert.equal((await fast.callTool("echo")).result.isError, undefined, "the newer definition counts");
    const refused = await daily.callTool("echo");
    assert.equal(refused.result._meta["policy-wrap/decision"].cause, "limit_store");
    assert.match(refused.result.content[0].text, /counter "shared" is defined as 100 per 1s by a policy loaded later than this one/);
  });

  it("shows, filters and resets the counters with policy-wrap counters --state redis+unix://...", async () => {
    const wrapper = startInProcess(limitedPolicy(5), ["--grant", "listed"]);
    assert.equal((await fire(wrapper, 2)).admitted, 2);
    const table = counters("--state", redis.url, "--grant", "listed");
    assert.equal(table.status, 0, table.stderr);
    assert.match(
      table.stdout,
      /^COUNTER\s+SCOPE\s+USED\s+MAX\s+WINDOW\s+FREE IN\s+GRANT\nshared\s+grant\s+2\s+5\s+86400s\s+now\s+listed\n$/,
    );
    const rows = JSON.parse(counters("--state", redis.url, "--grant", "listed", "--json").stdout) as Json[];
    assert.deepEqual(rows, [
      { counter: "shared", grant: "listed", scope: "grant", used: 2, max: 5, windowMs: 86_400_000, retryAfterMs: 0 },
    ]);
    const reset = counters("--state", redis.url, "--grant", "listed", "--reset", "shared");
    assert.equal(reset.stdout, "cleared 1 counter named shared\n");
    assert.deepEqual(JSON.parse(counters("--state", redis.url, "--grant", "listed", "--json").stdout), []);
    assert.equal((await fire(wrapper, 5)).admitted, 5, "the reset counter starts again");
  });
});
