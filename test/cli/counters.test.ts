import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
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
