import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BIN = join(ROOT, "bin", "policy-wrap.js");
export const FIXTURE_SERVER = join(ROOT, "test", "fixtures", "fixture-server.mjs");
export const EVERYTHING_SERVER = join(ROOT, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");

/** The command line that starts the fixture upstream. */
export function fixtureCommand(): string[] {
  return [process.execPath, FIXTURE_SERVER];
}
