import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { packageRoot } from "../package-root.js";
import { showOutOfBandApproval } from "./demo-out-of-band.js";
import { showMonitorAndAudit } from "./demo-audit.js";

// `policy-wrap demo` (`npm start`): a scripted client session through the
// wrapper against the bundled example server, printed as a transcript.

const out = (line = ""): void => void process.stdout.write(`${line}\n`);

const NEXT_STEPS: [command: string, what: string][] = [
  ["policy-wrap init --out policy.json -- <your server command>", "a starter policy from its tools, by risk"],
  ["policy-wrap explain --policy policy.json -- <your server command>", "what the policy does to each tool"],
  ["policy-wrap validate policy.json --against -- <your server command>", "check the policy after each edit"],
  ["policy-wrap --policy policy.json -- <your server command>", "run the server behind the policy"],
  ["policy-wrap --mode monitor --policy policy.json -- <your server command>", "or first refuse nothing, record would_deny"],
  ["policy-wrap log --outcome would_deny --since 1d", "what it would have refused"],
];

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
  // The demo's "user" approves whatever policy-wrap asks about, and says so.
  const client = new Client({ name: "policy-wrap-demo", version: "1.0.0" }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    const firstLine = (request.params.message as string).split("\n")[0] ?? "";
    out(`   <- policy-wrap asks the user: ${firstLine}`);
    out("   -> the user approves");
    return { action: "accept", content: { approve: true } };
  });
  await client.connect(new StdioClientTransport({ command, args, env: process.env as Record<string, string> }));
  return client;
}

export async function demoCommand(_argv: string[]): Promise<number> {
  const root = packageRoot();
  const server = join(root, "dist", "examples", "aws-server", "server.js");
  const stateDir = mkdtempSync(join(tmpdir(), "policy-wrap-demo-"));
  // A copy, so that the demo can edit it mid-session without touching the example.
  const policy = join(stateDir, "policy.json");
  copyFileSync(join(root, "examples", "aws-healthomics-policy.json"), policy);
  try {
    out("policy-wrap demo: an agent's session with an AWS HealthOmics-style MCP server");
    out(`policy: examples/aws-healthomics-policy.json\n`);

    const bare = await connect(process.execPath, [server]);
    const upstreamTools = (await bare.listTools()).tools.map((t) => t.name);
    await bare.close();
    out(`1. The server on its own offers ${upstreamTools.length} tools:`);
    for (const name of upstreamTools) out(`     ${name}`);

    const audit = join(stateDir, "audit.db");
    const wrap = (policyFile: string, extra: string[]) =>
      connect(process.execPath, [
        join(root, "bin", "policy-wrap.js"),
        "--policy",
        policyFile,
        "--state",
        join(stateDir, "state.db"),
        "--audit",
        audit,
        "--log-level",
        "warn",
        ...extra,
        "--",
        process.execPath,
        server,
      ]);
    const wrapped = await wrap(policy, []);
    let listChanged: () => void = () => {};
    wrapped.setNotificationHandler(ToolListChangedNotificationSchema, async () => listChanged());
    const visible = (await wrapped.listTools()).tools.map((t) => t.name);
    out(`\n2. Through policy-wrap the agent sees ${visible.length}:`);
    for (const name of visible) out(`     ${name}`);
    const hidden = upstreamTools.filter((name) => !visible.includes(name));
    out(`   (not shown: ${hidden.join(", ")})`);

    const steps: [string, string, Record<string, unknown>][] = [
      ["3. An allowed call", "ListAHOReadSets", { sequenceStoreId: "seq-1" }],
      ["4. A call the policy denies by rule", "DeleteAHOReadSet", { sequenceStoreId: "seq-1", readSetIds: ["rs-0001"] }],
      ["5. A call to a hidden tool", "DeleteAHOSequenceStore", { sequenceStoreId: "seq-1" }],
      [
        "6. A call whose arguments the policy refuses",
        "StartAHOReadSetExportJob",
        { sequenceStoreId: "seq-1", destination: "s3://public-share/out/" },
      ],
      [
        "7. A call that needs a human's approval",
        "StartAHOReadSetExportJob",
        { sequenceStoreId: "seq-1", destination: "s3://omics-exports-lab/out/" },
      ],
    ];
    for (const [title, name, args] of steps) {
      out(`\n${title}: ${name} ${JSON.stringify(args)}`);
      const outcome = await call(wrapped, name, args);
      out(`   -> ${outcome.text}`);
      if (outcome.decision) out(`      decided by ${outcome.decision.rule} (${outcome.decision.cause})`);
    }

    out("\n8. The policy file is edited while the session runs: exports are paused, and listing read sets");
    out("   is limited to 3 calls a minute.");
    const edited = JSON.parse(readFileSync(policy, "utf8")) as { tools: Record<string, unknown> };
    edited.tools.StartAHOReadSetExportJob = { action: "deny", reason: "Exports are paused during the audit." };
    edited.tools.ListAHOReadSets = { rate_limit: { max: 3, window: "minute" } };
    const changed = new Promise<void>((resolve) => (listChanged = resolve));
    writeFileSync(policy, `${JSON.stringify(edited, null, 2)}\n`);
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000).unref());
    if (!(await Promise.race([changed.then(() => true), timeout]))) {
      out("   (no reload seen within 10 s; is the file system watchable?)");
      await wrapped.close();
      return 1;
    }
    out("   <- notifications/tools/list_changed (the wrapper reloaded the policy)");
    const after = (await wrapped.listTools()).tools.map((t) => t.name);
    out(`   the agent now sees: ${after.join(", ")}`);
    const paused = await call(wrapped, "StartAHOReadSetExportJob", { sequenceStoreId: "seq-1", destination: "s3://bucket/out" });
    out(`   StartAHOReadSetExportJob -> ${paused.text}`);

    out("\n9. The agent lists read sets four times in a row:");
    for (let i = 1; i <= 4; i++) {
      const listed = await call(wrapped, "ListAHOReadSets", { sequenceStoreId: "seq-1" });
      out(`   call ${i} -> ${listed.decision ? listed.text : "answered"}`);
      if (listed.decision) out(`      decided by ${listed.decision.rule} (${listed.decision.cause})`);
    }
    await wrapped.close();
    const desktopPolicy = join(stateDir, "policy-desktop.json");
    copyFileSync(join(root, "examples", "aws-healthomics-policy.json"), desktopPolicy);
    const bin = join(root, "bin", "policy-wrap.js");
    const state = ["--state", join(stateDir, "state.db")];
    const desktopArgs = [bin, "--policy", desktopPolicy, ...state, "--audit", audit, "--log-level", "warn", "--", process.execPath, server];
    await showOutOfBandApproval({ command: process.execPath, args: desktopArgs, bin, recordsFlags: state }, 10);
    const monitorPolicy = join(stateDir, "policy-monitor.json");
    copyFileSync(join(root, "examples", "aws-healthomics-policy.json"), monitorPolicy);
    // Monitor mode's note on stderr is for a person at a terminal; the transcript says it instead.
    await showMonitorAndAudit({ connect: (extra) => wrap(monitorPolicy, [...extra, "--log-level", "error"]), call, audit }, 11);
    out("\nDone. Now with your own server:");
    const width = Math.max(...NEXT_STEPS.map(([command]) => command.length));
    for (const [command, what] of NEXT_STEPS) out(`  ${command.padEnd(width)}  ${what}`);
    return 0;
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}
