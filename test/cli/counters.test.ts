import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { openSqliteStore } from "../../src/limits/sqlite-store.js";
import { BIN } from "../helpers/paths.js";
import { tempDir } from "../helpers/temp-files.js";

const dir = tempDir();
const state = join(dir, "state.db");
const counters = (...args: string[]) => spawnSync(process.execPath, [BIN, "counters", "--state", state, ...args], { encoding: "utf8" });

describe("policy-wrap counters", () => {
  before(async () => {
    let now = Date.now() - 10_000;
    const store = openSqliteStore(state, { clock: () => now });
    const limit = (counter: string, max: number) => ({
      bucket: `grant\u0000/p.json\u0000${counter}`,
      counter,
      grant: "/p.json",
      scope: "grant" as const,
      windowMs: 60_000,
      max,
      definedAt: 1,
    });
    await store.admit([limit("exports", 2)], "a");
    now += 10_000;
    await store.admit([limit("exports", 2)], "b");
    await store.admit([limit("reads", 100)], "c");
    await store.close();
  });

  it("prints each counter's use, max and time until a slot frees", () => {
    const run = counters();
    assert.equal(run.status, 0);
    const lines = run.stdout.trim().split("\n");
    assert.match(lines[0] as string, /^COUNTER\s+SCOPE\s+USED\s+MAX\s+WINDOW\s+FREE IN\s+GRANT$/);
    assert.match(lines[1] as string, /^exports\s+grant\s+2\s+2\s+60s\s+(4\d|50)s\s+\/p\.json$/);
    assert.match(lines[2] as string, /^reads\s+grant\s+1\s+100\s+60s\s+now\s+\/p\.json$/);
  });

  it("prints JSON for scripts, filtered by grant", () => {
    const rows = JSON.parse(counters("--json", "--grant", "/p.json").stdout) as { counter: string; used: number; retryAfterMs: number }[];
    assert.deepEqual(
      rows.map((r) => [r.counter, r.used]),
      [
        ["exports", 2],
        ["reads", 1],
      ],
    );
    assert.ok((rows[0]?.retryAfterMs ?? 0) > 40_000);
    assert.deepEqual(JSON.parse(counters("--json", "--grant", "/other.json").stdout), []);
  });

  it("resets one counter", () => {
    assert.equal(counters("--reset", "exports").stdout, "cleared 1 counter named exports\n");
    assert.deepEqual(
      (JSON.parse(counters("--json").stdout) as { counter: string }[]).map((r) => r.counter),
      ["reads"],
    );
    assert.equal(counters("--reset", "exports").status, 1);
  });
});

describe("policy-wrap counters before the first run", { concurrency: true }, () => {
  it("says there are no counters yet, exits 0, and creates neither the file nor its directory", () => {
    const missing = join(tempDir(), "not-yet", "state.db");
    const run = spawnSync(process.execPath, [BIN, "counters", "--state", missing], { encoding: "utf8" });
    assert.equal(run.stderr, "");
    assert.equal(
      run.stdout,
      `no counters yet: ${missing} does not exist (policy-wrap creates it when it first runs a policy with limits)\n`,
    );
    assert.equal(run.status, 0);
    assert.equal(existsSync(dirname(missing)), false);
    const json = spawnSync(process.execPath, [BIN, "counters", "--json", "--state", missing], { encoding: "utf8" });
    assert.deepEqual([json.status, JSON.parse(json.stdout)], [0, []]);
    assert.equal(existsSync(dirname(missing)), false);
  });

  it("looks in the per-user default location without creating it", () => {
    const home = tempDir();
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: join(home, "data"), HOME: home };
    delete env.POLICY_WRAP_STATE;
    const run = spawnSync(process.execPath, [BIN, "counters"], { encoding: "utf8", env });
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^no counters yet: .*\/data\/policy-wrap\/state\.db does not exist/);
    assert.equal(existsSync(join(home, "data")), false);
  });

  it("says an existing store holds no counters yet", async () => {
    const empty = join(tempDir(), "state.db");
    await (await openSqliteStore(empty)).close();
    const run = spawnSync(process.execPath, [BIN, "counters", "--state", empty], { encoding: "utf8" });
    assert.deepEqual([run.status, run.stdout], [0, `no counters yet in ${empty}\n`]);
  });

  it("clears nothing from an absent store, and says why", () => {
    const missing = join(tempDir(), "state.db");
    const run = spawnSync(process.execPath, [BIN, "counters", "--state", missing, "--reset", "exports"], { encoding: "utf8" });
    assert.deepEqual([run.status, run.stdout], [1, `cleared 0 counters named exports (no counters yet: ${missing} does not exist)\n`]);
    assert.equal(existsSync(missing), false);
  });
});
