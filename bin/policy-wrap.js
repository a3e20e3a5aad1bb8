#!/usr/bin/env node
// Thin shim over the compiled CLI: no TypeScript is compiled at run time.
let main;
try {
  ({ main } = await import("../dist/src/cli/main.js"));
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
