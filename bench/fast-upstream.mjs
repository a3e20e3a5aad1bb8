// A minimal MCP upstream for benchmarks: no SDK, answers at once.
// Tools: 800 in its list: `echo`, `limited`, `bytes` ({n}: a text of n bytes), then tool-3 .. tool-799.
import { createInterface } from "node:readline";

const tools = Array.from({ length: 800 }, (_, i) => ({
  name: i === 0 ? "echo" : i === 1 ? "limited" : i === 2 ? "bytes" : `tool-${i}`,
  description: `benchmark tool ${i}`,
  inputSchema: { type: "object", properties: { n: { type: "number" } } },
}));
const out = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

createInterface({ input: process.stdin, crlfDelay: Infinity }).on("line", (line) => {
  const message = JSON.parse(line);
  if (message.id === undefined) return;
  const { id, method, params } = message;
  if (method === "initialize") {
    out({
      jsonrpc: "2.0",
      id,
      result: { protocolVersion: "2025-06-18", capabilities: { tools: {} }, serverInfo: { name: "fast-upstream", version: "1" } },
    });
  } else if (method === "tools/list") {
    out({ jsonrpc: "2.0", id, result: { tools } });
  } else if (method === "tools/call" && params.name === "bytes") {
    // Built without JSON.stringify of the payload, so the upstream is not the bottleneck.
    process.stdout.write(
      `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":"${"x".repeat(params.arguments.n)}"}]}}\n`,
    );
  } else if (method === "tools/call") {
    out({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text: "ok" }] } });
  } else {
    out({ jsonrpc: "2.0", id, result: {} });
  }
});
