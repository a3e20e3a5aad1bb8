// A short session through an installed policy-wrap, as a client would have it:
//   node .ci/packed-session.mjs <policy-wrap bin> <example server.js> <scratch dir>
// Lists tools (one hidden), makes an allowed call, a call refused by its rate limit
// (so the installed better-sqlite3 must load) and a call to a hidden tool. Plain
// Node, no dependencies: it runs against an install that has none of ours.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const [bin, server, scratch] = process.argv.slice(2);
const policy = join(scratch, "session-policy.json");
writeFileSync(
  policy,
  JSON.stringify({
    version: "1",
    default: "deny",
    hide: ["DeleteAHOSequenceStore"],
    tools: { ListAHOReadSets: { rate_limit: { max: 1, window: "minute" } } },
  }),
);

const child = spawn(bin, ["--policy", policy, "--state", join(scratch, "state.db"), "--", process.execPath, server], {
  stdio: ["pipe", "pipe", "inherit"],
});
const waiting = new Map();
let buffer = "";
child.stdout.setEncoding("utf8");
child.stdout.on("data", (chunk) => {
  buffer += chunk;
  let newline;
  while ((newline = buffer.indexOf("\n")) !== -1) {
    const message = JSON.parse(buffer.slice(0, newline));
    buffer = buffer.slice(newline + 1);
    waiting.get(message.id)?.(message);
  }
});
const deadline = setTimeout(() => fail("no answer within 30 s"), 30_000);

let nextId = 1;
function request(method, params) {
  const id = nextId++;
  child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
  return new Promise((resolve) => waiting.set(id, resolve));
}
function fail(why) {
  console.error(`packed session: ${why}`);
  child.kill();
  process.exit(1);
}
const textOf = (answer) => (answer.result?.content ?? []).map((c) => c.text).join(" ");
const call = (name) => request("tools/call", { name, arguments: { sequenceStoreId: "seq-1" } });

await request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "ci", version: "1" } });
child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);

const listed = (await request("tools/list", {})).result.tools.map((t) => t.name);
if (listed.join() !== "ListAHOReadSets") fail(`tools/list gave ${JSON.stringify(listed)}`);
const allowed = await call("ListAHOReadSets");
if (allowed.result?.isError || !textOf(allowed).includes("rs-0001")) fail(`the allowed call gave ${JSON.stringify(allowed)}`);
const limited = textOf(await call("ListAHOReadSets"));
if (!limited.startsWith("[POLICY DENIED] Rate limit reached")) fail(`the second call gave ${limited}`);
const hidden = textOf(await call("DeleteAHOSequenceStore"));
if (!hidden.startsWith("[POLICY DENIED]")) fail(`the hidden tool gave ${hidden}`);

child.stdin.end();
const code = await new Promise((resolve) => child.once("exit", resolve));
clearTimeout(deadline);
if (code !== 0) fail(`policy-wrap exited ${code}`);
console.log("packed session: tools/list filtered, allowed call answered, rate limit and hidden tool refused, exit 0");
