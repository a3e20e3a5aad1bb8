import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { BIN, EVERYTHING_SERVER } from "../helpers/paths.js";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";

// With an allow-all policy, a wrapped @modelcontextprotocol/server-everything
// must behave like the bare one in both directions.

const policy = writePolicy(tempDir(), { version: "1", default: "allow" });
const received = { sampling: 0, elicitation: 0, roots: 0 };

async function connect(wrapped: boolean): Promise<Client> {
  const client = new Client(
    { name: "pass-through-test", version: "1" },
    { capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } } },
  );
  client.setRequestHandler(CreateMessageRequestSchema, async () => {
    received.sampling++;
    return { model: "test-model", role: "assistant", content: { type: "text", text: "sampled by the test client" } };
  });
  client.setRequestHandler(ElicitRequestSchema, async () => {
    received.elicitation++;
    return { action: "accept", content: { name: "Ada", check: true } };
  });
  client.setRequestHandler(ListRootsRequestSchema, async () => {
    received.roots++;
    return { roots: [{ uri: "file:///tmp/root-from-test", name: "test root" }] };
  });
  const server = [EVERYTHING_SERVER, "stdio"];
  const args = wrapped ? [BIN, "--policy", policy, "--", process.execPath, ...server] : server;
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args, env: process.env as Record<string, string>, stderr: "ignore" }),
  );
  return client;
}

describe("pass-through against server-everything", { concurrency: false }, () => {
  let bare: Client;
  let wrapped: Client;
  before(async () => {
    [bare, wrapped] = await Promise.all([connect(false), connect(true)]);
  });
  after(async () => {
    await Promise.all([bare.close(), wrapped.close()]);
  });

  const text = (result: Record<string, unknown>) => ((result.content ?? []) as { text?: string }[]).map((c) => c.text ?? "").join("");

  it("lists the same tools, resources, templates and prompts as the bare server", async () => {
    for (const list of ["listTools", "listResources", "listResourceTemplates", "listPrompts"] as const) {
      assert.deepEqual(await wrapped[list](), await bare[list](), list);
    }
  });

  it("reads a resource and gets a prompt exactly as the bare server does", async () => {
    const { resources } = await bare.listResources();
    const uri = resources[0]?.uri as string;
    assert.deepEqual(await wrapped.readResource({ uri }), await bare.readResource({ uri }));
    const { prompts } = await bare.listPrompts();
    const simple = prompts.find((p) => !(p.arguments ?? []).some((a) => a.required)) ?? prompts[0];
    assert.ok(simple);
    assert.deepEqual(
      await wrapped.getPrompt({ name: simple.name, arguments: {} }),
      await bare.getPrompt({ name: simple.name, arguments: {} }),
    );
  });

  it("passes a server-to-client sampling request and its answer", async () => {
    const before = received.sampling;
    const result = await wrapped.callTool({ name: "trigger-sampling-request", arguments: { prompt: "hello", maxTokens: 10 } });
    assert.equal(received.sampling, before + 1);
    assert.match(text(result), /sampled by the test client/);
  });

  it("passes a server-to-client elicitation request and its answer", async () => {
    const before = received.elicitation;
    const result = await wrapped.callTool({ name: "trigger-elicitation-request", arguments: {} });
    assert.equal(received.elicitation, before + 1);
    assert.match(text(result), /Ada/);
  });

  it("passes a roots/list request from the server", async () => {
    const result = await wrapped.callTool({ name: "get-roots-list", arguments: {} });
    assert.match(text(result), /root-from-test/);
  });

  it("passes progress notifications for a call that asked for them", async () => {
    const progress: number[] = [];
    await wrapped.callTool({ name: "trigger-long-running-operation", arguments: { duration: 0.5, steps: 5 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    // server-everything itself races its last notification against the result (seen bare too).
    assert.ok(progress.length >= 4, `got ${JSON.stringify(progress)}`);
    assert.deepEqual(progress, [1, 2, 3, 4, 5].slice(0, progress.length));
  });

  it("passes logging/setLevel, ping and completion requests", async () => {
    assert.deepEqual(await wrapped.setLoggingLevel("error"), await bare.setLoggingLevel("error"));
    assert.deepEqual(await wrapped.ping(), {});
  });
});

describe("cancellation against server-everything", () => {
  const launch = inProcessStarter();

  it("passes notifications/cancelled on: the cancelled call is never answered", async () => {
    const wrapper = launch({ policy, upstream: [process.execPath, EVERYTHING_SERVER, "stdio"] });
    await wrapper.initialize();
    const operation = (id: string, duration: number) =>
      wrapper.send({
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name: "trigger-long-running-operation", arguments: { duration, steps: 1 } },
      });
    operation("cancelled", 0.5);
    wrapper.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "cancelled", reason: "test" } });
    // A longer call started after it: by its answer, the first would have been answered too.
    operation("later", 1);
    await wrapper.answerTo("later");
    assert.ok(!wrapper.messages.some((m) => m.id === "cancelled"));
  });
});
