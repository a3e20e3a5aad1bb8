import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { classifyTool } from "../../src/classify/classify-tool.js";
import { splitWords } from "../../src/classify/split-words.js";
import { riskRank, VERBS, type ToolClass } from "../../src/classify/verbs.js";
import { ROOT } from "../helpers/paths.js";

// The classifier on the hand-written fixture of every naming style and
// annotation combination, and the rule that hints never lower risk, checked
// on every tool of every catalogue.

type Catalogue = { tools: Record<string, unknown>[] };
const NAMING = JSON.parse(readFileSync(join(ROOT, "test", "fixtures", "naming-styles.json"), "utf8")) as Catalogue;
const REAL = join(ROOT, "test", "fixtures", "real-servers");
const ALL_TOOLS = [
  ...NAMING.tools,
  ...readdirSync(REAL)
    .filter((f) => f.endsWith(".json"))
    .flatMap((f) => (JSON.parse(readFileSync(join(REAL, f), "utf8")) as Catalogue).tools),
];

const EXPECTED: [name: string, expected: ToolClass, evidence: RegExp][] = [
  ["get_query_results", "read", /^read verb "get"$/],
  ["lookup_events", "read", /^read verb "lookup"$/],
  ["get-env", "read", /^read verb "get"$/],
  ["valkey-admin", "destructive", /^destructive verb "admin"$/],
  ["getEnv", "read", /^read verb "get"$/],
  ["startExportJob", "execute", /^execute verb "start"$/],
  ["CreateDbCluster", "write", /^write verb "Create"$/],
  ["StartAHOReadSetExportJob", "execute", /^execute verb "Start"$/],
  ["InfluxDBCreateOrg", "write", /^write verb "Create"$/],
  ["json_arrappend", "write", /^write verb "append" in "arrappend"$/],
  ["json_arrpop", "destructive", /^destructive verb "pop" in "arrpop"$/],
  ["files.read", "read", /^read verb "read"$/],
  ["files.delete", "destructive", /^destructive verb "delete"$/],
  ["LIST_USERS", "read", /^read verb "LIST"$/],
  ["DELETE_USER", "destructive", /^destructive verb "DELETE"$/],
  ["s3_upload", "write", /^write verb "upload"$/],
  ["ec2TerminateInstances", "destructive", /^destructive verb "Terminate"$/],
  ["user_delete", "destructive", /^destructive verb "delete"$/],
  ["index_create", "write", /^write verb "create"$/],
  ["get_or_create_user", "write", /^read verb "get"; write verb "create" joined by "or"$/],
  ["ListAndPurgeQueues", "destructive", /^read verb "List"; destructive verb "Purge" joined by "And"$/],
  ["ListKillSwitches", "destructive", /^read verb "List"; destructive word "Kill" later in the name$/],
  ["weather", "unknown", /^no known verb in the name$/],
  ["gzip-file-as-resource", "unknown", /^no known verb in the name; readOnlyHint: false \(the server says it changes things\)$/],
  ["get_report", "read", /^read verb "get"$/],
  ["get_counter", "write", /readOnlyHint: false raises it/],
  ["get_and_reset", "destructive", /destructive verb "reset" joined by "and"; readOnlyHint: true ignored \(hints never lower risk\)$/],
  ["fetch_page", "destructive", /read verb "fetch"; destructiveHint: true raises it$/],
  ["list_items", "destructive", /destructiveHint: true raises it; readOnlyHint: true ignored \(hints never lower risk\)$/],
  ["describe_stack", "read", /^read verb "describe"$/],
  ["run_script", "execute", /readOnlyHint: true ignored \(hints never lower risk\)$/],
  ["trigger_build", "destructive", /destructiveHint: true raises it$/],
  ["update_record", "write", /readOnlyHint: true ignored/],
  ["put_object", "destructive", /destructiveHint: true raises it$/],
  ["drop_table", "destructive", /destructiveHint: false ignored \(hints never lower risk\)$/],
  ["purge_cache", "destructive", /destructiveHint: false ignored.*readOnlyHint: true ignored/],
  ["frobnicate", "unknown", /no known verb in the name; readOnlyHint: true ignored/],
  ["reticulate", "unknown", /readOnlyHint: false/],
  ["obliterate", "destructive", /no known verb in the name; destructiveHint: true raises it$/],
  ["show_string_hint", "destructive", /destructiveHint: true raises it$/],
  ["show_number_hint", "destructive", /destructiveHint: true raises it$/],
  ["show_case_hint", "destructive", /destructiveHint: true raises it$/],
  ["show_array_annotations", "read", /^read verb "show"$/],
  ["show_null_hint", "read", /^read verb "show"$/],
  ["__proto__", "unknown", /^no known verb in the name$/],
  ["constructor", "unknown", /^no known verb in the name$/],
  ["run_draft7", "execute", /^execute verb "run"$/],
];

describe("classifying a tool", () => {
  it("finds the verb in every naming style and weighs the annotations as documented", () => {
    for (const [name, expected, evidence] of EXPECTED) {
      const tool = NAMING.tools.find((t) => t.name === name);
      assert.ok(tool, `fixture has ${name}`);
      const got = classifyTool(tool);
      assert.equal(got.class, expected, `${name}: ${got.evidence.join("; ")}`);
      assert.match(got.evidence.join("; "), evidence, name);
    }
  });

  it("splits names into words in every style", () => {
    const words = (name: string) => splitWords(name).map((w) => w.text);
    assert.deepEqual(words("StartAHOReadSetExportJob"), ["Start", "AHO", "Read", "Set", "Export", "Job"]);
    assert.deepEqual(words("InfluxDBCreateOrg"), ["Influx", "DB", "Create", "Org"]);
    assert.deepEqual(words("get-resource.links_v2"), ["get", "resource", "links", "v", "2"]);
    assert.deepEqual(words("ec2TerminateInstances"), ["ec", "2", "Terminate", "Instances"]);
    assert.deepEqual(words("LsInstancesOfCluster"), ["Ls", "Instances", "Of", "Cluster"]);
  });

  it("never lowers a tool's class for readOnlyHint: true or destructiveHint: false, on any catalogued tool", () => {
    const order = (c: ToolClass) => (c === "unknown" ? -1 : riskRank(c));
    for (const tool of ALL_TOOLS) {
      const plain = classifyTool({ ...tool, annotations: undefined }).class;
      for (const annotations of [
        { readOnlyHint: true },
        { destructiveHint: false },
        { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
      ]) {
        const hinted = classifyTool({ ...tool, annotations }).class;
        assert.ok(
          hinted === plain || (plain !== "unknown" && order(hinted) > order(plain)),
          `${String(tool.name)}: ${plain} became ${hinted} with ${JSON.stringify(annotations)}`,
        );
        if (plain === "unknown") assert.equal(hinted, "unknown", `${String(tool.name)}: a hint cannot classify an unknown tool as safe`);
      }
      assert.equal(classifyTool({ ...tool, annotations: { destructiveHint: true } }).class, "destructive", String(tool.name));
    }
  });

  it("keeps names that are special to JavaScript as plain words", () => {
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"])
      assert.deepEqual(classifyTool({ name }), { name, class: "unknown", evidence: ["no known verb in the name"] });
  });

  it("does not read a verb into a short part of a word", () => {
    assert.equal(classifyTool({ name: "asset_info" }).class, "unknown");
    assert.equal(classifyTool({ name: "json_arrappend" }).class, "write");
  });

  it("keeps its verb tables lower case, sorted, and each word in one class", () => {
    const seen = new Map<string, string>();
    for (const [riskClass, words] of Object.entries(VERBS)) {
      assert.deepEqual([...words], [...words].sort(), `${riskClass} is sorted`);
      for (const word of words) {
        assert.equal(word, word.toLowerCase());
        assert.equal(seen.get(word), undefined, `${word} is in ${seen.get(word)} and ${riskClass}`);
        seen.set(word, riskClass);
      }
    }
  });
});
