import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { it } from "node:test";

// Tests that need a program from a system package (redis-server, chromium).
// Where it is missing, `npm test` skips them with one line naming the package;
// under CI=true a missing package fails the run instead: CI must never pass by
// skipping what it was meant to check.

export interface SystemProgram {
  /** Absolute path of the program, when found. */
  path: string | undefined;
  /** For `describe(name, { skip })`: false when the program is there, else the notice. */
  skip: string | false;
}

/** The absolute path of `command` on PATH (or in /usr/sbin, /usr/local/sbin), if it is there. */
export function findProgram(command: string): string | undefined {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const dir of [...dirs, "/usr/sbin", "/usr/local/sbin"]) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Looks for `command` (from the Debian package `debianPackage`). Call it at the
 * top of a test file and pass `skip` to the suites that need it.
 */
export function systemProgram(command: string, debianPackage: string): SystemProgram {
  const path = findProgram(command);
  if (path !== undefined) return { path, skip: false };
  const notice = `${command} not found: install the Debian package ${debianPackage} (apt-get install -y ${debianPackage}) to run these tests`;
  if (process.env.CI === "true") {
    it(`needs ${command} (CI=true: a missing system package is a failure)`, () => {
      throw new Error(notice);
    });
  }
  return { path: undefined, skip: notice };
}
