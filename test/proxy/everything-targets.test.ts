import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { BIN, EVERYTHING_SERVER } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";

// Resources, templates, prompts, completions and subscriptions of
// @modelcontextprotocol/server-everything behind a policy that governs them,
// through the SDK's own client, compared with the bare server.

const dir = tempDir();
const ARCHITECTURE = "demo://resource/static/document/architecture.md";
const policy = writePolicy(dir, {
  version: "1",
  default: "allow",
  hide: ["prompt:resource-prompt"],
  resources: {
    [ARCHITECTURE]: { action: "deny", reason: "Architecture notes are internal." },
    "demo://resource/dynamic/blob/*": { action: "deny" },
  },
  prompts: { "args-prompt": { deny_if: [{ conditions: [{ path: "args.city", op: "eq", value: "Atlantis" }], on_deny: "No such city." }] } },
});

async function connect(wrapped: boolean): Promise<Client> {
  const client = new Client({ name: "targets-test", version: "1" }, { capabilities: {} });
  const server = [EVERYTHING_SERVER, "stdio"];
  const args = wrapped ? [BIN, "--policy", policy, "--state", `${dir}/state.db`, "--", process.execPath, ...server] : server;
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args, env: process.env as Record<string, string>, stderr: "ignore" }),
  );
  return client;
}

async function refusal(promise: Promise<unknown>): Promise<McpError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof McpError, String(error));
    return error;
  }
  assert.fail("the request was not refused");
}

describe("resources and prompts of server-everything behind a policy", { concurrency: false }, () => {
  let bare: Client;
  let wrapped: Client;
  before(async () => {
    [bare, wrapped] = await Promise.all([connect(false), connect(true)]);
  });
  after(async () => {
    await Promise.all([bare.close(), wrapped.close()]);
  });

  it("lists every resource but the denied one, each exactly as the server lists it", async () => {
    const all = (await bare.listResources()).resources;
    assert.ok(all.some((r) => r.uri === ARCHITECTURE));
    assert.deepEqual(
      (await wrapped.listResources()).resources,
      all.filter((r) => r.uri !== ARCHITECTURE),
    );
  });

  it("refuses reading and subscribing to the denied resource with -32003 and the decision, and reads the others", async () => {
    const read = await refusal(wrapped.readResource({ uri: ARCHITECTURE }));
    assert.equal(read.code, -32003);
    assert.match(read.message, /\[POLICY DENIED\] Architecture notes are internal\./);
    assert.deepEqual(read.data, {
      outcome: "deny",
      resource: ARCHITECTURE,
      cause: "rule",
      rule: "/resources/demo:~1~1resource~1static~1document~1architecture.md",
      reason: "Architecture notes are internal.",
    });
    const spelled = await refusal(wrapped.readResource({ uri: "DEMO://resource/static/document/%61rchitecture.md" }));
    assert.equal(spelled.code, -32003);
    const subscribe = await refusal(wrapped.subscribeResource({ uri: ARCHITECTURE }));
    assert.equal(subscribe.code, -32003);
    const other = "demo://resource/static/document/features.md";
    assert.deepEqual(await wrapped.readResource({ uri: other }), await bare.readResource({ uri: other }));
    assert.deepEqual(await wrapped.subscribeResource({ uri: other }), {});
    assert.deepEqual(await wrapped.unsubscribeResource({ uri: other }), {});
  });

  it("hides the template whose every URI is denied, and judges template reads on the concrete URI", async () => {
    const templates = (await bare.listResourceTemplates()).resourceTemplates;
    assert.deepEqual(
      (await wrapped.listResourceTemplates()).resourceTemplates,
      templates.filter((t) => !t.uriTemplate.startsWith("demo://resource/dynamic/blob/")),
    );
    const text = "demo://resource/dynamic/text/3";
    // The server writes the time of each read into the text: two reads a second apart differ there alone.
    const timeless = (read: unknown) => JSON.parse(JSON.stringify(read).replace(/created at [^"]*/g, "created at (time)")) as unknown;
    assert.deepEqual(timeless(await wrapped.readResource({ uri: text })), timeless(await bare.readResource({ uri: text })));
    assert.equal((await refusal(wrapped.readResource({ uri: "demo://resource/dynamic/blob/3" }))).code, -32003);
    const completion = await refusal(
      wrapped.complete({
        ref: { type: "ref/resource", uri: "demo://resource/dynamic/blob/{resourceId}" },
        argument: { name: "resourceId", value: "1" },
      }),
    );
    assert.equal(completion.code, -32003);
  });

  it("hides and refuses the hidden prompt, judges prompt arguments, and completes only allowed prompts", async () => {
    const prompts = (await bare.listPrompts()).prompts;
    assert.deepEqual(
      (await wrapped.listPrompts()).prompts,
      prompts.filter((p) => p.name !== "resource-prompt"),
    );
    const hidden = await refusal(wrapped.getPrompt({ name: "resource-prompt", arguments: { resourceType: "Text", resourceId: "1" } }));
    assert.equal(hidden.code, -32003);
    assert.equal((hidden.data as { cause: string }).cause, "hidden");
    const atlantis = await refusal(wrapped.getPrompt({ name: "args-prompt", arguments: { city: "Atlantis" } }));
    assert.match(atlantis.message, /No such city\./);
    const paris = { name: "args-prompt", arguments: { city: "Paris" } };
    assert.deepEqual(await wrapped.getPrompt(paris), await bare.getPrompt(paris));
    const ref = { type: "ref/prompt" as const, name: "completable-prompt" };
    const argument = { name: "department", value: "E" };
    assert.deepEqual(await wrapped.complete({ ref, argument }), await bare.complete({ ref, argument }));
    const refused = await refusal(
      wrapped.complete({ ref: { type: "ref/prompt", name: "resource-prompt" }, argument: { name: "resourceType", value: "" } }),
    );
    assert.equal(refused.code, -32003);
  });
});
