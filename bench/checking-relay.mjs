// What any wrapper that reads the messages must do, and nothing more: the
// wrapper's own framing and writing, and with CHECK=1 also the strict scan and
// JSON.parse of each client message and a JSON.parse of each upstream message
// (what docs/guarantees.md requires). No policy, no events, no audit trail.
// The bench sets it beside the byte relay to show where the floor lies.
//   node bench/checking-relay.mjs <command> [args...]    (CHECK=1 to check)
import { spawn } from "node:child_process";

const dist = new URL("../dist/src/", import.meta.url);
const { LineSplitter } = await import(new URL("jsonrpc/line-splitter.js", dist).href);
const { LineWriter } = await import(new URL("jsonrpc/line-writer.js", dist).href);
const { scanJson } = await import(new URL("json/scan-json.js", dist).href);

const check = process.env.CHECK === "1";
const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
const toUpstream = new LineWriter(child.stdin);
const toClient = new LineWriter(process.stdout);
const fromClient = new LineSplitter(100 * 1024 * 1024, {
  line: (line) => {
    if (check) {
      const text = line.toString("utf8");
      if (scanJson(text, { maxDepth: 1000, strict: true }).ok) JSON.parse(text);
    }
    toUpstream.write(line);
  },
  oversize: () => {},
});
const fromUpstream = new LineSplitter(100 * 1024 * 1024, {
  line: (line) => {
    if (check) JSON.parse(line.toString("utf8"));
    toClient.write(line);
  },
  oversize: () => {},
});
const held = (work) => {
  toUpstream.hold();
  toClient.hold();
  try {
    work();
  } finally {
    toUpstream.release();
    toClient.release();
  }
};
process.stdin.on("data", (chunk) => held(() => fromClient.push(chunk)));
process.stdin.on("end", () => child.stdin.end());
child.stdout.on("data", (chunk) => held(() => fromUpstream.push(chunk)));
child.on("exit", (code) => process.exit(code ?? 1));
