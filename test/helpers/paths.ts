import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: the nearest folder up with a package.json (tests run compiled, from dist/test/). */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the package root");
    dir = parent;
  }
  return dir;
}

export const ROOT = findRoot();
export const BIN = join(ROOT, "bin", "policy-wrap.js");
export const FIXTURE_SERVER = join(ROOT, "test", "fixtures", "fixture-server.mjs");
export const EVERYTHING_SERVER = join(ROOT, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");

/** The command line that starts the fixture upstream. */
export function fixtureCommand(): string[] {
  return [process.execPath, FIXTURE_SERVER];
}
