import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { describeSqliteError } from "../../src/limits/sqlite-faults.js";
import { tempDir } from "../helpers/temp-files.js";

// SQLite reports a full disk as SQLITE_FULL when a write fails, but as an I/O
// error when a sync or a mapped page fails: on a full disk both say so.

const dir = tempDir();
const ioError = Object.assign(new Error("disk I/O error"), { code: "SQLITE_IOERR_WRITE" });

describe("describeSqliteError", () => {
  it("names the usual codes in words a user can act on", () => {
    assert.equal(describeSqliteError(Object.assign(new Error("x"), { code: "SQLITE_FULL" })), "the disk is full");
    assert.equal(describeSqliteError(Object.assign(new Error("x"), { code: "SQLITE_READONLY" })), "the file is read-only");
  });

  it("keeps an I/O error as it is where the disk has room", () => {
    assert.equal(describeSqliteError(ioError, join(dir, "audit.db")), "disk I/O error");
  });

  it("calls an I/O error on a full disk a full disk", (t) => {
    const mountPoint = join(dir, "full-disk");
    mkdirSync(mountPoint);
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint], { stdio: "ignore" });
    } catch {
      t.skip("cannot mount a small tmpfs here (needs root)");
      return;
    }
    // Unmounted before the folder is removed: the test's own hook runs first.
    t.after(() => execFileSync("umount", ["-l", mountPoint]));
    try {
      writeFileSync(join(mountPoint, "filler"), Buffer.alloc(1024 * 1024));
    } catch {
      // ENOSPC: the disk is now full, as intended.
    }
    assert.equal(describeSqliteError(ioError, join(mountPoint, "audit.db")), "the disk is full (disk I/O error)");
  });
});
