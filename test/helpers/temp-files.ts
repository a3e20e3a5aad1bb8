import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A temporary directory removed when the test file ends. It goes at exit,
 * after every `after` hook: a file's processes (stopped by hooks registered
 * later) may still be writing in it when its own hook would run, and a
 * removal that fails there would skip the hooks that stop them.
 */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "policy-wrap-test-"));
  if (made.size === 0) process.once("exit", () => made.forEach((each) => rmSync(each, { recursive: true, force: true, maxRetries: 3 })));
  made.add(dir);
  return dir;
}

const made = new Set<string>();

export function writePolicy(dir: string, policy: unknown, name = "policy.json"): string {
  const file = join(dir, name);
  writeFileSync(file, typeof policy === "string" ? policy : JSON.stringify(policy, null, 2));
  return file;
}
