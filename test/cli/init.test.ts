import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, it } from "node:test";
import { EVERYTHING_SERVER, ROOT } from "../helpers/paths.js";
import { runBinary } from "../helpers/run-binary.js";
import { tempDir } from "../helpers/temp-files.js";

// `policy-wrap init` through the real binary, against replays of real
// catalogues, the bundled example server and server-everything.

const REAL = join(ROOT, "test", "fixtures", "real-servers");
const dir = tempDir();
const replay = (file: string, pageSize = 7) => [
  process.execPath,
  join(ROOT, "test", "fixtures", "catalogue-server.mjs"),
  file.includes("/") ? file : join(REAL, file),
  String(pageSize),
];

const init = (args: string[], cwd = dir) => runBinary(["init", ...args], { cwd });
const validate = (file: string) => runBinary(["validate", file]);

const classesOf = (policy: { tools: Record<string, { description: string }> }) =>
  Object.fromEntries(Object.entries(policy.tools).map(([name, rule]) => [name, rule.description.split(":")[0]]));

describe("policy-wrap init", { concurrency: true }, () => {
  it("writes a policy from every page of a real catalogue that validates, and prints the summary on stdout", async () => {
    const out = join(dir, "healthomics.json");
    const run = await init(["--out", out, "--", ...replay("awslabs.aws-healthomics-mcp-server.json")]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^awslabs\.aws-healthomics-mcp-server 1\.29\.0\.post2: 73 tools\n/);
    assert.match(
      run.stdout,
      /\nread {12}47 {2}allowed\nexecute {10}8 {2}allowed, 10 calls a minute each, arguments checked against the tool's schema\nwrite {11}15 {2}a person approves each call\ndestructive {6}3 {2}refused\nunknown {10}0 {2}refused until you add a rule/,
    );
    assert.match(run.stdout, /\n {2}StartAHOReadSetExportJob +execute verb "Start"\n/);
    assert.match(run.stdout, /\nWrote .*healthomics\.json\. Review it/);
    const policy = JSON.parse(readFileSync(out, "utf8"));
    assert.equal(Object.keys(policy.tools).length, 73);
    assert.ok(existsSync(resolve(dirname(out), policy.$schema)), "the $schema path leads to the shipped schema");
    const check = await validate(out);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /valid \(default deny, 73 tools, 0 globs, 0 hidden patterns, 8 limits\)/);
  });

  it("refuses to overwrite without --force, before starting the server", async () => {
    const out = join(dir, "exists.json");
    writeFileSync(out, "keep me");
    const marker = join(dir, "server-started");
    const run = await init(["--out", out, "--", process.execPath, "-e", `require("fs").writeFileSync(${JSON.stringify(marker)}, "")`]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /exists\.json already exists; pass --force to overwrite it \(nothing was started\)/);
    assert.equal(readFileSync(out, "utf8"), "keep me");
    assert.equal(existsSync(marker), false);
    const forced = await init(["--out", out, "--force", "--", ...replay("awslabs.cloudtrail-mcp-server.json")]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(out, "utf8")).tools), [
      "lookup_events",
      "lake_query",
      "get_query_status",
      "get_query_results",
      "list_event_data_stores",
    ]);
  });

  it("writes only the policy to stdout with --out -, and the summary to stderr", async () => {
    const run = await init(["--out", "-", ...replay("awslabs.timestream-for-influxdb-mcp-server.json")]);
    assert.equal(run.code, 0, run.stderr);
    const policy = JSON.parse(run.stdout);
    assert.equal(policy.$schema, "https://github.com/policy-wrap/policy-wrap/schema/policy.schema.json");
    assert.equal(classesOf(policy).InfluxDBCreateOrg, "write");
    assert.match(run.stderr, /awslabs\.timestream-for-influxdb-mcp-server 1\.29\.0\.post2: 26 tools/);
    assert.match(run.stderr, /Wrote the policy to stdout\./);
    const file = join(dir, "from-stdout.json");
    writeFileSync(file, run.stdout);
    assert.equal((await validate(file)).code, 0);
  });

  it("classifies the bundled example server and server-everything, hints included", async () => {
    const example = await init(["--out", "-", process.execPath, join(ROOT, "dist", "examples", "aws-server", "server.js")]);
    assert.equal(example.code, 0, example.stderr);
    assert.deepEqual(classesOf(JSON.parse(example.stdout)), {
      ListAHOReadSets: "read",
      GetAHOReadSet: "read",
      StartAHOReadSetExportJob: "execute",
      DeleteAHOSequenceStore: "destructive",
      DeleteAHOReadSet: "destructive",
    });
    assert.match(example.stderr, /DeleteAHOSequenceStore +destructive verb "Delete"; destructiveHint: true agrees/);

    const everything = await init(["--out", "-", process.execPath, EVERYTHING_SERVER]);
    assert.equal(everything.code, 0, everything.stderr);
    const policy = JSON.parse(everything.stdout);
    assert.deepEqual(classesOf(policy), {
      echo: "read",
      "get-annotated-message": "read",
      "get-env": "read",
      "get-resource-links": "read",
      "get-resource-reference": "read",
      "get-structured-content": "read",
      "get-sum": "read",
      "get-tiny-image": "read",
      "get-roots-list": "read",
      "trigger-long-running-operation": "execute",
      "trigger-elicitation-request": "execute",
      "trigger-sampling-request": "execute",
      "simulate-research-query": "execute",
      "toggle-simulated-logging": "write",
      "toggle-subscriber-updates": "write",
    });
    assert.match(
      everything.stderr,
      /trigger-long-running-operation +execute verb "trigger"; readOnlyHint: true ignored \(hints never lower risk\)/,
    );
    assert.match(
      everything.stderr,
      /unknown \(1\): refused until you add a rule \(no rule; default: deny\)\n {2}gzip-file-as-resource +no known verb in the name; readOnlyHint: false/,
    );
    assert.match(policy.description, /Not classified, so refused until a rule names them: "gzip-file-as-resource"\./);
  });

  it("says why when the server cannot be inspected, and writes nothing", async () => {
    const out = join(dir, "never.json");
    const run = await init([
      "--out",
      out,
      "--timeout",
      "0.5",
      process.execPath,
      join(ROOT, "test", "fixtures", "misbehaving-server.mjs"),
      "silent",
    ]);
    assert.equal(run.code, 3);
    assert.match(
      run.stderr,
      /^policy-wrap init: could not list the tools of ".*misbehaving-server\.mjs silent": the server did not answer initialize within 0\.5 s\n$/,
    );
    assert.equal(run.stdout, "");
    assert.equal(existsSync(out), false);
    const missing = await init(["--out", out, "policy-wrap-no-such-server"]);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /could not be started \(spawn policy-wrap-no-such-server ENOENT\)/);
  });

  it("escapes tool names and server names that could rewrite the terminal", async () => {
    const catalogue = join(dir, "hostile.json");
    writeFileSync(
      catalogue,
      JSON.stringify({
        initialize: {
          protocolVersion: "2025-06-18",
          capabilities: { tools: {} },
          serverInfo: { name: "evil\u001b[2Jserver", version: "1" },
        },
        tools: [
          { name: "get\u001bXred", inputSchema: { type: "object" } },
          { name: "list\u202etxt.exe", inputSchema: { type: "object" } },
        ],
      }),
    );
    const run = await init(["--out", "-", ...replay(catalogue)]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!/[\u001b\u202e]/.test(run.stderr), "no raw control or bidi character reaches the terminal");
    assert.match(run.stderr, /^evil\\u001b\[2Jserver 1: 2 tools/);
    assert.match(run.stderr, /\n {2}"get\\u001bXred" +read verb "get"\n {2}"list\\u202etxt\.exe" +read verb "list"\n/);
    assert.deepEqual(Object.keys(JSON.parse(run.stdout).tools), ["get\u001bXred", "list\u202etxt.exe"], "the policy names them exactly");
  });

  it("answers usage errors with exit 2", async () => {
    assert.equal((await init([])).code, 2);
    assert.equal((await init(["--timeout", "soon", "server"])).code, 2);
  });
});
