// Runs every test/**/*.test.ts with node:test through tsx. Node 20's --test
// does not expand globs itself, so the files are listed here.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const filter = process.argv[2];
const files = readdirSync("test", { recursive: true, withFileTypes: false })
  .map(String)
  .filter((f) => f.endsWith(".test.ts") && (!filter || f.includes(filter)))
  .sort()
  .map((f) => join("test", f));
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
// Wrappers started by tests keep their default files (audit trail, counters) here, not in the user's data directory.
const dataHome = mkdtempSync(join(tmpdir(), "policy-wrap-test-data-"));
const env = { ...process.env, XDG_DATA_HOME: dataHome };
delete env.POLICY_WRAP_AUDIT;
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", ...files], { stdio: "inherit", env });
rmSync(dataHome, { recursive: true, force: true });
process.exit(result.status ?? 1);
