import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { BIN, ROOT } from "../helpers/paths.js";

// The README and the shipped examples are what a newcomer copies first: the
// policy the README shows must be the example file, and every shipped policy
// must pass the real `validate`.

const examples = join(ROOT, "examples");

describe("the README and the shipped examples", { concurrency: true }, () => {
  it("shows examples/first-policy.json as the first policy", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## A first policy"));
    const block = /```json\n([\s\S]*?)```/.exec(section);
    assert.ok(block, "the README's first-policy section has a JSON block");
    assert.deepEqual(JSON.parse(block[1]!), JSON.parse(readFileSync(join(examples, "first-policy.json"), "utf8")));
  });

  for (const name of readdirSync(examples).filter((f) => f.endsWith(".json"))) {
    it(`validates examples/${name}`, () => {
      const run = spawnSync(process.execPath, [BIN, "validate", join(examples, name)], { encoding: "utf8" });
      assert.equal(run.stderr + run.stdout.replace(/: valid \(.*\)\n$/, ""), join(examples, name));
      assert.equal(run.status, 0);
    });
  }

  it("points --help at the documentation it ships, and sums up the exit codes", () => {
    const run = spawnSync(process.execPath, [BIN, "--help"], { encoding: "utf8" });
    assert.equal(run.status, 0);
    assert.match(run.stdout, /Exit codes: 2 usage error, 1 invalid policy \(nothing started\), 127 the upstream could not start/);
    const folder = /More: README\.md and docs\/ in (.+)\n$/.exec(run.stdout)?.[1];
    assert.ok(folder && existsSync(join(folder, "README.md")) && existsSync(join(folder, "docs", "cli.md")), run.stdout);
  });

  it("wraps every client example's server in policy-wrap with a policy", () => {
    for (const name of readdirSync(join(examples, "clients")).filter((f) => f.endsWith(".json"))) {
      const config = JSON.parse(readFileSync(join(examples, "clients", name), "utf8")) as Record<string, Record<string, any>>;
      const servers = config.mcpServers ?? config.servers;
      assert.ok(servers, `${name} has servers`);
      for (const [server, entry] of Object.entries(servers)) {
        assert.match(entry.command, /(^|\/)policy-wrap$/, `${name} ${server} runs policy-wrap`);
        assert.equal(entry.args[0], "--policy", `${name} ${server} passes a policy first`);
      }
    }
  });
});
