import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it, type TestContext } from "node:test";
import type { WrapperEvent } from "../../src/events/events.js";
import { Limiter, type LimitOutcome } from "../../src/limits/limiter.js";
import { openSqliteStore } from "../../src/limits/sqlite-store.js";
import type { CompiledLimit } from "../../src/policy/types.js";
import { ROOT } from "../helpers/paths.js";
import { tempDir } from "../helpers/temp-files.js";

const dir = tempDir();
let n = 0;
const limit: CompiledLimit = {
  counter: "c",
  windowMs: 60_000,
  windowLabel: "minute",
  window: "minute",
  max: 2,
  scope: "grant",
  pointer: "/tools/x/limits/0",
  perTarget: false,
};

function limiterOn(statePath: string) {
  const logged: string[] = [];
  const emit = (event: WrapperEvent) => {
    if (event.type === "store_fault") logged.push(event.message);
  };
  const store = { description: statePath, open: async () => openSqliteStore(statePath) };
  const limiter = new Limiter({ store, grant: "g", sessionId: `s${n++}`, emit });
  return { limiter, logged };
}
const EPOCH = 1;

function assertFault(outcome: LimitOutcome, pattern: RegExp): void {
  assert.equal(outcome.admitted, false);
  assert.ok("fault" in outcome, "refused for a store fault");
  assert.match(outcome.fault, pattern);
}

describe("Limiter", { concurrency: false }, () => {
  it("admits calls without limits even when the store is broken", async () => {
    const { limiter } = limiterOn(join(dir, "missing-dir", "state.db"));
    assert.deepEqual(await limiter.admit([], EPOCH), { admitted: true, ticket: undefined });
  });

  it("refuses limited calls when the state directory is missing, reporting it once", async () => {
    const { limiter, logged } = limiterOn(join(dir, "missing-dir", "state.db"));
    assertFault(await limiter.admit([limit], EPOCH), /cannot open/);
    assertFault(await limiter.admit([limit], EPOCH), /cannot open/);
    assert.equal(logged.length, 1);
    assert.match(logged[0] as string, /directory does not exist/);
  });

  it("refuses limited calls when the state file is corrupt", async () => {
    const file = join(dir, "corrupt.db");
    writeFileSync(file, Buffer.alloc(8192, 0x5a));
    const { limiter, logged } = limiterOn(file);
    assertFault(await limiter.admit([limit], EPOCH), /cannot open/);
    assert.match(logged.join(""), /not a usable SQLite database/);
  });

  it("refuses limited calls when the state file is read-only", async (t: TestContext) => {
    const file = join(dir, "readonly.db");
    await openSqliteStore(file).close();
    try {
      execFileSync("chattr", ["+i", file]);
    } catch {
      t.skip("chattr +i is not available here (needs root on ext4)");
      return;
    }
    after(() => execFileSync("chattr", ["-i", file]));
    const { limiter, logged } = limiterOn(file);
    assertFault(await limiter.admit([limit], EPOCH), /cannot open/);
    assert.match(logged.join(""), /read-only/);
  });

  it("refuses when another process holds the lock past the busy timeout, and recovers after", async () => {
    const file = join(dir, "locked.db");
    const { limiter, logged } = limiterOn(file);
    assert.equal(await limiter.open(), true);
    const holder = spawn(
      process.execPath,
      [
        "-e",
        `const db = new (require("better-sqlite3"))(${JSON.stringify(file)}); db.exec("BEGIN IMMEDIATE"); process.stdout.write("locked\\n"); process.stdin.resume(); process.stdin.on("end", () => process.exit(0));`,
      ],
      { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => holder.stdout.once("data", () => resolve()));
    assertFault(await limiter.admit([limit], EPOCH), /failed/);
    assert.match(logged.join(""), /locked by another process/);
    holder.stdin.end();
    await new Promise((resolve) => holder.once("exit", resolve));
    assert.equal((await limiter.admit([limit], EPOCH)).admitted, true);
    await limiter.close();
  });

  it("refuses when the disk fills up while running", async (t: TestContext) => {
    const mountPoint = join(dir, "small-disk");
    mkdirSync(mountPoint);
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint], { stdio: "ignore" });
    } catch {
      t.skip("cannot mount a small tmpfs here (needs root)");
      return;
    }
    after(() => execFileSync("umount", ["-l", mountPoint]));
    const { limiter, logged } = limiterOn(join(mountPoint, "state.db"));
    const roomy: CompiledLimit = { ...limit, max: 1_000_000 };
    assert.equal((await limiter.admit([roomy], EPOCH)).admitted, true);
    // Fill what is left of the disk.
    try {
      writeFileSync(join(mountPoint, "filler"), Buffer.alloc(1024 * 1024));
    } catch {
      // ENOSPC: the disk is now full, as intended.
    }
    let outcome: LimitOutcome = { admitted: true, ticket: undefined };
    for (let i = 0; i < 5000 && outcome.admitted; i++) outcome = await limiter.admit([roomy], EPOCH);
    assertFault(outcome, /failed/);
    assert.match(logged.join(""), /disk is full|SQLITE_FULL|database or disk is full/);
    await limiter.close();
  });
});
