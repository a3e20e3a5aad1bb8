import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../helpers/paths.js";
import { tempDir } from "../helpers/temp-files.js";
import { inProcessStarter } from "../helpers/in-process-wrapper.js";
import type { Json, WrapperClient } from "../helpers/wrapper-client.js";

// Hot reload for resources and prompts: the initialize result advertises
// listChanged for them, a reload that changes what the client may see of a
// list it has read sends that list's list_changed (and only then), and the
// next request is judged by the new policy.

const dir = tempDir();
const FIXTURE = join(ROOT, "test", "fixtures", "resource-server.mjs");
const launch = inProcessStarter();
let n = 0;

const text = (policy: unknown) => `${JSON.stringify(policy, null, 2)}\n`;
const RELOADED = /policy reloaded/g;
const count = (w: WrapperClient, method: string) => w.messages.filter((m) => m.method === method).length;
const RESOURCES_CHANGED = "notifications/resources/list_changed";
const PROMPTS_CHANGED = "notifications/prompts/list_changed";

async function start(policy: object): Promise<{ wrapper: WrapperClient; file: string; init: Json }> {
  const file = join(dir, `policy-${n}.json`);
  writeFileSync(file, text(policy));
  const wrapper = launch({ policy: file, upstream: [process.execPath, FIXTURE], extraArgs: ["--state", join(dir, `state-${n++}.db`)] });
  await wrapper.waitForStderr(/watching .* for changes/g);
  const init = await wrapper.initialize();
  return { wrapper, file, init };
}

describe("hot reload of resources and prompts", { concurrency: true }, () => {
  it("advertises listChanged for the resources and prompts the server has", async () => {
    const { init } = await start({ version: "1", default: "allow" });
    assert.deepEqual(init.result.capabilities, {
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      completions: {},
    });
  });

  it("tells the client when a reload changes the resources or prompts it listed, and only then", async () => {
    const { wrapper, file } = await start({ version: "1", default: "allow" });
    await wrapper.request("resources/list");
    await wrapper.request("prompts/list");
    assert.equal((await wrapper.request("resources/read", { uri: "file:///home/me/.aws/credentials" })).result.contents.length, 1);

    writeFileSync(file, text({ version: "1", default: "allow", resources: { "file:///home/me/.aws/*": { action: "deny" } } }));
    await wrapper.waitForStderr(RELOADED);
    await wrapper.waitFor((m) => m.method === RESOURCES_CHANGED, "resources list_changed");
    assert.equal((await wrapper.request("resources/read", { uri: "file:///home/me/.aws/credentials" })).error.code, -32003);
    assert.match(
      wrapper.stderr,
      /visible tools: not listed by the client yet; visible resources -file:\/\/\/home\/me\/\.aws\/credentials; limits unchanged/,
    );

    // A rule that changes nothing the client sees: no notification.
    writeFileSync(
      file,
      text({ version: "1", default: "allow", resources: { "file:///home/me/.aws/*": { action: "deny", reason: "new words" } } }),
    );
    await wrapper.waitForStderr(RELOADED, 2);
    writeFileSync(
      file,
      text({ version: "1", default: "allow", hide: ["prompt:deploy"], resources: { "file:///home/me/.aws/*": { action: "deny" } } }),
    );
    await wrapper.waitForStderr(RELOADED, 3);
    await wrapper.waitFor((m) => m.method === PROMPTS_CHANGED, "prompts list_changed");
    // A round trip after the last reload: anything sent for the ones before has arrived.
    await wrapper.request("ping");
    assert.equal(count(wrapper, RESOURCES_CHANGED), 1);
    assert.equal(count(wrapper, PROMPTS_CHANGED), 1);
    assert.match(wrapper.stderr, /visible prompts -deploy/);
    const list = await wrapper.request("prompts/list");
    assert.ok(!list.result.prompts.some((p: Json) => p.name === "deploy"));
  });

  it("tells the client when a template it listed becomes unreachable", async () => {
    const { wrapper, file } = await start({ version: "1", default: "allow" });
    // Passed through page by page while the policy says nothing about resources: the client reads both pages.
    const first = await wrapper.request("resources/templates/list");
    await wrapper.request("resources/templates/list", { cursor: first.result.nextCursor });
    writeFileSync(file, text({ version: "1", default: "allow", hide: ["resource:db://*"] }));
    await wrapper.waitForStderr(RELOADED);
    await wrapper.waitFor((m) => m.method === RESOURCES_CHANGED, "resources list_changed");
    assert.match(wrapper.stderr, /visible resource templates -db:\/\/\{table\}/);
    const list = await wrapper.request("resources/templates/list");
    assert.deepEqual(
      list.result.resourceTemplates.map((t: Json) => t.uriTemplate),
      ["file:///home/me/{+path}", "file:///home/me/.aws/{file}", "https://example.com/docs/{page}"],
    );
  });
});
