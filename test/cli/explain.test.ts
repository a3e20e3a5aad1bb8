import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../helpers/paths.js";
import { runBinary } from "../helpers/run-binary.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";

// `policy-wrap explain` through the real binary, against a replay of the
// naming-styles catalogue: one tool for each kind of decision, and names the
// policy writes that the server does not have.

const dir = tempDir();
const server = [
  process.execPath,
  join(ROOT, "test", "fixtures", "catalogue-server.mjs"),
  join(ROOT, "test", "fixtures", "naming-styles.json"),
  "9",
];

const policy = writePolicy(dir, {
  version: "1",
  default: "deny",
  hide: ["get-env", "lookup_event"],
  all_tools: { limits: [{ counter: "everything", window: "hour", max: 500 }] },
  tools: {
    get_query_results: {},
    CreateDbCluster: { action: "require_approval" },
    startExportJob: {
      rate_limit: { max: 3, window: "minute" },
      arguments: { type: "object", required: ["destination"] },
    },
    StartAHOReadSetExportJob: {
      require: [{ conditions: [{ path: "args.sequenceStoreId", op: "exists", value: true }], on_deny: "Name the sequence store." }],
    },
    "valkey-admin": { action: "deny", reason: "Admin commands are for people." },
    "json_*": { deny_if: [{ conditions: [{ path: "args.key", op: "regex", value: "^secret:" }], on_deny: "Not the secrets." }] },
    "Drop*": { action: "deny" },
  },
});

const explain = (args: string[]) => runBinary(["explain", ...args]);

/** The row of a tool and the detail lines under it. */
function block(text: string, tool: string): string {
  const lines = text.split("\n");
  const start = lines.findIndex((line) => line.startsWith(`${tool} `));
  assert.notEqual(start, -1, `a row for ${tool}`);
  const end = lines.findIndex((line, i) => i > start && !line.startsWith(" "));
  return lines.slice(start, end).join("\n");
}

describe("policy-wrap explain", { concurrency: true }, () => {
  it("shows each live tool's visibility, no-argument decision, deciding pointer, and what else applies", async () => {
    const run = await explain(["--policy", policy, "--", ...server]);
    assert.match(
      run.stdout,
      /^.*policy\.json against naming-styles 1\.0\.0: 52 tools, 6 shown\n\nTOOL +LIST +A CALL WITH NO ARGUMENTS +DECIDED BY\n/,
    );
    assert.match(
      block(run.stdout, "get_query_results"),
      /^get_query_results +shown +allowed +\/tools\/get_query_results\n +limit: counter "everything", 500 per hour, grant scope \(\/all_tools\/limits\/0\)$/,
    );
    assert.match(
      block(run.stdout, "CreateDbCluster"),
      /^CreateDbCluster +shown +allowed after approval +\/tools\/CreateDbCluster\n +approval: a person is asked before each call runs\n +limit: counter "everything"/,
    );
    assert.match(
      block(run.stdout, "startExportJob"),
      /^startExportJob +shown +denied \(arguments\) +\/tools\/startExportJob\/arguments\n +reason: Arguments for "startExportJob" do not satisfy the policy: arguments must have required property 'destination'\.\n +limit: counter "startExportJob", 3 per minute, grant scope \(\/tools\/startExportJob\/rate_limit\)\n +limit: counter "everything".*\n +arguments: checked against the schema at \/tools\/startExportJob\/arguments$/,
    );
    assert.match(
      block(run.stdout, "StartAHOReadSetExportJob"),
      /denied \(condition\) +\/tools\/StartAHOReadSetExportJob\/require\/0\n +reason: Name the sequence store\.\n.*\n +require \(\/tools\/StartAHOReadSetExportJob\/require\/0\): args\.sequenceStoreId exists: true; otherwise refused with: Name the sequence store\.$/,
    );
    assert.match(
      block(run.stdout, "json_arrappend"),
      /shown +allowed +\/tools\/json_\*\n.*\n +deny_if \(\/tools\/json_\*\/deny_if\/0\): args\.key regex "\^secret:"; refused with: Not the secrets\.$/,
    );
    assert.match(
      block(run.stdout, "valkey-admin"),
      /^valkey-admin +hidden +denied \(rule\) +\/tools\/valkey-admin\n +reason: Admin commands are for people\.$/,
    );
    assert.match(block(run.stdout, "get-env"), /^get-env +hidden +denied \(hidden\) +\/hide\/0$/);
    assert.match(block(run.stdout, "weather"), /^weather +hidden +denied \(default\) +\/default$/);
  });

  it("lists the policy's names that match no live tool, with a did-you-mean, and exits 1", async () => {
    const run = await explain(["--policy", policy, ...server]);
    assert.equal(run.code, 1, run.stderr);
    assert.ok(
      run.stdout.endsWith(
        [
          "Names in the policy that match no tool the server lists (2):",
          '  /hide/1: the policy hides "lookup_event", which matches no tool the server lists; did you mean "lookup_events"?',
          '  /tools/Drop*: the policy has a rule for the glob "Drop*", which matches no tool the server lists; did you mean a pattern for "drop_table"?',
          "",
        ].join("\n"),
      ),
      run.stdout,
    );
  });

  it("prints JSON for scripts", async () => {
    const run = await explain(["--policy", policy, "--json", "--", ...server]);
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout);
    assert.deepEqual(report.server, { name: "naming-styles", version: "1.0.0" });
    const tool = (name: string) => report.tools.find((t: { name: string }) => t.name === name);
    assert.deepEqual(tool("startExportJob"), {
      name: "startExportJob",
      visible: true,
      rule: "/tools/startExportJob",
      call: {
        outcome: "deny",
        by: "/tools/startExportJob/arguments",
        cause: "arguments",
        reason: "Arguments for \"startExportJob\" do not satisfy the policy: arguments must have required property 'destination'.",
      },
      approval: false,
      limits: [
        { counter: "startExportJob", max: 3, window: "minute", scope: "grant", pointer: "/tools/startExportJob/rate_limit" },
        { counter: "everything", max: 500, window: "hour", scope: "grant", pointer: "/all_tools/limits/0" },
      ],
      conditions: [],
      argumentsSchema: "/tools/startExportJob/arguments",
    });
    assert.deepEqual(tool("CreateDbCluster").call, { outcome: "allow", by: "/tools/CreateDbCluster" });
    assert.equal(tool("CreateDbCluster").approval, true);
    assert.deepEqual(tool("weather"), {
      name: "weather",
      visible: false,
      call: { outcome: "deny", by: "/default", cause: "default", reason: 'Tool "weather" is not permitted by the default policy.' },
      approval: false,
      limits: [],
      conditions: [],
    });
    assert.deepEqual(
      report.unmatched.map((u: { pointer: string; suggestion?: string }) => [u.pointer, u.suggestion]),
      [
        ["/hide/1", "lookup_events"],
        ["/tools/Drop*", "drop_table"],
      ],
    );
  });

  it("agrees with init: the policy init writes names every tool, and each decision follows its class", async () => {
    const written = join(dir, "init.json");
    const init = await runBinary(["init", "--out", written, "--", ...server]);
    assert.equal(init.code, 0, init.stderr);
    const run = await explain(["--policy", written, "--json", "--", ...server]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.deepEqual(report.unmatched, []);
    const decided = (name: string) => {
      const t = report.tools.find((x: { name: string }) => x.name === name);
      return [t.visible, t.call.outcome, t.call.cause ?? (t.approval ? "approval" : "none"), t.limits.length];
    };
    assert.deepEqual(decided("get_query_results"), [true, "allow", "none", 0]);
    assert.deepEqual(decided("getEnv"), [true, "allow", "none", 0]);
    assert.deepEqual(decided("startExportJob"), [true, "deny", "arguments", 1], "required arguments are missing from a no-argument call");
    assert.deepEqual(decided("run_script"), [true, "deny", "arguments", 1]);
    assert.deepEqual(decided("trigger_build"), [false, "deny", "rule", 0], "destructiveHint made it destructive");
    assert.deepEqual(decided("CreateDbCluster"), [true, "allow", "approval", 0]);
    assert.deepEqual(decided("files.delete"), [false, "deny", "rule", 0]);
    assert.deepEqual(decided("weather"), [false, "deny", "default", 0]);
  });

  it("refuses an invalid policy without starting the server, and reports a server that cannot be listed", async () => {
    const bad = writePolicy(dir, '{ "version": "1", "default": "deny", "tols": {} }', "bad.json");
    const invalid = await explain(["--policy", bad, "--", process.execPath, "-e", "process.exit(9)"]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /the policy is invalid; the server was not started\n.*bad\.json:1:\d+: unknown field "tols"/);
    const failed = await explain(["--policy", policy, "--", process.execPath, "-e", "process.exit(9)"]);
    assert.equal(failed.code, 3);
    assert.match(
      failed.stderr,
      /policy-wrap explain: could not list the tools of .*: the server exited with code 9 before answering initialize\n$/,
    );
    assert.equal((await explain(["--", ...server])).code, 2, "--policy is required");
  });
});

describe("policy-wrap validate --against", { concurrency: true }, () => {
  const validate = (args: string[]) => runBinary(["validate", ...args]);

  it("reports the names that match no live tool after the file itself is valid, with or without --", async () => {
    for (const args of [
      [policy, "--against", "--", ...server],
      [policy, "--against", ...server],
    ]) {
      const run = await validate(args);
      assert.equal(run.code, 1, run.stderr);
      const lines = run.stdout.split("\n");
      assert.match(lines[0] ?? "", /policy\.json: valid \(default deny, 5 tools, 2 globs, 2 hidden patterns, 2 limits\)$/);
      assert.match(lines[1] ?? "", /policy\.json: 2 names match no tool of naming-styles 1\.0\.0 \(52 tools\):$/);
      assert.equal(
        lines[2],
        '  /hide/1: the policy hides "lookup_event", which matches no tool the server lists; did you mean "lookup_events"?',
      );
    }
  });

  it("passes the shipped examples against the servers they are written for", async () => {
    const cases: [string, string[]][] = [
      [
        "everything-policy.json",
        [process.execPath, join(ROOT, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")],
      ],
      [
        "first-policy.json",
        [process.execPath, join(ROOT, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")],
      ],
      ["aws-healthomics-policy.json", [process.execPath, join(ROOT, "dist", "examples", "aws-server", "server.js")]],
      [
        "cloudtrail-policy.json",
        [
          process.execPath,
          join(ROOT, "test", "fixtures", "catalogue-server.mjs"),
          join(ROOT, "test", "fixtures", "real-servers", "awslabs.cloudtrail-mcp-server.json"),
        ],
      ],
    ];
    const runs = await Promise.all(
      cases.map(([example, command]) => validate([join(ROOT, "examples", example), "--against", "--", ...command])),
    );
    runs.forEach((run, i) => {
      assert.equal(run.code, 0, `${cases[i]?.[0]}: ${run.stdout}${run.stderr}`);
      assert.match(run.stdout, /: every name matches a tool of /);
    });
  });

  it("needs a server command, and leaves plain validate as it was", async () => {
    const bare = await validate([policy, "--against"]);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /--against needs a server command/);
    const plain = await validate([policy]);
    assert.equal(plain.code, 0);
    assert.equal(plain.stdout.split("\n").length, 2);
  });
});
