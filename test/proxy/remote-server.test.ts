import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { EVERYTHING_SERVER, ROOT } from "../helpers/paths.js";
import { tempDir } from "../helpers/temp-files.js";
import { wrapperStarter } from "../helpers/wrapper-process.js";

// Remote (HTTP) MCP servers are reached through mcp-remote, a stdio server
// that forwards to a URL: `policy-wrap --policy p.json -- npx mcp-remote <url>`.
// Here the remote is server-everything in Streamable HTTP mode on a loopback
// port, and mcp-remote the devDependency.

const MCP_REMOTE = join(ROOT, "node_modules", "mcp-remote", "dist", "proxy.js");
const dir = tempDir();
const launch = wrapperStarter();
let server: ChildProcessWithoutNullStreams | undefined;
let url = "";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

before(async () => {
  const port = await freePort();
  server = spawn(process.execPath, [EVERYTHING_SERVER, "streamableHttp"], { env: { ...process.env, PORT: String(port) } });
  let said = "";
  await new Promise<void>((resolve, reject) => {
    server?.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      said += chunk;
      if (said.includes(`listening on port ${port}`)) resolve();
    });
    server?.once("exit", (code) => reject(new Error(`server-everything exited with ${code}: ${said}`)));
  });
  url = `http://127.0.0.1:${port}/mcp`;
});

after(() => {
  server?.kill();
});

describe("a remote server through mcp-remote", () => {
  it("filters the list, refuses a hidden tool and answers an allowed call", async () => {
    // The README's first policy: default deny, echo allowed, get-env hidden.
    const policy = join(ROOT, "examples", "first-policy.json");
    const wrapper = launch({
      policy,
      upstream: [process.execPath, MCP_REMOTE, url],
      // mcp-remote keeps its OAuth state here instead of ~/.mcp-auth.
      env: { MCP_REMOTE_CONFIG_DIR: join(dir, "mcp-auth") },
      extraArgs: ["--state", join(dir, "state.db")],
    });
    const init = await wrapper.initialize();
    assert.ok(init.result, JSON.stringify(init));

    const names = ((await wrapper.request("tools/list")).result.tools as { name: string }[]).map((t) => t.name);
    assert.deepEqual(names.sort(), ["echo", "get-sum", "trigger-long-running-operation"]);

    const hidden = await wrapper.callTool("get-env");
    assert.equal(hidden.result.isError, true);
    assert.equal(hidden.result.content[0].text, '[POLICY DENIED] Tool "get-env" is hidden by policy.');

    const echo = await wrapper.callTool("echo", { message: "through the remote" });
    assert.notEqual(echo.result.isError, true);
    assert.equal(echo.result.content[0].text, "Echo: through the remote");
    await wrapper.stop();
    assert.equal((await wrapper.exited).code, 0);
  });
});
