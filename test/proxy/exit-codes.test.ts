import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { describe, it } from "node:test";
import { BIN } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";

// Every exit code docs/cli.md documents, against every timing of the client's
// stdin EOF: at once (</dev/null), after the initialize answer, or never (the
// client is still there when the upstream ends). The code must not depend on
// which of the two sides the wrapper noticed first.

const dir = tempDir();
const policy = writePolicy(dir, { version: "1", default: "allow" });
const invalid = writePolicy(dir, { version: "1", default: "maybe" }, "invalid.json");

/** A raw stdio server: answers initialize, then does what `onEnd` says at stdin EOF. */
function server(onEnd: string, atStart = ""): string[] {
  const script = `${atStart}
let buffer = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffer += chunk;
  let i;
  while ((i = buffer.indexOf("\\n")) !== -1) {
    const message = JSON.parse(buffer.slice(0, i));
    buffer = buffer.slice(i + 1);
    if (message.method === "initialize")
      process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: message.id, result: { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name: "s", version: "1" } } }) + "\\n");
  }
});
process.stdin.on("end", () => { ${onEnd} });`;
  return [process.execPath, "-e", script];
}

const WELL_BEHAVED = server("process.exit(0)");
const FIVE_AT_EOF = server("process.exit(5)");
const IGNORES_EOF = server("setInterval(() => {}, 1000)", "process.on('SIGTERM', () => process.exit(0));");
const EXITS_3 = [process.execPath, "-e", "process.exit(3)"];
const KILLS_ITSELF = [process.execPath, "-e", "process.kill(process.pid, 'SIGKILL')"];
const NO_SUCH = [join(dir, "no-such-server")];

type Timing = "dev-null" | "after-initialize" | "open";

interface Case {
  name: string;
  args: string[];
  expect: number;
  timings: Timing[];
  /** Sent to the wrapper once it has answered initialize. */
  signal?: NodeJS.Signals;
}

const run = (policyFile: string, upstream: string[]) => [
  "--policy",
  policyFile,
  "--no-watch",
  "--state",
  join(dir, "state.db"),
  "--",
  ...upstream,
];

const CASES: Case[] = [
  { name: "usage error: no --policy", args: ["--", ...WELL_BEHAVED], expect: 2, timings: ["dev-null", "open"] },
  { name: "usage error: no upstream command", args: ["--policy", policy], expect: 2, timings: ["dev-null", "open"] },
  {
    name: "usage error: a bad option value",
    args: ["--max-message-bytes", "0", ...run(policy, WELL_BEHAVED)],
    expect: 2,
    timings: ["dev-null", "open"],
  },
  { name: "an invalid policy", args: run(invalid, WELL_BEHAVED), expect: 1, timings: ["dev-null", "open"] },
  { name: "an upstream that cannot start", args: run(policy, NO_SUCH), expect: 127, timings: ["dev-null", "open"] },
  { name: "an upstream that exits 3 by itself", args: run(policy, EXITS_3), expect: 3, timings: ["dev-null", "open"] },
  { name: "an upstream killed by a signal nobody sent", args: run(policy, KILLS_ITSELF), expect: 128 + 9, timings: ["dev-null", "open"] },
  { name: "a server that exits 0 at EOF", args: run(policy, WELL_BEHAVED), expect: 0, timings: ["dev-null", "after-initialize"] },
  { name: "a server that exits 5 at EOF", args: run(policy, FIVE_AT_EOF), expect: 5, timings: ["dev-null", "after-initialize"] },
  {
    name: "a server that ignores EOF and is stopped",
    args: run(policy, IGNORES_EOF),
    expect: 0,
    timings: ["dev-null", "after-initialize"],
  },
  { name: "SIGTERM to the wrapper", args: run(policy, WELL_BEHAVED), expect: 128 + 15, timings: ["open"], signal: "SIGTERM" },
  {
    name: "SIGINT to the wrapper",
    args: run(policy, IGNORES_EOF),
    expect: 128 + 2,
    timings: ["open", "after-initialize"],
    signal: "SIGINT",
  },
];

async function exitCode(args: string[], timing: Timing, signal?: NodeJS.Signals): Promise<{ code: number | null; stderr: string }> {
  const devNull = timing === "dev-null" ? openSync("/dev/null", "r") : undefined;
  const child = spawn(process.execPath, [BIN, ...args], { stdio: [devNull ?? "pipe", "pipe", "pipe"] });
  if (devNull !== undefined) closeSync(devNull);
  let stderr = "";
  (child.stderr as Readable).setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  // "close", not "exit": stderr may still hold the reason when the process has exited.
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  if (child.stdin && (timing === "after-initialize" || signal)) {
    child.stdin.on("error", () => {});
    const initialized = new Promise<void>((resolve) => (child.stdout as Readable).once("data", () => resolve()));
    child.stdin.write(
      `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } })}\n`,
    );
    // The wrapper may end first (an upstream that exits by itself); then there is nothing to wait for.
    await Promise.race([initialized, exited]);
    if (signal) child.kill(signal);
    if (timing === "after-initialize") child.stdin.end();
  }
  const code = await exited;
  child.stdin?.end();
  return { code, stderr };
}

describe("exit codes whatever the timing of stdin EOF", { concurrency: 4 }, () => {
  for (const c of CASES) {
    for (const timing of c.timings) {
      it(`${c.name}, stdin ${timing}: exits ${c.expect}`, async () => {
        const { code, stderr } = await exitCode(c.args, timing, c.signal);
        assert.equal(code, c.expect, stderr);
      });
    }
  }

  it("policy-wrap --policy p.json -- no-such-server </dev/null exits 127, as a shell runs it", () => {
    const shell = spawnSync(
      "sh",
      ["-c", `"$0" "$1" --policy "$2" -- no-such-server-${process.pid} </dev/null`, process.execPath, BIN, policy],
      {
        encoding: "utf8",
      },
    );
    assert.equal(shell.status, 127, shell.stderr);
    assert.match(shell.stderr, /could not be started/);
  });
});
