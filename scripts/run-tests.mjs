// Runs test/**/*.test.ts with node:test.
//
//   node scripts/run-tests.mjs [--concurrency N] [filter ...]
//
// The TypeScript of src/, test/ and examples/ is transpiled once, with esbuild
// (what tsx would do per process), into .build/; type-checking is
// `npm run typecheck`'s job. Each test file then runs as plain JavaScript in
// a process of its own, N files at a time (by default one more than the cores:
// see below); a file's output is printed when it ends (all of it when it
// failed), with its time. A filter keeps the files whose path contains it.
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { build } from "esbuild";

const OUT = ".build";
/** Files that are JavaScript already, next to the sources that import them. */
const COPIED = ["src/policy/generated/validate-policy.js"];
/** A file still running after this long is stopped and reported as hung (a safety net, not a speed check). */
const HUNG_MS = 10 * 60 * 1000;
/** Files that take longer than this are named at the end: the suite's budget per file. */
const SLOW_MS = 15_000;

const args = process.argv.slice(2);
// One file more than there are cores: a file spends part of its time waiting (an upstream's shutdown grace,
// Chromium or redis-server starting, a CLI process), and the extra file keeps the cores busy meanwhile.
let concurrency = availableParallelism() + 1;
const filters = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--concurrency") concurrency = Number(args[++i]);
  else filters.push(args[i]);
}
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error("--concurrency takes a positive integer");
  process.exit(2);
}

const sources = (dir) =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => join(dir, f));

const files = sources("test")
  .filter((f) => f.endsWith(".test.ts") && (filters.length === 0 || filters.some((filter) => f.includes(filter))))
  .sort();
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}

const started = performance.now();
rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: [...sources("src"), ...sources("test"), ...sources("examples")],
  outdir: OUT,
  outbase: ".",
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "inline",
  logLevel: "warning",
});
for (const file of COPIED) {
  mkdirSync(dirname(join(OUT, file)), { recursive: true });
  copyFileSync(file, join(OUT, file));
}
const transpiled = performance.now();

// Wrappers started by tests keep their default files (audit trail, counters) here, not in the user's data directory.
const dataHome = mkdtempSync(join(tmpdir(), "policy-wrap-test-data-"));
const env = { ...process.env, XDG_DATA_HOME: dataHome };
delete env.POLICY_WRAP_AUDIT;

/** Runs one file; resolves with what it printed and how it went. */
function runFile(file) {
  return new Promise((resolve) => {
    const start = performance.now();
    const compiled = join(OUT, file.replace(/\.ts$/, ".js"));
    const child = spawn(process.execPath, ["--enable-source-maps", "--test-reporter=spec", compiled], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (text) => (output += text));
    child.stderr.setEncoding("utf8").on("data", (text) => (output += text));
    const timer = setTimeout(() => {
      output += `\n${file}: still running after ${HUNG_MS / 60000} minutes; stopped\n`;
      child.kill("SIGKILL");
    }, HUNG_MS);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ file, output, ok: code === 0, code: code ?? signal, ms: performance.now() - start });
    });
  });
}

const count = (output, word) => Number(new RegExp(`^ℹ ${word} (\\d+)$`, "m").exec(output)?.[1] ?? 0);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const results = [];
const queue = [...files];
async function worker() {
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const result = await runFile(file);
    results.push(result);
    const tests = count(result.output, "tests");
    process.stdout.write(`${result.ok ? "✔" : "✖"} ${file} (${tests} tests, ${seconds(result.ms)})\n`);
    // Skipped tests say why (a missing system package, no second Node.js): keep those lines in view.
    for (const line of result.output.split("\n")) if (/# SKIP/.test(line)) process.stdout.write(`    ${line.trim()}\n`);
    if (!result.ok) process.stdout.write(`\n${result.output}\n${file}: exit ${result.code}\n\n`);
  }
}
await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
rmSync(dataHome, { recursive: true, force: true });

const total = (word) => results.reduce((sum, r) => sum + count(r.output, word), 0);
const failed = results.filter((r) => !r.ok);
const slow = results.filter((r) => r.ms > SLOW_MS).sort((a, b) => b.ms - a.ms);
process.stdout.write(
  `\n${files.length} files, ${total("tests")} tests: ${total("pass")} passed, ${total("fail")} failed, ` +
    `${total("skipped")} skipped; ${seconds(performance.now() - started)} ` +
    `(transpile ${seconds(transpiled - started)}, ${concurrency} at a time, load average ${loadavg()[0].toFixed(1)})\n`,
);
if (slow.length > 0) process.stdout.write(`over ${SLOW_MS / 1000} s: ${slow.map((r) => `${r.file} ${seconds(r.ms)}`).join(", ")}\n`);
if (failed.length > 0) process.stdout.write(`failed: ${failed.map((r) => r.file).join(", ")}\n`);
process.exit(failed.length > 0 ? 1 : 0);
