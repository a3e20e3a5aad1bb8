import assert from "node:assert/strict";
import { it } from "node:test";
import { tempDir, writePolicy } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";

const wrapper = inProcessStarter()({ policy: writePolicy(tempDir(), { version: "1", default: "allow" }) });

it("passes a client's notifications/cancelled to the upstream", async () => {
  await wrapper.initialize();
  wrapper.send({ jsonrpc: "2.0", id: 41, method: "tools/call", params: { name: "hang", arguments: {} } });
  // The fixture only records the cancellation of a call it is running; wait until it is running.
  await wrapper.callTool("echo");
  wrapper.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 41, reason: "test" } });
  const answer = await wrapper.callTool("cancelled");
  assert.deepEqual(JSON.parse(answer.result.content[0].text), [41]);
});
