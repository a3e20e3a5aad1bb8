// Bundles the CLI for start-up. Node resolves, reads, compiles and links each
// ES module on its own, and the wrapper's ~100 modules cost it more at
// start-up (about 70 ms here) than its own work does. esbuild joins them into
// one file per command: bin/policy-wrap.js loads main.js, and main.js the
// one command file it runs. The run command (a wrapped server) is split where
// its code imports modules when it needs them: run.js holds what it needs to
// check the policy and spawn the upstream, and the rest of the wrapper (loaded
// while the upstream starts), the policy watcher and the Redis store are
// chunks of their own beside it. Packages in node_modules
// stay imports, but for the small pure-JavaScript ones every start needs
// (commander alone took 10 ms to load through Node's CommonJS loader). The
// audit trail's writer thread is a file of its own beside them (audit-trail.ts
// starts it as ./audit-worker.js).
//
//   node scripts/bundle.mjs           -> dist/bundle/ (part of the build)
//   node scripts/bundle.mjs --bench   -> .bench/ (npm run bench: the bench as plain JavaScript, no tsx)
import { readFileSync, rmSync } from "node:fs";
import { build } from "esbuild";

/** Packages bundled in: small, pure JavaScript, and loaded by every start of the wrapper. */
const BUNDLED_PACKAGES = new Set(["commander", "env-paths", "is-safe-filename"]);

/**
 * Node's own modules are required, not imported: an ES module import of one
 * builds a facade that reads every export (node:fs's lazy getters load its
 * streams and promises API), 8-12 ms for the dozen the wrapper uses, where
 * require() takes 4-6 ms. Each becomes a two-line CommonJS module.
 */
const builtinsViaRequire = {
  name: "builtins-via-require",
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) =>
      args.kind === "import-statement" ? { path: args.path, namespace: "builtin" } : { path: args.path, external: true },
    );
    build.onLoad({ filter: /.*/, namespace: "builtin" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
    }));
  },
};

/** Every other package (native, large, or loaded only when needed) is imported from node_modules at run time. */
const packagesStayImports = {
  name: "packages-stay-imports",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.startsWith("@") ? args.path.split("/").slice(0, 2).join("/") : args.path.split("/")[0];
      return BUNDLED_PACKAGES.has(name) ? undefined : { path: args.path, external: true };
    });
  },
};

const common = {
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  logLevel: "warning",
  // For commander (CommonJS) and Node's own modules (see builtinsViaRequire): a require in an ES module.
  banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
};

/** The command modules main.ts imports (`await import("./run.js")`): each becomes a bundle of its own. */
function commandFiles() {
  const main = readFileSync("src/cli/main.ts", "utf8");
  return [...new Set([...main.matchAll(/import\("\.\/([a-z-]+)\.js"\)/g)].map((match) => match[1]))];
}

/** main.js keeps its `import("./run.js")`: at run time it names the command bundle beside it. */
const commandsStayImports = {
  name: "commands-stay-imports",
  setup(build) {
    build.onResolve({ filter: /^\.\/[a-z-]+\.js$/ }, (args) =>
      args.importer.endsWith("src/cli/main.ts") ? { path: args.path, external: true } : undefined,
    );
  },
};

if (process.argv.includes("--bench")) {
  rmSync(".bench", { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: { run: "bench/run.ts", "audit-worker": "src/audit/audit-worker.ts" },
    outdir: ".bench",
    plugins: [builtinsViaRequire, packagesStayImports],
  });
} else {
  const outdir = "dist/bundle";
  rmSync(outdir, { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: { main: "src/cli/main.ts" },
    outdir,
    plugins: [commandsStayImports, builtinsViaRequire, packagesStayImports],
  });
  const entries = Object.fromEntries(commandFiles().map((name) => [name, `src/cli/${name}.ts`]));
  const { run, ...others } = entries;
  await build({
    ...common,
    entryPoints: { ...others, "audit-worker": "src/audit/audit-worker.ts" },
    outdir,
    plugins: [builtinsViaRequire, packagesStayImports],
  });
  await build({
    ...common,
    entryPoints: { run },
    outdir,
    splitting: true,
    chunkNames: "run-[hash]",
    plugins: [builtinsViaRequire, packagesStayImports],
  });
}
