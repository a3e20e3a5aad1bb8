import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json, WrapperClient } from "../helpers/wrapper-client.js";

// Resources through the real binary, against a fixture with resources under
// several schemes (file, db, https, urn), URI templates and completions, every
// list paginated. The fixture answers any URI, as a server that resolves
// every spelling would; what reaches it is read from its record.

const dir = tempDir();
const FIXTURE = join(ROOT, "test", "fixtures", "resource-server.mjs");
const launch = inProcessStarter();
let n = 0;

const dotfiles = {
  version: "1",
  default: "allow",
  hide: ["resource:file:///home/me/.ssh/*"],
  resources: {
    "file:///home/me/.aws/*": { action: "deny", reason: "Cloud credentials stay on this machine." },
    "file:///home/me/projects/*": { action: "require_approval" },
  },
};

interface Started {
  wrapper: WrapperClient;
  /** The requests the upstream received, in order. */
  received(): Json[];
}

async function start(policy: object, extraArgs: string[] = [], capabilities: Json = {}): Promise<Started> {
  const record = join(dir, `record-${n}.jsonl`);
  const file = writePolicy(dir, policy, `policy-${n}.json`);
  const state = join(dir, `state-${n++}.db`);
  const wrapper = launch({
    policy: file,
    upstream: [process.execPath, FIXTURE],
    env: { RECORD: record },
    extraArgs: ["--state", state, ...extraArgs],
  });
  await wrapper.initialize(capabilities);
  const received = () =>
    existsSync(record)
      ? readFileSync(record, "utf8")
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line) as Json)
      : [];
  return { wrapper, received };
}

const read = (wrapper: WrapperClient, uri: string, extra: Json = {}) => wrapper.request("resources/read", { uri, ...extra });
const readUris = (received: Json[]) => received.filter((m) => m.method === "resources/read").map((m) => m.params.uri as string);

describe("resources", { concurrency: true }, () => {
  it("merges every page of resources/list and shows only the resources a read could reach, each entry as sent", async () => {
    const { wrapper, received } = await start(dotfiles);
    const answer = await wrapper.request("resources/list");
    assert.equal(answer.result.nextCursor, undefined);
    assert.deepEqual(
      answer.result.resources.map((r: Json) => r.uri),
      [
        "file:///home/me/notes.txt",
        "file:///home/me/projects/a.md",
        "db://reports/2026",
        "db://users/all",
        "https://example.com/docs/index.html",
        "urn:isbn:0451450523",
      ],
    );
    assert.deepEqual(answer.result.resources[0], { uri: "file:///home/me/notes.txt", name: "notes.txt", mimeType: "text/plain" });
    const cursors = received()
      .filter((m) => m.method === "resources/list")
      .map((m) => m.params?.cursor);
    assert.deepEqual(cursors, [undefined, "2", "4", "6"]);
  });

  it("lists a template when some URI it can produce is allowed, and hides one that can produce only refused URIs", async () => {
    const { wrapper } = await start(dotfiles);
    const answer = await wrapper.request("resources/templates/list");
    assert.deepEqual(
      answer.result.resourceTemplates.map((t: Json) => t.uriTemplate),
      ["file:///home/me/{+path}", "db://{table}", "https://example.com/docs/{page}"],
    );
  });

  it("refuses every spelling of a protected file with a JSON-RPC error carrying the decision, and never asks the upstream", async () => {
    const { wrapper, received } = await start(dotfiles);
    for (const uri of [
      "file:///home/me/.aws/credentials",
      "FILE://localhost/home/me/.aws/credentials",
      "file:///home/me/x/%2e%2e/.aws/credentials",
      "file:///home/me/%2Eaws/credentials",
      "file:///home/me/.aws%2Fcredentials",
      "file:///home/me\\.aws\\credentials",
      "file:///home/me//.aws/./credentials",
      "file:///home/me/x#/../.aws/credentials",
      "file:///home/me/.a%E2%80%8Cws/credentials",
      "file:///home/me/.AWS/credentials",
      "file:///home/me/.aws./credentials",
      "file:///home/me/.aws/credentials?x=1#y",
      "file:///home/me/.aws",
    ]) {
      const answer = await read(wrapper, uri);
      assert.equal(answer.error?.code, -32003, uri);
      assert.equal(answer.error.message, "[POLICY DENIED] Cloud credentials stay on this machine.", uri);
      assert.deepEqual(answer.error.data, {
        outcome: "deny",
        resource: uri,
        cause: "rule",
        rule: "/resources/file:~1~1~1home~1me~1.aws~1*",
        reason: "Cloud credentials stay on this machine.",
      });
    }
    const hidden = await read(wrapper, "file:///home/me/.ssh/id_ed25519");
    assert.equal(hidden.error.data.cause, "hidden");
    assert.equal(hidden.error.data.rule, "/hide/0");
    const allowed = await read(wrapper, "file:///home/me/notes.txt");
    assert.equal(allowed.result.contents[0].text, "content of file:///home/me/notes.txt");
    assert.deepEqual(readUris(received()), ["file:///home/me/notes.txt"]);
  });

  it("refuses a URI it cannot read, and members a case-insensitive server could read instead of uri", async () => {
    const { wrapper, received } = await start(dotfiles);
    const unreadable = await read(wrapper, "file://evil.example/home/me/notes.txt");
    assert.equal(unreadable.error.code, -32003);
    assert.equal(unreadable.error.data.cause, "uri");
    assert.match(unreadable.error.message, /names the host "evil\.example"/);
    const noScheme = await read(wrapper, "/home/me/.aws/credentials");
    assert.equal(noScheme.error.data.cause, "uri");
    for (const [uri, why] of [
      ["file:////localhost/C$/Users/me/.aws/credentials", /network or device path/],
      ["file:///home/me/%25%32%45aws/credentials", /percent-encoded twice/],
      ["file:///C:/Users/me/AWS~1/credentials", /short \(8\.3\) name/],
    ] as const) {
      const answer = await read(wrapper, uri);
      assert.equal(answer.error?.data?.cause, "uri", uri);
      assert.match(answer.error.message, why, uri);
    }
    // Two members one case-insensitive binder reads as one: refused before the gate sees them.
    const folded = await read(wrapper, "file:///home/me/notes.txt", { "ur\u0131": "file:///home/me/.aws/credentials" });
    assert.equal(folded.error.code, -32600);
    const variantOnly = await wrapper.request("resources/read", { URI: "file:///home/me/.aws/credentials" });
    assert.equal(variantOnly.error.code, -32602);
    const extra = await read(wrapper, "file:///home/me/notes.txt", { path: "/home/me/.aws/credentials" });
    assert.equal(extra.error.code, -32602);
    assert.match(extra.error.message, /resources\/read takes only uri, _meta, not "path"/);
    const missing = await wrapper.request("resources/read", { url: "file:///home/me/notes.txt" });
    assert.equal(missing.error.code, -32602);
    assert.deepEqual(readUris(received()), []);
  });

  it("refuses a subscription to a refused resource, and passes unsubscribe", async () => {
    const { wrapper, received } = await start(dotfiles);
    const refused = await wrapper.request("resources/subscribe", { uri: "file:///home/me/%2eaws/credentials" });
    assert.equal(refused.error.code, -32003);
    assert.equal(refused.error.data.cause, "rule");
    assert.deepEqual((await wrapper.request("resources/subscribe", { uri: "db://reports/2026" })).result, {});
    assert.deepEqual((await wrapper.request("resources/unsubscribe", { uri: "file:///home/me/.aws/credentials" })).result, {});
    assert.deepEqual(
      received()
        .filter((m) => m.method.startsWith("resources/"))
        .map((m) => [m.method, m.params.uri]),
      [
        ["resources/subscribe", "db://reports/2026"],
        ["resources/unsubscribe", "file:///home/me/.aws/credentials"],
      ],
    );
  });

  it("keeps an allow-list closed: only URIs under the allowed folders, and templates that can reach them", async () => {
    const { wrapper, received } = await start({
      version: "1",
      default: "allow",
      default_resources: "deny",
      resources: { "file:///home/me/projects/*": {}, "db://reports/*": {} },
    });
    for (const uri of [
      "file:///home/me/projects/../.aws/credentials",
      "file:///home/me/projects/%2E%2E/.aws/credentials",
      "file:///home/me/projects%2F..%2F.aws%2Fcredentials",
      "file:///home/me/projects/..\\.aws\\credentials",
      "db://reports/../users/all",
      "db://reports%2F..%2Fusers/all",
    ]) {
      assert.equal((await read(wrapper, uri)).error?.data?.cause, "default", uri);
    }
    assert.equal((await read(wrapper, "file:///home/me/projects/a.md")).result.contents[0].uri, "file:///home/me/projects/a.md");
    assert.deepEqual(readUris(received()), ["file:///home/me/projects/a.md"]);
    const list = await wrapper.request("resources/list");
    assert.deepEqual(
      list.result.resources.map((r: Json) => r.uri),
      ["file:///home/me/projects/a.md", "db://reports/2026"],
    );
    const templates = await wrapper.request("resources/templates/list");
    assert.deepEqual(
      templates.result.resourceTemplates.map((t: Json) => t.uriTemplate),
      ["file:///home/me/{+path}", "db://{table}"],
    );
  });

  it("drops completion values that would produce a refused URI, and refuses completion for a template with no allowed URI", async () => {
    const { wrapper, received } = await start(dotfiles);
    const complete = (uri: string, name: string) =>
      wrapper.request("completion/complete", { ref: { type: "ref/resource", uri }, argument: { name, value: "" } });
    const values = await complete("file:///home/me/{+path}", "path");
    assert.deepEqual(values.result.completion, { values: ["notes.txt", "projects/a.md"], hasMore: false });
    const untouched = await complete("db://{table}", "table");
    assert.deepEqual(untouched.result.completion, { values: ["users", "reports"], total: 2, hasMore: false });
    const refused = await complete("file:///home/me/.aws/{file}", "file");
    assert.equal(refused.error.code, -32003);
    assert.equal(refused.error.data.resource, "file:///home/me/.aws/{file}");
    assert.equal(received().filter((m) => m.method === "completion/complete").length, 2);
  });

  it("drops from a read's answer the contents of resources the policy refuses or has not had approved", async () => {
    const { wrapper } = await start(dotfiles);
    const folder = await read(wrapper, "file:///home/me/");
    assert.deepEqual(
      folder.result.contents.map((c: Json) => c.uri),
      ["file:///home/me/notes.txt"],
      "not ~/.aws (denied), ~/.ssh (hidden) or ~/projects (needs approval)",
    );
    const approved = await start(dotfiles, [], { elicitation: {} });
    approved.wrapper.send({ jsonrpc: "2.0", id: "f1", method: "resources/read", params: { uri: "file:///home/me/projects/" } });
    const ask = await approved.wrapper.waitFor((m) => m.method === "elicitation/create", "an approval question");
    approved.wrapper.send({ jsonrpc: "2.0", id: ask.id, result: { action: "accept", content: { approve: true } } });
    const projects = await approved.wrapper.answerTo("f1");
    assert.deepEqual(
      projects.result.contents.map((c: Json) => c.uri),
      ["file:///home/me/projects/a.md"],
      "what the approved rule covers stays",
    );
    const one = await read(wrapper, "file:///home/me/notes.txt");
    assert.deepEqual(one.result.contents, [
      { uri: "file:///home/me/notes.txt", mimeType: "text/plain", text: "content of file:///home/me/notes.txt" },
    ]);
  });

  it("asks before a read the policy wants approved, naming the resource", async () => {
    const { wrapper, received } = await start(dotfiles, [], { elicitation: {} });
    wrapper.send({ jsonrpc: "2.0", id: "r1", method: "resources/read", params: { uri: "file:///home/me/projects/a.md" } });
    const ask = await wrapper.waitFor((m) => m.method === "elicitation/create", "an approval question");
    assert.match(ask.params.message, /The agent wants to read the resource "file:\/\/\/home\/me\/projects\/a\.md" on the MCP server/);
    assert.deepEqual(readUris(received()), []);
    wrapper.send({ jsonrpc: "2.0", id: ask.id, result: { action: "accept", content: { approve: true } } });
    assert.equal((await wrapper.answerTo("r1")).result.contents[0].uri, "file:///home/me/projects/a.md");
    assert.deepEqual(readUris(received()), ["file:///home/me/projects/a.md"]);
  });

  it("lets everything through in monitor mode, and logs what it would have refused", async () => {
    const { wrapper, received } = await start(dotfiles, ["--mode", "monitor"]);
    const list = await wrapper.request("resources/list");
    assert.equal(list.result.resources.length, 2, "the upstream's first page, untouched");
    assert.equal(list.result.nextCursor, "2");
    const answer = await read(wrapper, "file:///home/me/.aws/credentials");
    assert.equal(answer.result.contents[0].text, "content of file:///home/me/.aws/credentials");
    assert.deepEqual(readUris(received()), ["file:///home/me/.aws/credentials"]);
    await wrapper.waitForStderr(/would deny "resource:file:\/\/\/home\/me\/\.aws\/credentials" \(rule/);
  });
});

describe("resources under a policy that says nothing about them", { concurrency: true }, () => {
  const plain = { version: "1", default: "deny", tools: { echo: {} } };

  it("passes lists, reads, subscriptions and completions byte for byte, pages and cursors included", async () => {
    const { wrapper } = await start(plain);
    const exchanges: [string, Json | undefined][] = [
      ["resources/list", undefined],
      ["resources/list", { cursor: "2" }],
      ["resources/templates/list", undefined],
      ["prompts/list", undefined],
      ["resources/read", { uri: "file:///home/me/.aws/credentials" }],
      ["resources/read", { uri: "file:///home/me/" }],
      ["resources/read", { uri: "no scheme at all", extra: true }],
      ["resources/subscribe", { uri: "file://evil/x" }],
      ["prompts/get", { name: "secret_prompt", arguments: { project: "zeus" } }],
      ["completion/complete", { ref: { type: "ref/prompt", name: "secret_prompt" }, argument: { name: "project", value: "" } }],
    ];
    for (const [k, [method, params]] of exchanges.entries()) {
      const id = `t${k}`;
      await wrapper.request(method, params, id);
      const line = wrapper.lines.find((l) => (JSON.parse(l) as Json).id === id) as string;
      const upstream = await upstreamAnswer(method, params, id);
      assert.equal(line, upstream, method);
    }
  });
});

/** The line the fixture itself writes for one request: what a client sees without the wrapper. */
async function upstreamAnswer(method: string, params: Json | undefined, id: string): Promise<string> {
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, [FIXTURE], { stdio: ["pipe", "pipe", "ignore"] });
  child.stdin.end(`${JSON.stringify(params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params })}\n`);
  let out = "";
  for await (const chunk of child.stdout) out += String(chunk);
  return out.trim();
}
