import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { VERBS } from "../../src/classify/verbs.js";
import { EVERYTHING_SERVER, ROOT } from "../helpers/paths.js";
import { runBinary } from "../helpers/run-binary.js";
import { tempDir } from "../helpers/temp-files.js";

// The examples in the README and docs/init-and-explain.md are real runs: each
// block after a marker comment is what the command prints today, and the verb
// tables the docs list are the ones the code uses.

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const guide = readFileSync(join(ROOT, "docs", "init-and-explain.md"), "utf8");
const replay = (file: string) => [
  process.execPath,
  join(ROOT, "test", "fixtures", "catalogue-server.mjs"),
  join(ROOT, "test", "fixtures", "real-servers", file),
];

/** The code blocks after a marker, without a leading "$ command" line. */
function blocksAfter(text: string, marker: string): string[] {
  const at = text.indexOf(`<!-- ${marker} -->`);
  assert.notEqual(at, -1, `marker ${marker}`);
  const next = text.indexOf("<!--", at + 4);
  const section = text.slice(at, next === -1 ? undefined : next);
  return [...section.matchAll(/```(?:json)?\n([\s\S]*?)```/g)].map((m) => (m[1] as string).replace(/^\$ .*\n/, ""));
}

const run = async (args: string[], cwd: string): Promise<string> => (await runBinary(args, { cwd })).stdout;

describe("the examples in the README and docs/init-and-explain.md", { concurrency: true }, () => {
  for (const [text, file] of [
    [readme, "awslabs.valkey-mcp-server.json"],
    [guide, "awslabs.aws-healthomics-mcp-server.json"],
  ] as const) {
    it(`show what init prints for ${file}`, async () => {
      const [shown] = blocksAfter(text, `init-summary: ${file}`);
      assert.equal(await run(["init", "--out", "policy.json", "--", ...replay(file)], tempDir()), shown);
    });
  }

  it("show what explain prints for the bundled example", async () => {
    const [shown] = blocksAfter(guide, "explain: examples/aws-healthomics-policy.json");
    const printed = await run(
      [
        "explain",
        "--policy",
        "examples/aws-healthomics-policy.json",
        "--",
        process.execPath,
        join(ROOT, "dist", "examples", "aws-server", "server.js"),
      ],
      ROOT,
    );
    assert.equal(printed, shown);
  });

  it("show what validate --against prints for a typo", async () => {
    const [policy, shown] = blocksAfter(guide, "validate-against: server-everything");
    const dir = tempDir();
    writeFileSync(join(dir, "policy.json"), policy as string);
    assert.equal(await run(["validate", "policy.json", "--against", "--", process.execPath, EVERYTHING_SERVER], dir), shown);
  });

  it("list the verb tables the classifier uses", async () => {
    for (const [riskClass, words] of Object.entries(VERBS)) {
      const line = new RegExp(`^- \\*\\*${riskClass}\\*\\*: (.*)$`, "m").exec(guide);
      assert.ok(line, `a line for ${riskClass}`);
      assert.deepEqual((line[1] as string).split(", "), [...words], riskClass);
    }
  });
});
