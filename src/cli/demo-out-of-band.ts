import { spawn } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

// The demo's out-of-band approval: a client that cannot ask (as Claude
// Desktop), a call the wrapper holds, and a second person who approves it
// from a terminal with the command the wrapper printed.

const out = (line = ""): void => void process.stdout.write(`${line}\n`);
const NEEDED = /approval needed: (policy-wrap approve (\S+)[^\n]*?) \(tool/;

export interface OutOfBandDemo {
  /** The wrapper's command line (policy-wrap and its options, the server after `--`). */
  command: string;
  args: string[];
  /** The policy-wrap binary, and the options that find the same records (`--state <file>`). */
  bin: string;
  recordsFlags: string[];
}

function runApprove(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let said = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (said += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (said += chunk));
    child.once("error", reject);
    child.once("close", () => resolve(said.trim()));
  });
}

export async function showOutOfBandApproval(demo: OutOfBandDemo, step: number): Promise<void> {
  out(`\n${step}. A client that cannot ask (as Claude Desktop): the wrapper holds the call, and a second`);
  out("   person approves it from a terminal with the command the wrapper printed.");
  const transport = new StdioClientTransport({
    command: demo.command,
    args: demo.args,
    env: process.env as Record<string, string>,
    stderr: "pipe",
  });
  const client = new Client({ name: "policy-wrap-demo-desktop", version: "1.0.0" }, { capabilities: {} });
  let stderr = "";
  const announced = new Promise<string>((resolve) => {
    transport.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
      const match = NEEDED.exec(stderr);
      if (match) resolve(match[2] as string);
    });
  });
  await client.connect(transport);
  const args = { sequenceStoreId: "seq-1", destination: "s3://omics-exports-lab/q4/" };
  out(`   StartAHOReadSetExportJob ${JSON.stringify(args)}`);
  const answer = client.callTool({ name: "StartAHOReadSetExportJob", arguments: args });
  const id = await announced;
  out(`   <- the wrapper's stderr: approval needed: policy-wrap approve ${id}`);
  const note = "checked the destination bucket";
  out(`   $ policy-wrap approve ${id} --note "${note}"`);
  const said = await runApprove(demo.bin, ["approve", id, "--note", note, ...demo.recordsFlags]);
  out(`   ${said}`);
  const result = await answer;
  const text = ((result.content ?? []) as { text?: string }[]).map((c) => c.text ?? "").join(" ");
  out(`   -> ${text}`);
  await client.close();
}
