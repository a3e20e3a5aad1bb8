import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { packageRoot } from "../package-root.js";

// `policy-wrap demo` (`npm start`): a scripted client session through the
// wrapper against the bundled example server, printed as a transcript.

const out = (line = ""): void => void process.stdout.write(`${line}\n`);

interface CallOutcome {
  text: string;
  decision?: { rule?: string; cause?: string };
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallOutcome> {
  const result = await client.callTool({ name, arguments: args });
  const content = (result.content ?? []) as { type: string; text?: string }[];
  const meta = result._meta as Record<string, CallOutcome["decision"]> | undefined;
  return { text: content.map((c) => c.text ?? "").join(" "), decision: meta?.["policy-wrap/decision"] };
}

async function connect(command: string, args: string[]): Promise<Client> {
  const client = new Client({ name: "policy-wrap-demo", version: "1.0.0" });
  await client.connect(new StdioClientTransport({ command, args, env: process.env as Record<string, string> }));
  return client;
}

export async function demoCommand(_argv: string[]): Promise<number> {
  const root = packageRoot();
  const server = join(root, "dist", "examples", "aws-server", "server.js");
  const policy = join(root, "examples", "aws-healthomics-policy.json");
  const stateDir = mkdtempSync(join(tmpdir(), "policy-wrap-demo-"));
  try {
    out("policy-wrap demo: an agent's session with an AWS HealthOmics-style MCP server");
    out(`policy: examples/aws-healthomics-policy.json\n`);

    const bare = await connect(process.execPath, [server]);
    const upstreamTools = (await bare.listTools()).tools.map((t) => t.name);
    await bare.close();
    out(`1. The server on its own offers ${upstreamTools.length} tools:`);
    for (const name of upstreamTools) out(`     ${name}`);

    const wrapped = await connect(process.execPath, [join(root, "bin", "policy-wrap.js"), "--policy", policy, "--state", join(stateDir, "state.db"), "--", process.execPath, server]);
    const visible = (await wrapped.listTools()).tools.map((t) => t.name);
    out(`\n2. Through policy-wrap the agent sees ${visible.length}:`);
    for (const name of visible) out(`     ${name}`);
    const hidden = upstreamTools.filter((name) => !visible.includes(name));
    out(`   (not shown: ${hidden.join(", ")})`);

    const steps: [string, string, Record<string, unknown>][] = [
      ["3. An allowed call", "ListAHOReadSets", { sequenceStoreId: "seq-1" }],
      ["4. A call the policy denies by rule", "DeleteAHOReadSet", { sequenceStoreId: "seq-1", readSetIds: ["rs-0001"] }],
      ["5. A call to a hidden tool", "DeleteAHOSequenceStore", { sequenceStoreId: "seq-1" }],
    ];
    for (const [title, name, args] of steps) {
      const outcome = await call(wrapped, name, args);
      out(`\n${title}: ${name} ${JSON.stringify(args)}`);
      out(`   -> ${outcome.text}`);
      if (outcome.decision) out(`      decided by ${outcome.decision.rule} (${outcome.decision.cause})`);
    }
    await wrapped.close();
    out("\nDone. Try your own: policy-wrap --policy <file> -- <your MCP server command>");
    return 0;
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}
