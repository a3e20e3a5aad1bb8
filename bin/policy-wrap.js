#!/usr/bin/env node
// Thin shim over the built CLI: no TypeScript is compiled at run time. The
// CLI is bundled (one file per command, see scripts/bundle.mjs), and where the
// runtime has V8's compile cache (Node.js 22.1 and later) the compiled code is
// kept beside the package (.cache/, which only whoever can change the package
// can write), so later starts skip compiling it.
import module from "node:module";

module.enableCompileCache?.(new URL("../.cache/compile", import.meta.url).pathname);
let main;
try {
  ({ main } = await import("../dist/bundle/main.js"));
} catch (error) {
  if (error && error.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist")) {
    process.stderr.write("policy-wrap: not built yet; run `npm install` (its prepare step builds dist/)\n");
    process.exit(1);
  }
  throw error;
}
let code;
try {
  code = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`policy-wrap: ${error && error.stack ? error.stack : String(error)}\n`);
  code = 1;
}
// Let stdout and stderr flush before leaving: the last answers matter.
process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
