import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { InspectError } from "../../src/inspect/inspect-error.js";
import { inspectServer, serverLabel } from "../../src/inspect/inspect-server.js";
import { EVERYTHING_SERVER, ROOT } from "../helpers/paths.js";
import { isAlive } from "../helpers/processes.js";

// The inspector against real processes: catalogue replays, the example
// server, server-everything, and servers that misbehave in one way each.

const REAL = join(ROOT, "test", "fixtures", "real-servers");
const catalogue = (file: string, pageSize = 7) => [
  process.execPath,
  join(ROOT, "test", "fixtures", "catalogue-server.mjs"),
  join(REAL, file),
  String(pageSize),
];
const misbehaving = (mode: string) => [process.execPath, join(ROOT, "test", "fixtures", "misbehaving-server.mjs"), mode];

async function failure(command: string[], timeoutMs = 10_000, maxPages?: number): Promise<InspectError> {
  try {
    await inspectServer(command, { timeoutMs, maxPages });
  } catch (error) {
    assert.ok(error instanceof InspectError, String(error));
    return error;
  }
  assert.fail("the inspection succeeded");
}

describe("inspecting a live server", { concurrency: true }, () => {
  it("follows every nextCursor and keeps each tool exactly as the server sent it", async () => {
    const file = "awslabs.aws-healthomics-mcp-server.json";
    const captured = JSON.parse(readFileSync(join(REAL, file), "utf8")) as { initialize: unknown; tools: unknown[] };
    const seen = await inspectServer(catalogue(file, 7));
    assert.equal(seen.pages, 11, "73 tools in pages of 7");
    assert.deepEqual(seen.tools, captured.tools);
    assert.deepEqual(seen.initialize, captured.initialize);
    assert.equal(serverLabel(seen), "awslabs.aws-healthomics-mcp-server 1.29.0.post2");
  });

  it("reads the bundled example server and server-everything, annotations and unknown fields included", async () => {
    const example = await inspectServer([process.execPath, join(ROOT, "dist", "examples", "aws-server", "server.js")]);
    assert.deepEqual(
      example.tools.map((t) => t.name),
      ["ListAHOReadSets", "GetAHOReadSet", "StartAHOReadSetExportJob", "DeleteAHOSequenceStore", "DeleteAHOReadSet"],
    );
    assert.deepEqual(example.tools[3]?.annotations, { destructiveHint: true });
    const everything = await inspectServer([process.execPath, EVERYTHING_SERVER]);
    const echo = everything.tools.find((t) => t.name === "echo");
    assert.deepEqual(echo?.annotations, { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false });
    // `execution` is a field the SDK's typed Tool schema of some versions drops: kept here as sent.
    assert.ok("execution" in (echo ?? {}));
  });

  it("answers the server's own requests, ignores its notifications, and keeps odd entries out of the tools", async () => {
    const seen = await inspectServer(misbehaving("asks-first"));
    const answers = JSON.parse(seen.initialize.instructions as string) as Record<string, unknown>[];
    assert.deepEqual(answers[0]?.result, { roots: [] });
    assert.deepEqual(answers[1]?.result, {});
    assert.deepEqual(answers[2]?.error, { code: -32601, message: "policy-wrap's inspector does not handle sampling/createMessage" });
    assert.deepEqual(seen.skipped, [
      { index: 0, reason: "not an object" },
      { index: 1, reason: "no string name" },
      { index: 2, reason: "no string name" },
    ]);
    assert.deepEqual(seen.tools, [
      {
        name: "keeps_fields",
        inputSchema: { type: "object", properties: { a: { type: "string", "x-vendor": true } } },
        annotations: { readOnlyHint: true, vendorHint: "kept" },
        "x-unknown-field": { nested: [1, 2, 3] },
      },
    ]);
  });

  it("lists again when the server says its list changed while it was read", async () => {
    const seen = await inspectServer(misbehaving("changes-list"));
    assert.deepEqual(
      seen.tools.map((t) => t.name),
      ["tool_1", "tool_2"],
    );
  });

  it("declares a full client's capabilities, so tools offered only to such clients are listed too", async () => {
    const everything = await inspectServer([process.execPath, EVERYTHING_SERVER]);
    const names = everything.tools.map((t) => t.name);
    for (const name of ["get-roots-list", "trigger-sampling-request", "trigger-elicitation-request"]) assert.ok(names.includes(name), name);
  });

  it("reads an answer written just before the server exits", async () => {
    const seen = await inspectServer(misbehaving("answer-then-exit"));
    assert.deepEqual(
      seen.tools.map((t) => t.name),
      ["get_thing"],
    );
  });

  it("takes a server without tools as a server with no tools", async () => {
    const seen = await inspectServer(misbehaving("no-tools"));
    assert.deepEqual(seen.tools, []);
  });

  it("stops a server that ignores stdin closing and SIGTERM, with its process group", async () => {
    const seen = await inspectServer(misbehaving("stubborn"));
    const pid = Number(String(seen.tools[0]?.name).replace("pid_", ""));
    assert.ok(pid > 0);
    assert.equal(isAlive(pid), false);
  });
});

describe("a server that cannot be inspected", { concurrency: true }, () => {
  it("cannot be started", async () => {
    const error = await failure(["policy-wrap-no-such-command"]);
    assert.equal(error.failure, "start");
    assert.match(error.message, /could not be started \(spawn policy-wrap-no-such-command ENOENT\)/);
  });

  it("never answers", async () => {
    const error = await failure(misbehaving("silent"), 300);
    assert.equal(error.failure, "timeout");
    assert.equal(error.message, "the server did not answer initialize within 0.3 s");
  });

  it("writes garbage and exits", async () => {
    const error = await failure(misbehaving("garbage-exit"));
    assert.equal(error.failure, "exit");
    assert.equal(
      error.message,
      'the server exited with code 1 before answering initialize; it wrote 3 lines on stdout that are not JSON-RPC, the first: "Traceback (most recent call last):"',
    );
  });

  it("answers with something that is not MCP", async () => {
    const cases: [string, string, string][] = [
      ["result-not-object", "protocol", "the server's answer to initialize is not an object"],
      [
        "invalid-answer",
        "protocol",
        "the server's answer to initialize is not valid JSON-RPC: a response carries exactly one of result or error",
      ],
      ["refuses", "refused", "the server answered initialize with error -32602: Unsupported protocol version"],
      ["no-tools-array", "protocol", "the server answered tools/list without a tools array"],
      ["loop-cursor", "protocol", 'the server\'s tools/list pagination loops (cursor "same" came twice)'],
      ["numeric-cursor", "protocol", "the server's tools/list nextCursor is not a string"],
    ];
    for (const [mode, kind, message] of cases) {
      const error = await failure(misbehaving(mode));
      assert.deepEqual([mode, error.failure, error.message], [mode, kind, message]);
    }
  });

  it("pages without end", async () => {
    const error = await failure(misbehaving("endless-pages"), 10_000, 5);
    assert.equal(error.message, "the server's tools/list has more than 5 pages");
  });
});
