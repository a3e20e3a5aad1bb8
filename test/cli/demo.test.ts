import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { it } from "node:test";
import { BIN } from "../helpers/paths.js";
import { HANG_GUARD_MS } from "../helpers/hang-guard.js";

it("npm start's demo walks through filtering, denials, an approval, a reload and a rate limit, then names the next commands", () => {
  const run = spawnSync(process.execPath, [BIN, "demo"], { encoding: "utf8", timeout: HANG_GUARD_MS });
  assert.equal(run.status, 0, run.stderr);
  const transcript = run.stdout;
  assert.match(transcript, /1\. The server on its own offers 5 tools/);
  assert.match(transcript, /2\. Through policy-wrap the agent sees 3/);
  assert.match(transcript, /\[POLICY DENIED\] Deletion is done by humans in the console\./);
  assert.match(transcript, /\[POLICY DENIED\] Tool "DeleteAHOSequenceStore" is hidden by policy\./);
  assert.match(transcript, /\[POLICY DENIED\] Exports may only go to an s3:\/\/omics-exports-\* bucket\./);
  assert.match(
    transcript,
    /policy-wrap asks the user: The agent wants to call "StartAHOReadSetExportJob"[^\n]*\n {3}-> the user approves\n {3}-> \{"jobId":"export-1"/,
  );
  assert.match(
    transcript,
    /notifications\/tools\/list_changed[^\n]*\n {3}the agent now sees: ListAHOReadSets, GetAHOReadSet\n {3}StartAHOReadSetExportJob -> \[POLICY DENIED\] Exports are paused/,
  );
  assert.match(
    transcript,
    / {3}call 3 -> answered\n {3}call 4 -> \[POLICY DENIED\] Rate limit reached for ListAHOReadSets: 3 calls per minute \(counter ListAHOReadSets\)\. Retry in \d+s\.\n {6}decided by \/tools\/ListAHOReadSets\/rate_limit \(rate_limit\)\n/,
  );
  // Out of band: a client without elicitation, a call held, approved from a terminal.
  assert.match(
    transcript,
    /10\. A client that cannot ask[^\n]*\n[^\n]*\n {3}StartAHOReadSetExportJob [^\n]*\n {3}<- the wrapper's stderr: approval needed: policy-wrap approve ([0-9a-z]{10})\n {3}\$ policy-wrap approve \1 --note "checked the destination bucket"\n {3}approved \1: "StartAHOReadSetExportJob" on "example-aws-healthomics"; the wrapper forwarded the call to the server\n {3}-> \{"jobId":"export-/,
  );
  // Monitor mode: the same policy, nothing hidden or refused, and the audit trail of both sessions.
  assert.match(transcript, /11\. The same policy in monitor mode[^\n]*\n {3}the agent sees all 5 tools/);
  assert.match(transcript, /DeleteAHOReadSet -> \{"deleted":\["rs-0001"\]\} \(forwarded: enforce mode would have refused it\)/);
  assert.match(
    transcript,
    /would_deny +DeleteAHOReadSet +\d+ +rule \/tools\/Delete\*: Deletion is done by humans in the console\. \(monitor\)/,
  );
  assert.match(transcript, /deny +DeleteAHOReadSet +\d+ +rule \/tools\/Delete\*/);
  assert.match(transcript, /policy-wrap log verify -> OK: \d+ records, the hash chain is intact/);
  const next = transcript.slice(transcript.indexOf("Done. Now with your own server:"));
  for (const command of [
    "policy-wrap init --out policy.json --",
    "policy-wrap explain --policy policy.json --",
    "policy-wrap validate policy.json --against --",
  ])
    assert.ok(next.includes(command), command);
});
