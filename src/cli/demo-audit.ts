import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { formatTableLine } from "../audit/format-record.js";
import { openAuditForReading, queryRecords } from "../audit/read-audit.js";
import { verifyChain } from "../audit/verify-chain.js";

// The demo's last steps: the same policy in monitor mode, then what the audit
// trail recorded of both sessions, and its hash chain checked.

const out = (line = ""): void => void process.stdout.write(`${line}\n`);

export interface MonitorStep {
  connect(extraArgs: string[]): Promise<Client>;
  call(
    client: Client,
    name: string,
    args: Record<string, unknown>,
  ): Promise<{ text: string; decision?: { rule?: string; cause?: string } }>;
  audit: string;
}

export async function showMonitorAndAudit(step: MonitorStep, first: number): Promise<void> {
  out(`\n${first}. The same policy in monitor mode (--mode monitor), as a team would roll it out:`);
  const monitored = await step.connect(["--mode", "monitor"]);
  const visible = (await monitored.listTools()).tools.map((t) => t.name);
  out(`   the agent sees all ${visible.length} tools: nothing is hidden`);
  for (const [name, args] of [
    ["DeleteAHOReadSet", { sequenceStoreId: "seq-1", readSetIds: ["rs-0001"] }],
    ["StartAHOReadSetExportJob", { sequenceStoreId: "seq-1", destination: "s3://public-share/out/" }],
  ] as const) {
    const outcome = await step.call(monitored, name, args);
    out(`   ${name} -> ${outcome.text} (forwarded: enforce mode would have refused it)`);
  }
  await monitored.close();

  out(`\n${first + 1}. What the audit trail recorded (policy-wrap log --audit ${join("<demo folder>", "audit.db")}):`);
  const db = openAuditForReading(step.audit);
  try {
    for (const row of queryRecords(db, {})) if (row.kind === "decision") out(`   ${formatTableLine(row)}`);
    const verdict = verifyChain(db);
    out(
      `   policy-wrap log verify -> ${verdict.ok ? `OK: ${verdict.records} records, the hash chain is intact` : `FAILED: ${verdict.problem}`}`,
    );
  } finally {
    db.close();
  }
  out("   (policy-wrap log --outcome would_deny shows what enforcing the policy would refuse)");
}
