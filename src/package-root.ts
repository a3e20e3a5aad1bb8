import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// The same modules run from src/ (tests, through tsx) and from dist/src/
// (the installed binary); files shipped beside them are found from the package root.
let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("policy-wrap: cannot find its package root");
    dir = parent;
  }
  root = dir;
  return dir;
}
