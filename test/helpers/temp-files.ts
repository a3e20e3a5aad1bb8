import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

/** A temporary directory removed when the test file ends. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "policy-wrap-test-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writePolicy(dir: string, policy: unknown, name = "policy.json"): string {
  const file = join(dir, name);
  writeFileSync(file, typeof policy === "string" ? policy : JSON.stringify(policy, null, 2));
  return file;
}
